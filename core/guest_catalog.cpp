#include "core/guest_catalog.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/closest_name.h"
#include "core/error.h"

namespace vmlab {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRegenerate =
    "rebuild the project to regenerate it, or set VMLAB_GUESTS_DIR to a build's guests directory";

// The reader of one manifest: every error names the file and line.
class ManifestReader {
 public:
  explicit ManifestReader(const fs::path& manifest) : m_manifest(manifest), m_base(manifest.parent_path()) {}

  std::vector<GuestEntry> read(const toml::table& doc) const;

 private:
  [[noreturn]] void fail(const toml::node& at, const std::string& what) const {
    throw UserError(fmt::format("guest manifest {}:{}: {}; {}", m_manifest.string(), at.source().begin.line,
                                what, kRegenerate));
  }
  GuestEntry read_guest(const toml::table& table) const;
  std::string string_value(const toml::node& node, std::string_view key) const;
  std::vector<std::string> path_list(const toml::node& node, std::string_view key) const;
  std::string resolve(const std::string& path) const;

  fs::path m_manifest;
  fs::path m_base;
};

std::vector<GuestEntry> ManifestReader::read(const toml::table& doc) const {
  std::vector<GuestEntry> guests;
  for (const auto& [key, node] : doc) {
    if (key.str() != "guest")
      fail(node, fmt::format("unknown top-level key '{}' (only [[guest]] tables belong here)", key.str()));
    const toml::array* array = node.as_array();
    if (!array || !array->is_array_of_tables()) fail(node, "'guest' must be a list of [[guest]] tables");
    for (const toml::node& item : *array) {
      GuestEntry guest = read_guest(*item.as_table());
      for (const GuestEntry& earlier : guests)
        if (earlier.name == guest.name) fail(item, fmt::format("guest '{}' is listed twice", guest.name));
      guests.push_back(std::move(guest));
    }
  }
  return guests;
}

GuestEntry ManifestReader::read_guest(const toml::table& table) const {
  GuestEntry guest;
  bool has_name = false;
  for (const auto& [key, node] : table) {
    std::string_view k = key.str();
    if (k == "name") {
      guest.name = string_value(node, k);
      has_name = true;
    } else if (k == "summary") {
      guest.summary = string_value(node, k);
    } else if (k == "kernel") {
      std::string kernel = string_value(node, k);
      if (!kernel.empty()) guest.kernel = resolve(kernel);
    } else if (k == "initrd") {
      guest.initrds = path_list(node, k);
    } else if (k == "disks") {
      guest.disks = path_list(node, k);
    } else if (k == "append") {
      guest.append = string_value(node, k);
    } else {
      fail(node, fmt::format("unknown key '{}' in a [[guest]] table{} (keys: name, summary, kernel, initrd, "
                             "disks, append)",
                             k, did_you_mean(k, {"name", "summary", "kernel", "initrd", "disks", "append"})));
    }
  }
  if (!has_name || guest.name.empty()) fail(table, "a [[guest]] table has no name");
  if (guest.name.find_first_of(" \t") != std::string::npos)
    fail(table, fmt::format("guest name '{}' contains a space", guest.name));
  if (guest.name == "list")
    fail(table, "a guest may not be called 'list' (that is `vmlab run --guest list`)");
  if (guest.kernel.empty() && guest.disks.empty())
    fail(table, fmt::format("guest '{}' has neither a kernel nor disks", guest.name));
  return guest;
}

std::string ManifestReader::string_value(const toml::node& node, std::string_view key) const {
  const std::string* s = node.as_string() ? &node.as_string()->get() : nullptr;
  if (!s) fail(node, fmt::format("'{}' must be a string", key));
  return *s;
}

std::vector<std::string> ManifestReader::path_list(const toml::node& node, std::string_view key) const {
  const toml::array* array = node.as_array();
  if (!array) fail(node, fmt::format("'{}' must be a list of paths", key));
  std::vector<std::string> paths;
  for (const toml::node& item : *array) {
    std::string path = string_value(item, key);
    if (path.empty()) fail(item, fmt::format("'{}' lists an empty path", key));
    paths.push_back(resolve(path));
  }
  return paths;
}

// Relative paths are relative to the manifest's directory.
std::string ManifestReader::resolve(const std::string& path) const {
  fs::path p(path);
  if (p.is_relative()) p = m_base / p;
  std::error_code ec;
  fs::path absolute = fs::absolute(p, ec);
  return (ec ? p : absolute).lexically_normal().string();
}

}  // namespace

GuestCatalog GuestCatalog::parse(std::string_view toml_text, const fs::path& manifest_path) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, manifest_path.string());
  } catch (const toml::parse_error& e) {
    throw UserError(fmt::format("guest manifest {}:{}: TOML syntax error: {}; {}", manifest_path.string(),
                                e.source().begin.line, e.description(), kRegenerate));
  }
  GuestCatalog catalog;
  catalog.m_manifest = manifest_path;
  catalog.m_guests = ManifestReader(manifest_path).read(doc);
  return catalog;
}

GuestCatalog GuestCatalog::load(const fs::path& guests_dir, std::string_view why) {
  fs::path manifest = guests_dir / kManifestName;
  std::error_code ec;
  if (!fs::is_regular_file(manifest, ec))
    throw UserError(
        fmt::format("no guest manifest at {} (looked there because {}): build the project "
                    "(./vmlab demo, or cmake --build build), or set VMLAB_GUESTS_DIR to a build's "
                    "guests directory",
                    manifest.string(), why));
  std::ifstream in(manifest, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in)
    throw UserError(
        fmt::format("cannot read the guest manifest {}: check its permissions", manifest.string()));
  return parse(text.str(), manifest);
}

GuestCatalog GuestCatalog::load_default() {
  GuestsDirChoice choice = default_guests_dir();
  return load(choice.dir, choice.why);
}

const GuestEntry* GuestCatalog::find(std::string_view name) const {
  for (const GuestEntry& g : m_guests)
    if (g.name == name) return &g;
  return nullptr;
}

const GuestEntry& GuestCatalog::lookup(std::string_view name) const {
  const GuestEntry* guest = find(name);
  if (!guest) {
    std::vector<std::string> names;
    for (const GuestEntry& g : m_guests) names.push_back(g.name);
    throw UserError(fmt::format("no bundled guest '{}'{} in {}; 'vmlab run --guest list' lists them", name,
                                did_you_mean(name, names), m_manifest.string()));
  }
  if (std::optional<std::string> missing = missing_guest_file(*guest))
    throw UserError(
        fmt::format("guest '{}' is not built: {} is missing; run the build", guest->name, *missing));
  return *guest;
}

std::optional<std::string> missing_guest_file(const GuestEntry& guest) {
  std::vector<std::string> files = guest.initrds;
  if (!guest.kernel.empty()) files.insert(files.begin(), guest.kernel);
  files.insert(files.end(), guest.disks.begin(), guest.disks.end());
  for (const std::string& file : files) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return file;
  }
  return std::nullopt;
}

GuestsDirChoice choose_guests_dir(const char* env_value, const fs::path& executable) {
  if (env_value && *env_value) return {fs::path(env_value), "VMLAB_GUESTS_DIR is set"};
  return {executable.parent_path() / "guests", "it is the guests directory beside " + executable.string()};
}

GuestsDirChoice default_guests_dir() {
  const char* env = std::getenv("VMLAB_GUESTS_DIR");
  if (env && *env) return choose_guests_dir(env, {});
  std::error_code ec;
  fs::path executable = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    throw UserError("cannot tell where the vmlab binary is (/proc/self/exe: " + ec.message() +
                    "): set VMLAB_GUESTS_DIR to a build's guests directory");
  return choose_guests_dir(nullptr, executable);
}

}  // namespace vmlab
