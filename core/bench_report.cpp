#include "core/bench_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/text_table.h"

namespace vmlab {
namespace {

// Adams & Agesen, ASPLOS 2006, native Pentium 4 column. Their "cr8wr" is our tprwr (a
// TPR write); its native cost is derived (BT's 35 cycles is "about 4x faster"), and
// ptemod is "a single store". syscall has no native number in the paper.
constexpr PublishedCost kPublishedNativeP4[] = {
    {"in", 3209, false},      {"tprwr", 140, true},    {"callret", 11, false},
    {"pgfault", 1093, false}, {"divzero", 889, false}, {"ptemod", 1, true},
};

constexpr int kGuestSuccessStatus = (0x10 << 1) | 1;  // the exit port's 0x10: status 33
constexpr std::size_t kTailLines = 10;                // output lines shown for a failed run

// One row per benchmark, in the order the runs first printed them.
struct Row {
  std::string name;
  std::vector<const BenchResult*> by_mode;  // nullptr where that mode printed none
};

std::vector<Row> benchmark_rows(const BenchGuest& guest) {
  std::vector<Row> rows;
  for (std::size_t m = 0; m < guest.runs.size(); ++m) {
    for (const BenchResult& r : guest.runs[m].output.results) {
      auto it = std::find_if(rows.begin(), rows.end(), [&](const Row& row) { return row.name == r.name; });
      if (it == rows.end())
        it = rows.insert(rows.end(), Row{r.name, std::vector<const BenchResult*>(guest.runs.size())});
      it->by_mode[m] = &r;
    }
  }
  return rows;
}

// The iteration count of the first mode that ran the benchmark.
u64 iterations_of(const Row& row) {
  for (const BenchResult* r : row.by_mode)
    if (r) return r->iterations;
  return 0;
}

std::string published_cell(std::string_view guest, std::string_view benchmark) {
  if (guest != kNanobenchGuest) return "";
  std::optional<PublishedCost> cost = published_native_p4(benchmark);
  if (!cost) return "-";
  return fmt::format("{}{}", cost->approximate ? "~" : "", cost->cycles);
}

std::string text_section(const BenchGuest& guest, const std::string& cost_profile) {
  if (!guest.not_run.empty()) return fmt::format("{}: not run: {}\n", guest.name, guest.not_run);
  std::string out =
      fmt::format("{}: cycles per iteration (virtual cycles, cost profile {})\n", guest.name, cost_profile);
  bool published = guest.name == kNanobenchGuest;
  std::vector<std::vector<std::string>> cells{{"benchmark", "iterations"}};
  for (const BenchRun& run : guest.runs) cells[0].push_back(run.mode);
  if (published) cells[0].push_back("P4 native [1]");
  std::vector<Row> rows = benchmark_rows(guest);
  for (const Row& row : rows) {
    std::vector<std::string> line{row.name, std::to_string(iterations_of(row))};
    for (const BenchResult* r : row.by_mode) line.push_back(r ? format_tenths(r->tenths_per_iteration) : "-");
    if (published) line.push_back(published_cell(guest.name, row.name));
    cells.push_back(std::move(line));
  }
  if (!rows.empty()) out += align_columns(cells);
  for (const BenchRun& run : guest.runs)
    if (!bench_run_ok(run)) out += fmt::format("  {}: FAILED (details on stderr)\n", run.mode);
  return out;
}

std::string format_text(const BenchReport& report) {
  std::string out;
  bool cite = false;
  for (const BenchGuest& guest : report.guests) {
    if (!out.empty()) out += "\n";
    out += text_section(guest, report.cost_profile);
    cite = cite || (guest.name == kNanobenchGuest && guest.not_run.empty());
  }
  if (cite)
    out += fmt::format(
        "\n[1] {}\n    (tprwr is their cr8wr; ~ marks a derived or approximate figure, - one "
        "the paper does not give)\n",
        published_source());
  return out;
}

nlohmann::ordered_json run_json(const BenchRun& run) {
  nlohmann::ordered_json failures = nlohmann::ordered_json::array(),
                         malformed = nlohmann::ordered_json::array();
  for (const BenchFailure& f : run.output.failures) failures.push_back({{"name", f.name}, {"text", f.text}});
  for (const MalformedLine& m : run.output.malformed)
    malformed.push_back({{"line", m.line_number}, {"text", m.line}, {"why", m.why}});
  return {{"mode", run.mode},
          {"ok", bench_run_ok(run)},
          {"error", run.result.error},
          {"status", run.result.status},
          {"message", run.result.run.message},
          {"instructions", run.result.counters.instructions},
          {"cycles", run.result.counters.cycles},
          {"failures", failures},
          {"malformed", malformed}};
}

nlohmann::ordered_json result_json(const BenchResult& r) {
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  for (const auto& [key, value] : r.extra) extra[key] = value;
  return {{"iterations", r.iterations},
          {"cycles", r.cycles},
          {"cycles_per_iteration", double(r.tenths_per_iteration) / 10.0},
          {"extra", extra}};
}

nlohmann::ordered_json guest_json(const BenchGuest& guest) {
  nlohmann::ordered_json runs = nlohmann::ordered_json::array(), benchmarks = nlohmann::ordered_json::array();
  for (const BenchRun& run : guest.runs) runs.push_back(run_json(run));
  for (const Row& row : benchmark_rows(guest)) {
    nlohmann::ordered_json results = nlohmann::ordered_json::object();
    for (std::size_t m = 0; m < row.by_mode.size(); ++m)
      if (row.by_mode[m]) results[guest.runs[m].mode] = result_json(*row.by_mode[m]);
    nlohmann::ordered_json published = nullptr;
    if (guest.name == kNanobenchGuest)
      if (std::optional<PublishedCost> cost = published_native_p4(row.name))
        published = {{"cycles", cost->cycles}, {"approximate", cost->approximate}};
    benchmarks.push_back({{"name", row.name}, {"published_p4_native", published}, {"results", results}});
  }
  nlohmann::ordered_json not_run =
      guest.not_run.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(guest.not_run);
  return {{"name", guest.name}, {"not_run", not_run}, {"runs", runs}, {"benchmarks", benchmarks}};
}

std::string format_json(const BenchReport& report) {
  nlohmann::ordered_json guests = nlohmann::ordered_json::array();
  for (const BenchGuest& guest : report.guests) guests.push_back(guest_json(guest));
  nlohmann::ordered_json doc = {{"cost_profile", report.cost_profile},
                                {"modes", report.modes},
                                {"guests", guests},
                                {"published_source", published_source()}};
  return doc.dump(2) + "\n";
}

// A CSV field, quoted when it holds a comma, a quote or a newline.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string format_csv(const BenchReport& report) {
  std::string out = "guest,benchmark,mode,iterations,cycles,cycles_per_iteration,published_p4_native,extra\n";
  for (const BenchGuest& guest : report.guests)
    for (const Row& row : benchmark_rows(guest))
      for (std::size_t m = 0; m < row.by_mode.size(); ++m) {
        const BenchResult* r = row.by_mode[m];
        if (!r) continue;
        std::string published;
        if (guest.name == kNanobenchGuest)
          if (std::optional<PublishedCost> cost = published_native_p4(row.name))
            published = std::to_string(cost->cycles);
        std::string extra;
        for (const auto& [key, value] : r->extra) extra += (extra.empty() ? "" : " ") + key + "=" + value;
        out += fmt::format("{},{},{},{},{},{},{},{}\n", csv_field(guest.name), csv_field(row.name),
                           csv_field(guest.runs[m].mode), r->iterations, r->cycles,
                           format_tenths(r->tenths_per_iteration), published, csv_field(extra));
      }
  return out;
}

// How the run ended, in one phrase.
std::string describe_exit(const GuestRunResult& result) {
  if (!result.error.empty()) return "it could not start: " + result.error;
  if (result.status == kGuestSuccessStatus) return "the guest exited with success (0x10, status 33), but:";
  if (result.run.kind == RunResult::Kind::ExitPort)
    return fmt::format("the guest exited with value {:#x} (status {}; success is 0x10, status {})",
                       result.run.exit_value, result.status, kGuestSuccessStatus);
  return fmt::format("{} (status {})", result.run.message, result.status);
}

// The last `count` lines of `text`.
std::vector<std::string_view> last_lines(std::string_view text, std::size_t count) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    lines.push_back(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
  }
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - std::ptrdiff_t(count));
  return lines;
}

std::string describe_run_failure(const std::string& guest, const BenchRun& run) {
  std::string out =
      fmt::format("vmlab bench: {} ({}) failed: {}\n", guest, run.mode, describe_exit(run.result));
  if (!run.result.error.empty()) return out;
  for (const BenchFailure& f : run.output.failures) out += fmt::format("  FAIL {} {}\n", f.name, f.text);
  for (const MalformedLine& m : run.output.malformed)
    out += fmt::format("  malformed line {} ({}): {}\n", m.line_number, m.why, m.line);
  if (run.output.results.empty()) out += "  it printed no RESULT line\n";
  if (run.result.com1.empty()) return out + "  it printed nothing on COM1\n";
  out += fmt::format("  last lines of its COM1 output:\n");
  for (std::string_view line : last_lines(run.result.com1, kTailLines)) out += fmt::format("  | {}\n", line);
  return out;
}

}  // namespace

std::optional<PublishedCost> published_native_p4(std::string_view benchmark) {
  for (const PublishedCost& cost : kPublishedNativeP4)
    if (cost.benchmark == benchmark) return cost;
  return std::nullopt;
}

// All three columns of the paper's nanobenchmark table (reference/virtualization.md 3.3):
// native, the software VMM (binary translation) and the hardware VMM (first VT-x, no
// EPT). The syscall row gives no native figure, only the difference.
constexpr PublishedRow kPublishedP4[] = {
    {"syscall-int80", "-", "native+~2000", "~native"},
    {"syscall-sysenter", "-", "native+~2000", "~native"},
    {"in", "3209", "~214", "15826"},
    {"tprwr", "~140", "35", "~140"},
    {"callret", "11", "51", "11"},
    {"pgfault", "1093", "3927", "11242"},
    {"divzero", "889", "3223", "1014"},
    {"ptemod", "~1", "391", "12733"},
};

std::optional<PublishedRow> published_p4(std::string_view benchmark) {
  for (const PublishedRow& row : kPublishedP4)
    if (row.benchmark == benchmark) return row;
  return std::nullopt;
}

std::string_view published_source() {
  return "K. Adams and O. Agesen, \"A Comparison of Software and Hardware Techniques for x86 "
         "Virtualization\", ASPLOS 2006: native Pentium 4 cycles";
}

BenchFormat parse_bench_format(std::string_view name) {
  if (name == "text") return BenchFormat::Text;
  if (name == "json") return BenchFormat::Json;
  if (name == "csv") return BenchFormat::Csv;
  throw UserError(fmt::format("unknown bench format '{}': use text, json or csv", name));
}

std::string format_bench_report(const BenchReport& report, BenchFormat format) {
  switch (format) {
    case BenchFormat::Text: return format_text(report);
    case BenchFormat::Json: return format_json(report);
    case BenchFormat::Csv: return format_csv(report);
  }
  return "";
}

bool bench_run_ok(const BenchRun& run) {
  return run.result.error.empty() && run.result.status == kGuestSuccessStatus &&
         run.output.failures.empty() && run.output.malformed.empty() && !run.output.results.empty();
}

std::string describe_bench_failures(const BenchGuest& guest) {
  if (!guest.not_run.empty()) return fmt::format("vmlab bench: {}: not run: {}\n", guest.name, guest.not_run);
  std::string out;
  for (const BenchRun& run : guest.runs)
    if (!bench_run_ok(run)) out += describe_run_failure(guest.name, run);
  return out;
}

}  // namespace vmlab
