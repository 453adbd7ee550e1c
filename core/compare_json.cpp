#include "core/compare_json.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/closest_name.h"
#include "core/error.h"

namespace vmlab {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kFormatVersion = 1;

Json counts_json(const std::map<std::string, u64, std::less<>>& counts) {
  Json object = Json::object();
  for (const auto& [name, count] : counts) object[name] = count;
  return object;
}

Json results_json(const CompareRun& run) {
  Json list = Json::array();
  for (const CompareRun::Result& r : run.results)
    list.push_back({{"name", r.name}, {"iterations", r.iterations}, {"tenths_per_iteration", r.tenths_per_iteration}});
  return list;
}

Json run_json(const Comparison& c, const CompareRun& run) {
  Json priced = Json::object();
  for (std::size_t k = 0; k < kCostKeyCount; ++k)
    if (run.priced[k]) priced[std::string(kCostParams[k].key)] = run.priced[k];
  std::optional<double> percent = percent_of_native(c, run);
  return {{"mode", run.mode},
          {"status", run.status},
          {"ok", run.ok()},
          {"message", run.message},
          {"instructions", run.instructions},
          {"cycles", run.cycles},
          {"halted_cycles", run.halted_cycles},
          {"base_cpi", run.base_cpi},
          {"percent_of_native", percent ? Json(std::round(*percent * 10) / 10) : Json(nullptr)},
          {"exits", run.exits},
          {"priced", priced},
          {"exits_by_category", counts_json(run.exits_by_category)},
          {"exits_by_reason", counts_json(run.exits_by_reason)},
          {"results", results_json(run)}};
}

// ----- reading -----

// Reads one document, prefixing every complaint with the file name. `where` in each
// call names the field as a path ("runs[1].priced"), so the message points at it.
class SavedReader {
 public:
  explicit SavedReader(const std::string& file_name) : m_file(file_name) {}

  [[noreturn]] void fail(const std::string& what) const { throw UserError(m_file + ": " + what); }

  const Json& field(const Json& object, const std::string& key, const std::string& where) const {
    auto it = object.find(key);
    if (it == object.end())
      fail(fmt::format("missing field '{}'{}", key, where.empty() ? "" : " in " + where));
    return *it;
  }
  u64 number(const Json& object, const std::string& key, const std::string& where) const {
    const Json& value = field(object, key, where);
    if (!value.is_number_unsigned()) fail(fmt::format("{} must be a whole number >= 0", path(where, key)));
    return value.get<u64>();
  }
  std::string text(const Json& object, const std::string& key, const std::string& where) const {
    const Json& value = field(object, key, where);
    if (!value.is_string()) fail(fmt::format("{} must be a string", path(where, key)));
    return value.get<std::string>();
  }
  const Json& object(const Json& parent, const std::string& key, const std::string& where) const {
    const Json& value = field(parent, key, where);
    if (!value.is_object()) fail(fmt::format("{} must be an object", path(where, key)));
    return value;
  }

  // name -> count, every count a whole number.
  std::map<std::string, u64, std::less<>> counts(const Json& parent, const std::string& key,
                                                 const std::string& where) const {
    std::map<std::string, u64, std::less<>> out;
    for (const auto& [name, value] : object(parent, key, where).items()) {
      if (!value.is_number_unsigned())
        fail(fmt::format("{}.{} must be a whole number >= 0", path(where, key), name));
      out[name] = value.get<u64>();
    }
    return out;
  }

  // A cost key -> value object into an array indexed by CostKey.
  std::array<u64, kCostKeyCount> by_cost_key(const Json& parent, const std::string& key,
                                             const std::string& where, bool every_key) const {
    std::array<u64, kCostKeyCount> out{};
    std::vector<bool> seen(kCostKeyCount, false);
    for (const auto& [name, count] : counts(parent, key, where)) {
      std::size_t k = cost_key_index(name, path(where, key));
      out[k] = count;
      seen[k] = true;
    }
    for (std::size_t k = 0; every_key && k < kCostKeyCount; ++k)
      if (!seen[k])
        fail(fmt::format("{} has no '{}' (it must list every cost key)", path(where, key),
                         kCostParams[k].key));
    return out;
  }

 private:
  static std::string path(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }

  std::size_t cost_key_index(const std::string& name, const std::string& where) const {
    std::vector<std::string> keys;
    for (std::size_t k = 0; k < kCostKeyCount; ++k) {
      if (kCostParams[k].key == name) return k;
      keys.emplace_back(kCostParams[k].key);
    }
    fail(fmt::format("{}: unknown cost key '{}'{}", where, name, did_you_mean(name, keys)));
  }

  std::string m_file;
};

Json parse_json(std::string_view text, const SavedReader& reader) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    std::size_t detail = what.find("] ");  // drop nlohmann's "[json.exception.parse_error.101] "
    reader.fail("not JSON: " + (detail == std::string::npos ? what : what.substr(detail + 2)) +
                " (write a saved run with 'vmlab compare --format json')");
  }
}

CompareRun read_run(const Json& j, std::size_t index, const SavedReader& reader) {
  std::string where = fmt::format("runs[{}]", index);
  if (!j.is_object()) reader.fail(where + " must be an object");
  CompareRun run;
  run.mode = reader.text(j, "mode", where);
  const Json& status = reader.field(j, "status", where);
  if (!status.is_number_integer()) reader.fail(where + ".status must be a whole number");
  run.status = status.get<int>();
  run.message = reader.text(j, "message", where);
  run.instructions = reader.number(j, "instructions", where);
  run.cycles = reader.number(j, "cycles", where);
  run.halted_cycles = reader.number(j, "halted_cycles", where);
  run.base_cpi = reader.number(j, "base_cpi", where);
  run.exits = reader.number(j, "exits", where);
  run.priced = reader.by_cost_key(j, "priced", where, false);
  run.exits_by_category = reader.counts(j, "exits_by_category", where);
  run.exits_by_reason = reader.counts(j, "exits_by_reason", where);
  const Json& results = reader.field(j, "results", where);
  if (!results.is_array()) reader.fail(where + ".results must be an array");
  for (std::size_t i = 0; i < results.size(); ++i) {
    std::string at = fmt::format("{}.results[{}]", where, i);
    if (!results[i].is_object()) reader.fail(at + " must be an object");
    run.results.push_back(CompareRun::Result{reader.text(results[i], "name", at),
                                             reader.number(results[i], "iterations", at),
                                             reader.number(results[i], "tenths_per_iteration", at)});
  }
  return run;
}

// Every run's cycles must be what its counts cost at the recorded prices; otherwise
// re-pricing would silently change numbers the user never asked to change.
void check_consistent(const Comparison& c, const SavedReader& reader) {
  std::array<u64, kCostKeyCount> prices = price_list(c.profile);
  for (const CompareRun& run : c.runs) {
    if (run.base_cpi != c.profile.base_cpi)
      reader.fail(fmt::format("run '{}' has base_cpi {} but prices.base_cpi is {}", run.mode, run.base_cpi,
                              c.profile.base_cpi));
    u64 expected = priced_cycles(run, prices);
    if (run.cycles != expected)
      reader.fail(fmt::format(
          "run '{}' records {} cycles, but its counts at the recorded prices come to {}: the file was edited "
          "or written by another vmlab version; record it again",
          run.mode, run.cycles, expected));
  }
}

}  // namespace

std::string comparison_to_json(const Comparison& comparison) {
  Json prices = Json::object();
  for (const CostParam& p : kCostParams) prices[std::string(p.key)] = comparison.profile.*p.member;
  Json runs = Json::array();
  for (const CompareRun& run : comparison.runs) runs.push_back(run_json(comparison, run));
  Json doc = {{"vmlab_compare", kFormatVersion},
              {"guest", comparison.guest},
              {"append", comparison.append},
              {"profile", comparison.profile.name},
              {"prices", prices}};
  if (!comparison.repriced_from.empty()) doc["repriced_from"] = comparison.repriced_from;
  doc["runs"] = runs;
  return doc.dump(2) + "\n";
}

Comparison parse_saved_comparison(std::string_view json_text, const std::string& file_name) {
  SavedReader reader(file_name);
  Json doc = parse_json(json_text, reader);
  if (!doc.is_object() || !doc.contains("vmlab_compare"))
    reader.fail(
        "not a saved comparison (no 'vmlab_compare' field): write one with 'vmlab compare --format json'");
  if (doc.at("vmlab_compare") != kFormatVersion)
    reader.fail(fmt::format("saved comparison format {} is not the one this vmlab reads ({})",
                            doc.at("vmlab_compare").dump(), kFormatVersion));
  Comparison c;
  c.guest = reader.text(doc, "guest", "");
  c.append = reader.text(doc, "append", "");
  c.profile.name = reader.text(doc, "profile", "");
  std::array<u64, kCostKeyCount> prices = reader.by_cost_key(doc, "prices", "", true);
  for (std::size_t k = 0; k < kCostKeyCount; ++k) c.profile.*kCostParams[k].member = prices[k];
  if (doc.contains("repriced_from")) c.repriced_from = reader.text(doc, "repriced_from", "");
  const Json& runs = reader.field(doc, "runs", "");
  if (!runs.is_array() || runs.empty()) reader.fail("runs must be an array with one entry per mode");
  for (std::size_t i = 0; i < runs.size(); ++i) c.runs.push_back(read_run(runs[i], i, reader));
  check_consistent(c, reader);
  return c;
}

Comparison load_saved_comparison(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw UserError(fmt::format("cannot read saved comparison '{}': {}", path,
                                std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(fmt::format("cannot read saved comparison '{}': {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_saved_comparison(text.str(), path);
}

}  // namespace vmlab
