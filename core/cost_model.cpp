#include "core/cost_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/closest_name.h"
#include "core/error.h"

namespace vmlab {
namespace {

// Built-ins are parsed under their repo path so a mistake in one points at the file.
std::string builtin_source(std::string_view name) {
  return fmt::format("core/profiles/{}.toml", name);
}


std::string join(const std::vector<std::string>& items) {
  return fmt::format("{}", fmt::join(items, ", "));
}

// Throw the one-line "file:line: message" error.
template <typename... Args>
[[noreturn]] void fail(std::string_view source, toml::source_index line,
                       fmt::format_string<Args...> format, Args&&... args) {
  throw UserError(
      fmt::format("{}:{}: {}", source, line, fmt::format(format, std::forward<Args>(args)...)));
}

// "profiles/my.toml" -> "my": a profile is named after its file.
std::string profile_stem(std::string_view source_name) {
  return std::filesystem::path(source_name).stem().string();
}

const CostParam* find_param(std::string_view key) {
  for (const CostParam& p : kCostParams)
    if (p.key == key) return &p;
  return nullptr;
}

std::size_t param_index(const CostParam& p) { return static_cast<std::size_t>(&p - kCostParams); }

// "vmx.exit_entry" -> "vmx"; a top-level key has no table.
std::string_view table_of(std::string_view key) {
  std::size_t dot = key.find('.');
  return dot == std::string_view::npos ? std::string_view{} : key.substr(0, dot);
}

// Table names in the order VMLAB_COST_PARAMS first uses them.
std::vector<std::string> table_names() {
  std::vector<std::string> names;
  for (const CostParam& p : kCostParams) {
    std::string table(table_of(p.key));
    if (!table.empty() && std::find(names.begin(), names.end(), table) == names.end())
      names.push_back(table);
  }
  return names;
}

// Full keys of one table ("" = the top level).
std::vector<std::string> keys_in(std::string_view table) {
  std::vector<std::string> keys;
  for (const CostParam& p : kCostParams)
    if (table_of(p.key) == table) keys.emplace_back(p.key);
  return keys;
}

const char* type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::integer:
      return "an integer";
    default:
      return "a date or time";
  }
}

const char* unit_noun(CostUnit unit) {
  switch (unit) {
    case CostUnit::Cycles:
      return "cycles";
    case CostUnit::Count:
      return "a count";
    case CostUnit::CacheLevel:
      return "1 = L1, 2 = L2, 3 = LLC, 4 = DRAM";
  }
  return "";
}

// Store one value after checking it is an integer within the parameter's range.
void set_param(CostModel& model, const CostParam& param, const toml::node& node,
               std::string_view source) {
  toml::source_index line = node.source().begin.line;
  const auto* integer = node.as_integer();
  if (!integer)
    fail(source, line, "'{}' must be a whole number ({}), not {}", param.key, unit_noun(param.unit),
         type_name(node));
  i64 value = integer->get();
  u64 lo = cost_min(param.unit), hi = cost_max(param.unit);
  if (value < 0 || static_cast<u64>(value) < lo || static_cast<u64>(value) > hi)
    fail(source, line, "'{}' is {}; it must be between {} and {} ({})", param.key, value, lo, hi,
         unit_noun(param.unit));
  model.*param.member = static_cast<u64>(value);
}

// A key in a known table that names no parameter.
[[noreturn]] void unknown_key_in_table(std::string_view table, std::string_view key,
                                       toml::source_index line, std::string_view source) {
  std::string full = fmt::format("{}.{}", table, key);
  std::vector<std::string> candidates = keys_in(table);
  std::string hint = did_you_mean(full, candidates);
  for (std::string& c : candidates) c.erase(0, table.size() + 1);
  if (hint.empty()) hint = fmt::format(" (keys of [{}]: {})", table, join(candidates));
  fail(source, line, "unknown key '{}'{}", full, hint);
}

// A top-level name that is neither a top-level key nor a table of parameters. A bare
// parameter name such as `exit_entry` is answered with the table it belongs in.
[[noreturn]] void unknown_top_level(std::string_view name, const toml::node& node,
                                    toml::source_index line, std::string_view source) {
  bool is_table = node.is_table();
  std::vector<std::string> candidates = is_table ? table_names() : keys_in("");
  if (!is_table) candidates.push_back("base");
  std::string hint = did_you_mean(name, candidates);
  for (const CostParam& p : kCostParams) {
    std::string_view table = table_of(p.key);
    if (hint.empty() && !table.empty() && p.key.substr(table.size() + 1) == name)
      hint = fmt::format(" (did you mean '{}'?)", p.key);
  }
  std::string top_level =
      is_table ? "" : fmt::format("top-level keys: base, {}; ", join(keys_in("")));
  if (hint.empty()) hint = fmt::format(" ({}tables: {})", top_level, join(table_names()));
  fail(source, line, "unknown {} '{}'{}", is_table ? "table" : "key", name, hint);
}

// Which parameters the file set, indexed like kCostParams.
using Seen = std::vector<bool>;

// Store every key of one [table], each of which must name a parameter.
void apply_table(const toml::table& table, std::string_view table_name, CostModel& model,
                 Seen& seen, std::string_view source) {
  for (auto&& [key, node] : table) {
    const CostParam* param = find_param(fmt::format("{}.{}", table_name, key.str()));
    if (!param) unknown_key_in_table(table_name, key.str(), key.source().begin.line, source);
    set_param(model, *param, node, source);
    seen[param_index(*param)] = true;
  }
}

// Walk the document: top-level parameters, then each [table] of parameters.
void apply_document(const toml::table& doc, CostModel& model, Seen& seen, std::string_view source) {
  std::vector<std::string> tables = table_names();
  for (auto&& [key, node] : doc) {
    std::string_view name = key.str();
    toml::source_index line = key.source().begin.line;
    if (name == "base") continue;
    if (const CostParam* param = find_param(name)) {
      set_param(model, *param, node, source);
      seen[param_index(*param)] = true;
    } else if (std::find(tables.begin(), tables.end(), name) == tables.end()) {
      unknown_top_level(name, node, line, source);
    } else if (const toml::table* table = node.as_table()) {
      apply_table(*table, name, model, seen, source);
    } else {
      fail(source, line, "'{}' must be a table: write [{}] with its keys on the lines below", name,
           name);
    }
  }
}

// A profile without a base must set every key. Points at the key's table when the file
// has one, because that is where the missing line goes.
void require_complete(const toml::table& doc, const Seen& seen, std::string_view source) {
  std::vector<std::string> missing;
  for (const CostParam& p : kCostParams)
    if (!seen[param_index(p)]) missing.emplace_back(p.key);
  if (missing.empty()) return;
  std::string more = missing.size() > 1 ? fmt::format(" and {} more", missing.size() - 1) : "";
  std::string what =
      fmt::format("missing key '{}'{}: a profile without base = \"<built-in>\" must set every key",
                  missing[0], more);
  const toml::node* table = doc.get(table_of(missing[0]));
  if (table) fail(source, table->source().begin.line, "{}", what);
  throw UserError(fmt::format("{}: {}", source, what));
}

CostModel parse_profile(std::string_view text, std::string_view source, bool allow_base);

// The model a profile starts from: its base built-in, or nullopt when it has none.
std::optional<CostModel> resolve_base(const toml::table& doc, std::string_view source,
                                      bool allow_base) {
  const toml::node* node = doc.get("base");
  if (!node) return std::nullopt;
  toml::source_index line = node->source().begin.line;
  if (!allow_base)
    fail(source, line, "a built-in profile must set every key itself; remove 'base'");
  const auto* name = node->as_string();
  if (!name)
    fail(source, line, "'base' must be a string naming a built-in profile, not {}",
         type_name(*node));
  std::optional<std::string_view> text = builtin_cost_profile_text(name->get());
  if (!text)
    fail(source, line, "unknown base profile '{}'{}; built-in profiles: {}", name->get(),
         did_you_mean(name->get(), builtin_cost_profiles()), join(builtin_cost_profiles()));
  return parse_profile(*text, builtin_source(name->get()), false);
}

// parse_cost_model(), except that a built-in (allow_base false) may not lean on another.
CostModel parse_profile(std::string_view text, std::string_view source, bool allow_base) {
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    fail(source, e.source().begin.line, "TOML syntax error: {}", e.description());
  }
  std::optional<CostModel> base = resolve_base(doc, source, allow_base);
  CostModel model = base.value_or(CostModel{});
  Seen seen(std::size(kCostParams), false);
  apply_document(doc, model, seen, source);
  if (!base) require_complete(doc, seen, source);
  model.name = profile_stem(source);
  return model;
}

// The whole file as text, or nullopt if it is not a readable regular file.
std::optional<std::string> read_text_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

u64 cost_min(CostUnit unit) { return unit == CostUnit::Cycles ? 0 : 1; }

u64 cost_max(CostUnit unit) { return unit == CostUnit::CacheLevel ? 4 : kMaxCost; }

std::array<u64, kCostKeyCount> price_list(const CostModel& model) {
  std::array<u64, kCostKeyCount> prices{};
  for (size_t k = 0; k < kCostKeyCount; ++k) prices[k] = model.*kCostParams[k].member;
  return prices;
}

CostKey walk_ref_key(const CostModel& model) {
  switch (model.tlb_walk_ref_level) {
    case 1: return CostKey::tlb_ref_l1;
    case 2: return CostKey::tlb_ref_l2;
    case 3: return CostKey::tlb_ref_llc;
    default: return CostKey::tlb_ref_dram;
  }
}

u64 walk_ref_cycles(const CostModel& model) {
  switch (model.tlb_walk_ref_level) {
    case 1:
      return model.tlb_ref_l1;
    case 2:
      return model.tlb_ref_l2;
    case 3:
      return model.tlb_ref_llc;
    default:
      return model.tlb_ref_dram;
  }
}

CostModel parse_cost_model(std::string_view toml_text, std::string_view source_name) {
  return parse_profile(toml_text, source_name, true);
}

CostModel load_cost_profile(const std::string& name_or_path) {
  if (std::optional<std::string_view> text = builtin_cost_profile_text(name_or_path))
    return parse_profile(*text, builtin_source(name_or_path), false);
  if (std::optional<std::string> text = read_text_file(name_or_path))
    return parse_cost_model(*text, name_or_path);
  std::error_code ec;
  std::string why = std::filesystem::exists(name_or_path, ec)
                        ? "is not a readable file"
                        : "is not a built-in profile or a file";
  throw UserError(fmt::format(
      "cost profile '{}' {}{}; use a built-in ({}) or the path of a .toml profile", name_or_path,
      why, did_you_mean(name_or_path, builtin_cost_profiles()), join(builtin_cost_profiles())));
}

std::vector<std::string> builtin_cost_profiles() {
  std::vector<std::string> names;
  for (const BuiltinCostProfile& p : builtin_cost_profile_table()) names.emplace_back(p.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string_view> builtin_cost_profile_text(std::string_view name) {
  for (const BuiltinCostProfile& p : builtin_cost_profile_table())
    if (p.name == name) return p.toml;
  return std::nullopt;
}

}  // namespace vmlab
