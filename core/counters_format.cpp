#include "core/counters_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.h"
#include "core/events.h"

namespace vmlab {

namespace {

// One output line before formatting: shared by the three formats so that they can
// never disagree about which counters exist or in which order they come.
struct Row {
  std::string name;   // text-format name, e.g. "exceptions[#PF 14]"
  std::string key;    // JSON / CSV key, e.g. "exceptions_by_vector.14"
  u64 value;
  std::string description;
};

std::string vector_label(std::string_view prefix, u32 vector, bool is_exception) {
  const char* mnemonic = is_exception ? exception_mnemonic(vector) : nullptr;
  if (mnemonic) return fmt::format("{}[{} {}]", prefix, mnemonic, vector);
  return fmt::format("{}[{}]", prefix, vector);
}

// Non-zero entries of one per-vector array, ascending by vector.
void append_vector_rows(std::vector<Row>& rows, const std::array<u64, 256>& counts,
                        std::string_view text_prefix, std::string_view key_prefix,
                        bool is_exception) {
  for (u32 vector = 0; vector < counts.size(); ++vector) {
    if (counts[vector] == 0) continue;
    rows.push_back(Row{vector_label(text_prefix, vector, is_exception),
                       fmt::format("{}.{}", key_prefix, vector), counts[vector], ""});
  }
}

// Every scalar counter, then the per-vector counts. last_post_code is not a count and
// is printed separately by each format.
std::vector<Row> collect_rows(const Counters& counters) {
  std::vector<Row> rows;
  counters.for_each([&](std::string_view name, std::string_view description, u64 value) {
    rows.push_back(Row{std::string(name), std::string(name), value, std::string(description)});
  });
  append_vector_rows(rows, counters.exceptions_by_vector, "exceptions", "exceptions_by_vector",
                     true);
  append_vector_rows(rows, counters.interrupts_by_vector, "interrupts", "interrupts_by_vector",
                     false);
  for (const auto& [name, value] : counters.devices)
    rows.push_back(Row{name, "devices." + name, value, ""});
  for (const auto& [name, value] : counters.exits_by_reason)
    rows.push_back(Row{"exits[" + name + "]", "exits_by_reason." + name, value, ""});
  for (const auto& [name, value] : counters.exits_by_category)
    rows.push_back(Row{"exits[" + name + "]", "exits_by_category." + name, value, ""});
  for (size_t k = 0; k < kCostKeyCount; ++k) {
    if (counters.priced[k] == 0) continue;
    std::string key(kCostParams[k].key);
    rows.push_back(Row{"priced[" + key + "]", "priced." + key, counters.priced[k],
                       "events charged at this cost-model price"});
  }
  return rows;
}

std::string format_text(const Counters& counters) {
  std::vector<Row> rows = collect_rows(counters);
  std::string post_code = fmt::format("{:#04x}", counters.last_post_code);
  size_t name_width = std::string_view("last_post_code").size();
  size_t value_width = post_code.size();
  for (const Row& row : rows) {
    name_width = std::max(name_width, row.name.size());
    value_width = std::max(value_width, fmt::formatted_size("{}", row.value));
  }
  std::string out;
  auto line = [&](std::string_view name, std::string_view value, std::string_view description) {
    std::string text = fmt::format("{:<{}}  {:>{}}  {}", name, name_width, value, value_width,
                                   description);
    text.erase(text.find_last_not_of(' ') + 1);  // vector rows have no description
    out += text;
    out += '\n';
  };
  for (const Row& row : rows) line(row.name, fmt::format("{}", row.value), row.description);
  line("last_post_code", post_code, "last value written to the POST port 0x80");
  return out;
}

// ordered_json keeps insertion order, i.e. declaration order, instead of sorting keys.
std::string format_json(const Counters& counters) {
  nlohmann::ordered_json scalars = nlohmann::ordered_json::object();
  counters.for_each([&](std::string_view name, std::string_view, u64 value) {
    scalars[std::string(name)] = value;
  });
  auto by_vector = [](const std::array<u64, 256>& counts) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (u32 vector = 0; vector < counts.size(); ++vector) {
      if (counts[vector] != 0) object[std::to_string(vector)] = counts[vector];
    }
    return object;
  };
  nlohmann::ordered_json root;
  root["counters"] = std::move(scalars);
  root["exceptions_by_vector"] = by_vector(counters.exceptions_by_vector);
  root["interrupts_by_vector"] = by_vector(counters.interrupts_by_vector);
  nlohmann::ordered_json devices = nlohmann::ordered_json::object();
  for (const auto& [name, value] : counters.devices) devices[name] = value;
  root["devices"] = std::move(devices);
  auto by_name = [](const std::map<std::string, u64, std::less<>>& counts) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (const auto& [name, value] : counts) object[name] = value;
    return object;
  };
  root["exits_by_reason"] = by_name(counters.exits_by_reason);
  root["exits_by_category"] = by_name(counters.exits_by_category);
  nlohmann::ordered_json priced = nlohmann::ordered_json::object();
  for (size_t k = 0; k < kCostKeyCount; ++k)
    if (counters.priced[k]) priced[std::string(kCostParams[k].key)] = counters.priced[k];
  root["priced"] = std::move(priced);
  root["last_post_code"] = counters.last_post_code;
  return root.dump(2) + "\n";
}

// Keys are identifiers, digits, dots and dashes, so no field ever needs CSV quoting.
std::string format_csv(const Counters& counters) {
  std::string out = "name,value\n";
  for (const Row& row : collect_rows(counters)) out += fmt::format("{},{}\n", row.key, row.value);
  out += fmt::format("last_post_code,{}\n", counters.last_post_code);
  return out;
}

}  // namespace

CounterFormat parse_counter_format(std::string_view name) {
  if (name == "text") return CounterFormat::Text;
  if (name == "json") return CounterFormat::Json;
  if (name == "csv") return CounterFormat::Csv;
  throw UserError(fmt::format("unknown counter format '{}': use text, json or csv", name));
}

std::string format_counters(const Counters& counters, CounterFormat format) {
  switch (format) {
    case CounterFormat::Text: return format_text(counters);
    case CounterFormat::Json: return format_json(counters);
    case CounterFormat::Csv: return format_csv(counters);
  }
  throw std::logic_error("bad CounterFormat");
}

}  // namespace vmlab
