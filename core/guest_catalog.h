// The bundled-guest catalog: which guests this build made, found by short name.
//
// The build writes guests.toml into its guests directory (guests/CMakeLists.txt,
// vmlab_bundled_guest), one table per guest:
//
//   [[guest]]
//   name = "demo"                      short name: `vmlab run --guest demo`
//   summary = "one line"               shown by `vmlab run --guest list`
//   kernel = "demo/demo.elf"           paths relative to the manifest's directory
//   initrd = []                        Multiboot modules, in order
//   disks = []                         IDE master, then slave
//   append = ""                        default kernel command line
//
// The manifest is looked for in $VMLAB_GUESTS_DIR if that is set, else in the `guests`
// directory beside the running executable (build/vmlab finds build/guests). Every path
// in a GuestEntry is absolute.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlab {

struct GuestEntry {
  std::string name;
  std::string summary;
  std::string kernel;                // absolute; empty for a guest that boots from disks
  std::vector<std::string> initrds;  // absolute
  std::vector<std::string> disks;    // absolute
  std::string append;
};

class GuestCatalog {
 public:
  static constexpr const char* kManifestName = "guests.toml";

  // Parse manifest text read from `manifest_path`; relative paths are resolved against
  // its directory. Throws UserError, naming the file, the line and how to regenerate
  // it, for TOML syntax errors, unknown keys, wrong types, missing names or kernels,
  // and duplicate names.
  static GuestCatalog parse(std::string_view toml_text, const std::filesystem::path& manifest_path);

  // Read `guests_dir`/guests.toml. `why` says why that directory was chosen (for the
  // error when the manifest is missing). Throws UserError if the file is missing or
  // unreadable, and as parse() does.
  static GuestCatalog load(const std::filesystem::path& guests_dir, std::string_view why);

  // load() from default_guests_dir().
  static GuestCatalog load_default();

  const std::vector<GuestEntry>& guests() const { return m_guests; }
  const std::filesystem::path& manifest_path() const { return m_manifest; }

  // The entry called `name`, or nullptr. No file checks.
  const GuestEntry* find(std::string_view name) const;

  // The entry called `name`, with every file it lists present. Throws UserError for an
  // unknown name (suggesting the closest known one and `vmlab run --guest list`) and
  // for a listed file that does not exist (the guest is not built).
  const GuestEntry& lookup(std::string_view name) const;

 private:
  std::filesystem::path m_manifest;
  std::vector<GuestEntry> m_guests;
};

// The first file `guest` lists that does not exist, or nullopt when all do.
std::optional<std::string> missing_guest_file(const GuestEntry& guest);

// Where the manifest is looked for, and why there (for messages).
struct GuestsDirChoice {
  std::filesystem::path dir;
  std::string why;  // e.g. "VMLAB_GUESTS_DIR is set" or "beside the vmlab binary"
};

// $VMLAB_GUESTS_DIR when `env_value` is non-empty, else `executable`'s directory/guests.
GuestsDirChoice choose_guests_dir(const char* env_value, const std::filesystem::path& executable);

// choose_guests_dir() for this process: getenv("VMLAB_GUESTS_DIR") and /proc/self/exe.
GuestsDirChoice default_guests_dir();

}  // namespace vmlab
