#include "core/compare_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/bench_report.h"
#include "core/bench_results.h"
#include "core/compare_json.h"
#include "core/error.h"
#include "core/text_table.h"

namespace vmlab {
namespace {

// The lines of `text`, without their line ends.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
  }
  return lines;
}

// Why a guest that exited through the exit port with a value other than 0x10 failed:
// its last FAIL line says it best, else whatever it printed last.
std::string exit_port_failure(const GuestRunResult& result) {
  std::vector<std::string_view> lines = lines_of(result.com1);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)
    if (it->starts_with("FAIL")) return std::string(*it);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)
    if (!it->empty())
      return fmt::format("exit value {:#x}, last output line: {}", result.run.exit_value, *it);
  return fmt::format("exit value {:#x}, no output on COM1", result.run.exit_value);
}

std::string run_failure(const GuestRunResult& result) {
  if (!result.error.empty()) return "could not start: " + result.error;
  if (result.status == kGuestSuccessStatus) {
    // Exited with success but printed a failed check: a failure all the same.
    for (std::string_view line : lines_of(result.com1))
      if (line.starts_with("FAIL")) return std::string(line);
    return "";
  }
  if (result.run.kind == RunResult::Kind::ExitPort) return exit_port_failure(result);
  return result.run.message;
}

// ----- text -----

std::vector<const CompareRun*> passed_runs(const Comparison& c) {
  std::vector<const CompareRun*> passed;
  for (const CompareRun& run : c.runs)
    if (run.ok()) passed.push_back(&run);
  return passed;
}

std::string header(const Comparison& c) {
  std::vector<std::string> modes;
  for (const CompareRun& run : c.runs) modes.push_back(run.mode);
  std::string profile = "cost profile " + c.profile.name;
  if (!c.repriced_from.empty()) profile += ", re-priced from a run recorded under " + c.repriced_from;
  std::string out = fmt::format("{} under {} ({})\n", c.guest, fmt::join(modes, ", "), profile);
  if (!c.append.empty()) out += fmt::format("command line: {}\n", c.append);
  return out;
}

// A number cell of the summary table: "-" for a run that failed.
std::string number_cell(const CompareRun& run, u64 value) { return run.ok() ? with_thousands(value) : "-"; }

std::string summary_section(const Comparison& c) {
  std::vector<std::vector<std::string>> cells{{""}, {"status"}, {"instructions"}, {"cycles (simulated)"}};
  bool percent_row = native_run(c) != nullptr;
  if (percent_row) cells.push_back({"% of native"});
  cells.push_back({"exits total"});
  for (const CompareRun& run : c.runs) {
    std::size_t row = 0;
    cells[row++].push_back(run.mode);
    cells[row++].push_back(run.ok() ? "ok" : fmt::format("FAILED (status {})", run.status));
    cells[row++].push_back(number_cell(run, run.instructions));
    cells[row++].push_back(number_cell(run, run.cycles));
    if (percent_row) {
      std::optional<double> percent = percent_of_native(c, run);
      cells[row++].push_back(percent ? fmt::format("{:.1f}", *percent) : "-");
    }
    cells[row++].push_back(number_cell(run, run.exits));
  }
  std::string out = align_columns(cells);
  for (const CompareRun& run : c.runs)
    if (!run.ok()) out += fmt::format("  {}: {}\n", run.mode, describe_failure(run));
  return out;
}

// One mode's column of the breakdown: "count x price = cycles" with each part aligned
// down the column, so that the cycles line up under each other and can be added.
class TermColumn {
 public:
  void add_term(u64 count, u64 price) {
    m_rows.push_back({with_thousands(count), with_thousands(price), with_thousands(count * price)});
  }
  void add_sum(u64 cycles) { m_rows.push_back({"", "", with_thousands(cycles)}); }
  void add_none() { m_rows.push_back({}); }

  std::vector<std::string> cells() const {
    std::size_t count_w = 0, price_w = 0, cycles_w = 0;
    for (const Term& t : m_rows) {
      count_w = std::max(count_w, t.count.size());
      price_w = std::max(price_w, t.price.size());
      cycles_w = std::max(cycles_w, t.cycles.size());
    }
    std::vector<std::string> out;
    for (const Term& t : m_rows) {
      if (t.cycles.empty())
        out.push_back("-");
      else if (t.count.empty())
        out.push_back(fmt::format("{:>{}}   {:>{}} = {:>{}}", "", count_w, "", price_w, t.cycles, cycles_w));
      else
        out.push_back(
            fmt::format("{:>{}} x {:>{}} = {:>{}}", t.count, count_w, t.price, price_w, t.cycles, cycles_w));
    }
    return out;
  }

 private:
  struct Term {
    std::string count, price, cycles;
  };
  std::vector<Term> m_rows;
};

std::string breakdown_section(const Comparison& c, const std::vector<const CompareRun*>& passed) {
  std::array<u64, kCostKeyCount> prices = price_list(c.profile);
  std::vector<std::size_t> keys;
  for (std::size_t k = 0; k < kCostKeyCount; ++k)
    if (std::any_of(passed.begin(), passed.end(), [k](const CompareRun* r) { return r->priced[k] != 0; }))
      keys.push_back(k);

  std::vector<std::vector<std::string>> cells{{""}, {"instructions x base_cpi"}};
  for (std::size_t k : keys) cells.push_back({std::string(kCostParams[k].key)});
  cells.push_back({"halted"});
  cells.push_back({"total (= cycles)"});
  for (const CompareRun* run : passed) {
    TermColumn column;
    column.add_term(run->instructions, run->base_cpi);
    for (std::size_t k : keys)
      run->priced[k] ? column.add_term(run->priced[k], prices[k]) : column.add_none();
    run->halted_cycles ? column.add_sum(run->halted_cycles) : column.add_none();
    column.add_sum(run->cycles);
    std::vector<std::string> column_cells = column.cells();
    cells[0].push_back(run->mode);
    for (std::size_t row = 0; row < column_cells.size(); ++row) cells[row + 1].push_back(column_cells[row]);
  }
  return "overhead by event kind (count x price = cycles)\n" + align_columns(cells);
}

std::string exits_section(const std::vector<const CompareRun*>& passed) {
  std::vector<std::string> categories;
  for (const CompareRun* run : passed)
    for (const auto& [name, count] : run->exits_by_category)
      if (count && std::find(categories.begin(), categories.end(), name) == categories.end())
        categories.push_back(name);
  if (categories.empty()) return "exits by category: none in any mode\n";
  std::sort(categories.begin(), categories.end());
  std::vector<std::vector<std::string>> cells{{""}};
  for (const std::string& name : categories) cells.push_back({name});
  for (const CompareRun* run : passed) {
    cells[0].push_back(run->mode);
    for (std::size_t i = 0; i < categories.size(); ++i) {
      auto it = run->exits_by_category.find(categories[i]);
      cells[i + 1].push_back(it == run->exits_by_category.end() || !it->second ? "-"
                                                                               : with_thousands(it->second));
    }
  }
  return "exits by category\n" + align_columns(cells);
}

// The guest's own RESULT rows, cycles per iteration in each mode, with Adams & Agesen's
// three Pentium 4 columns beside the nanobench rows.
std::string results_section(const Comparison& c, const std::vector<const CompareRun*>& passed) {
  std::vector<std::string> names;
  for (const CompareRun* run : passed)
    for (const CompareRun::Result& r : run->results)
      if (std::find(names.begin(), names.end(), r.name) == names.end()) names.push_back(r.name);
  if (names.empty()) return "";
  bool published = c.guest.rfind(kNanobenchGuest, 0) == 0 &&
                   std::any_of(names.begin(), names.end(), [](const std::string& n) { return published_p4(n); });
  std::vector<std::vector<std::string>> cells{{""}};
  for (const std::string& name : names) cells.push_back({name});
  for (const CompareRun* run : passed) {
    cells[0].push_back(run->mode);
    for (std::size_t i = 0; i < names.size(); ++i) {
      auto it = std::find_if(run->results.begin(), run->results.end(),
                             [&](const CompareRun::Result& r) { return r.name == names[i]; });
      cells[i + 1].push_back(it == run->results.end() ? "-" : format_tenths(it->tenths_per_iteration));
    }
  }
  if (published) {
    cells[0].insert(cells[0].end(), {"A&A native", "A&A BT", "A&A VT-x"});
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::optional<PublishedRow> row = published_p4(names[i]);
      for (std::string_view cell : {row ? row->native : "", row ? row->software_vmm : "",
                                    row ? row->hardware_vmm : ""})
        cells[i + 1].emplace_back(cell);
    }
  }
  std::string out = c.repriced_from.empty()
                        ? std::string("cycles per iteration, as the guest measured them (RDTSC)\n")
                        : fmt::format("cycles per iteration, as the guest measured them (RDTSC under {}: not "
                                      "re-priced)\n",
                                      c.repriced_from);
  out += align_columns(cells);
  if (published)
    out += "A&A: K. Adams and O. Agesen, ASPLOS 2006, Pentium 4 cycles: native, software VMM (binary "
           "translation), hardware VMM (first VT-x, no EPT); ~ derived, - not given\n";
  return out;
}

std::string format_text(const Comparison& c) {
  std::string out = header(c) + summary_section(c);
  std::vector<const CompareRun*> passed = passed_runs(c);
  if (passed.empty()) return out;
  for (const std::string& section : {breakdown_section(c, passed), exits_section(passed), results_section(c, passed)}) {
    if (section.empty()) continue;
    out += '\n';
    out += section;
  }
  return out;
}

// ----- csv -----

// A CSV field, quoted when it holds a comma, a quote or a line break.
std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string quoted = "\"";
  for (char ch : s) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

std::string format_csv(const Comparison& c) {
  std::array<u64, kCostKeyCount> prices = price_list(c.profile);
  std::string out = "guest,profile,mode,metric,value\n";
  for (const CompareRun& run : c.runs) {
    std::string prefix =
        fmt::format("{},{},{},", csv_field(c.guest), csv_field(c.profile.name), csv_field(run.mode));
    auto row = [&](std::string_view metric, std::string_view value) {
      out += prefix + csv_field(metric) + "," + csv_field(value) + "\n";
    };
    row("status", std::to_string(run.status));
    row("ok", run.ok() ? "1" : "0");
    if (!run.ok()) {
      row("message", run.message);
      continue;
    }
    row("instructions", std::to_string(run.instructions));
    row("cycles", std::to_string(run.cycles));
    row("halted_cycles", std::to_string(run.halted_cycles));
    row("base_cpi", std::to_string(run.base_cpi));
    if (std::optional<double> percent = percent_of_native(c, run))
      row("percent_of_native", fmt::format("{:.1f}", *percent));
    row("exits", std::to_string(run.exits));
    for (std::size_t k = 0; k < kCostKeyCount; ++k) {
      if (!run.priced[k]) continue;
      row(fmt::format("priced.{}", kCostParams[k].key), std::to_string(run.priced[k]));
      row(fmt::format("cycles.{}", kCostParams[k].key), std::to_string(run.priced[k] * prices[k]));
    }
    for (const auto& [name, count] : run.exits_by_category)
      row("exits_by_category." + name, std::to_string(count));
    for (const auto& [name, count] : run.exits_by_reason)
      row("exits_by_reason." + name, std::to_string(count));
    for (const CompareRun::Result& r : run.results)
      row("result." + r.name + ".cycles_per_iteration", format_tenths(r.tenths_per_iteration));
  }
  return out;
}

}  // namespace

CompareRun compare_run(std::string mode, const GuestRunResult& result, const CostModel& profile) {
  const Counters& counters = result.counters;
  CompareRun run;
  run.mode = std::move(mode);
  run.status = result.error.empty() ? result.status : 0;
  run.message = run_failure(result);
  run.instructions = counters.instructions;
  run.cycles = counters.cycles;
  run.halted_cycles = counters.halted_cycles;
  run.base_cpi = profile.base_cpi;
  run.exits = counters.exits;
  run.priced = counters.priced;
  run.exits_by_category = counters.exits_by_category;
  run.exits_by_reason = counters.exits_by_reason;
  for (const BenchResult& r : parse_bench_output(result.com1).results)
    run.results.push_back(CompareRun::Result{r.name, r.iterations, r.tenths_per_iteration});
  return run;
}

u64 priced_cycles(const CompareRun& run, const std::array<u64, kCostKeyCount>& prices) {
  u64 cycles = run.instructions * prices[std::size_t(CostKey::base_cpi)] + run.halted_cycles;
  for (std::size_t k = 0; k < kCostKeyCount; ++k) cycles += run.priced[k] * prices[k];
  return cycles;
}

Comparison reprice_comparison(const Comparison& comparison, const CostModel& profile) {
  Comparison repriced = comparison;
  repriced.profile = profile;
  if (repriced.repriced_from.empty()) repriced.repriced_from = comparison.profile.name;
  std::array<u64, kCostKeyCount> prices = price_list(profile);
  for (CompareRun& run : repriced.runs) {
    run.cycles = priced_cycles(run, prices);
    run.base_cpi = profile.base_cpi;
  }
  return repriced;
}

const CompareRun* native_run(const Comparison& comparison) {
  for (const CompareRun& run : comparison.runs)
    if (run.mode == "native") return run.ok() ? &run : nullptr;
  return nullptr;
}

std::optional<double> percent_of_native(const Comparison& comparison, const CompareRun& run) {
  const CompareRun* native = native_run(comparison);
  if (!native || native->cycles == 0 || !run.ok()) return std::nullopt;
  return 100.0 * double(run.cycles) / double(native->cycles);
}

std::string describe_failure(const CompareRun& run) {
  if (run.status == 0) return "FAILED: " + run.message;
  return fmt::format("FAILED: status {}: {}", run.status, run.message);
}

std::string with_thousands(u64 value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

CompareFormat parse_compare_format(std::string_view name) {
  if (name == "text") return CompareFormat::Text;
  if (name == "json") return CompareFormat::Json;
  if (name == "csv") return CompareFormat::Csv;
  throw UserError(fmt::format("unknown compare format '{}': use text, json or csv", name));
}

std::string format_comparison(const Comparison& comparison, CompareFormat format) {
  switch (format) {
    case CompareFormat::Text: return format_text(comparison);
    case CompareFormat::Json: return comparison_to_json(comparison);
    case CompareFormat::Csv: return format_csv(comparison);
  }
  return "";
}

}  // namespace vmlab
