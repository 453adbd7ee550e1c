// `vmlab bench`: run the benchmark guests (nanobench, and the kernel with its benchmark
// set) under each mode, all runs in parallel threads, and print one table per guest.
// The runs themselves are core/guest_run.h; the table is core/bench_report.h.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>

#include "core/bench_report.h"
#include "core/error.h"
#include "core/guest_catalog.h"
#include "core/guest_run.h"
#include "modes/mode_spec.h"
#include "ui/cli/commands.h"

namespace vmlab::cli {

// Without --max-insns each run still ends: the benchmark guests retire about 270 M
// instructions together, so 20 G is a hang, not a slow host.
constexpr u64 kDefaultBudget = 20'000'000'000;

namespace {

// The guests bench runs, in the order their tables are printed.
constexpr std::string_view kBenchGuests[] = {"nanobench", "kernel"};

struct BenchOptions {
  std::vector<std::string> modes{"native"};
  std::string format = "text";
  std::optional<u64> max_insns;
  std::string cost_profile = "p4-2006";
};

// Every mode named in the --modes arguments, checked runnable, by display name.
std::vector<std::string> resolve_modes(const std::vector<std::string>& arguments) {
  std::vector<std::string> modes;
  for (const std::string& argument : arguments)
    for (const std::string& text : split_mode_list(argument)) {
      ModeSpec spec = parse_mode(text);
      require_runnable(spec);
      std::optional<std::string_view> preset = preset_name(spec);
      std::string name = preset ? std::string(*preset) : to_string(spec);
      if (std::find(modes.begin(), modes.end(), name) != modes.end())
        throw UserError("mode '" + name + "' is given twice in --modes: list each mode once");
      modes.push_back(name);
    }
  if (modes.empty()) throw UserError("--modes names no mode: give at least one, e.g. --modes native");
  return modes;
}

// One line on stderr, redrawn in place while the runs go on (only on a terminal).
class ProgressLine {
 public:
  explicit ProgressLine(std::vector<std::string> labels)
      : m_labels(std::move(labels)), m_phases(m_labels.size(), RunPhase::Waiting) {}

  // From run_guests(), in whichever thread changed a phase.
  void update(std::span<const RunPhase> phases) {
    std::lock_guard lock(m_mutex);
    m_phases.assign(phases.begin(), phases.end());
  }

  void draw(std::chrono::seconds elapsed) {
    std::lock_guard lock(m_mutex);
    std::size_t finished = 0;
    std::string running;
    for (std::size_t i = 0; i < m_phases.size(); ++i) {
      if (m_phases[i] == RunPhase::Finished) ++finished;
      if (m_phases[i] == RunPhase::Running) running += (running.empty() ? "" : ", ") + m_labels[i];
    }
    std::string line = fmt::format("vmlab bench: {} s, {} of {} runs finished; running {}", elapsed.count(),
                                   finished, m_phases.size(), running.empty() ? "-" : running);
    if (line.size() > kWidth) line = line.substr(0, kWidth - 3) + "...";
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    std::fflush(stderr);
  }

  static void clear() {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }

 private:
  static constexpr std::size_t kWidth = 79;  // never wrap, or \r cannot redraw the line
  std::mutex m_mutex;
  std::vector<std::string> m_labels;
  std::vector<RunPhase> m_phases;
};

// run_guests() with at most one thread per host CPU, and a progress line on a terminal.
std::vector<GuestRunResult> run_all(const std::vector<GuestRunSpec>& specs, std::vector<std::string> labels) {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  if (!isatty(STDERR_FILENO)) return run_guests(specs, threads);
  ProgressLine progress(std::move(labels));
  auto done = std::async(std::launch::async, [&] {
    return run_guests(specs, threads, [&progress](std::span<const RunPhase> p) { progress.update(p); });
  });
  auto start = std::chrono::steady_clock::now();
  while (done.wait_for(std::chrono::milliseconds(500)) != std::future_status::ready)
    progress.draw(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start));
  ProgressLine::clear();
  return done.get();
}

// The report skeleton: every guest, with a spec per mode for those that can run.
BenchReport plan(const BenchOptions& o, const std::vector<std::string>& modes,
                 std::vector<GuestRunSpec>& specs) {
  GuestCatalog catalog = GuestCatalog::load_default();
  BenchReport report{modes, o.cost_profile, {}};
  for (std::string_view name : kBenchGuests) {
    BenchGuest guest{std::string(name), "", {}};
    const GuestEntry* entry = catalog.find(name);
    std::optional<std::string> missing = entry ? missing_guest_file(*entry) : std::nullopt;
    if (!entry)
      guest.not_run = fmt::format(
          "this build has no bundled guest '{}': {} does not list it (a guest is "
          "listed once guests/CMakeLists.txt registers it and the project is rebuilt)",
          name, catalog.manifest_path().string());
    else if (missing)
      guest.not_run = fmt::format("guest '{}' is not built: {} is missing; run the build", name, *missing);
    for (std::size_t m = 0; entry && !missing && m < modes.size(); ++m) {
      GuestRunSpec spec = guest_run_spec(*entry);
      spec.mode = modes[m];
      spec.cost_profile = o.cost_profile;
      spec.max_instructions = o.max_insns ? instruction_budget(o.max_insns) : kDefaultBudget;
      specs.push_back(spec);
      guest.runs.push_back(BenchRun{modes[m], {}, {}});
    }
    report.guests.push_back(std::move(guest));
  }
  return report;
}

int bench(const BenchOptions& o) {
  BenchFormat format = parse_bench_format(o.format);
  instruction_budget(o.max_insns);  // reject --max-insns 0 before anything runs
  std::vector<std::string> modes = resolve_modes(o.modes);
  load_cost_profile(o.cost_profile);
  std::vector<GuestRunSpec> specs;
  BenchReport report = plan(o, modes, specs);

  std::vector<std::string> labels;
  for (const BenchGuest& guest : report.guests)
    for (const BenchRun& run : guest.runs) labels.push_back(guest.name + " (" + run.mode + ")");
  std::vector<GuestRunResult> results = run_all(specs, labels);
  std::size_t next = 0;
  for (BenchGuest& guest : report.guests)
    for (BenchRun& run : guest.runs) {
      run.result = std::move(results[next++]);
      run.output = parse_bench_output(run.result.com1);
    }

  std::fputs(format_bench_report(report, format).c_str(), stdout);
  std::fflush(stdout);
  bool ok = true;
  for (const BenchGuest& guest : report.guests) {
    std::string failures = describe_bench_failures(guest);
    std::fputs(failures.c_str(), stderr);
    ok = ok && failures.empty();
  }
  return ok ? 0 : 1;
}

}  // namespace

Action add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Run the benchmark guests under each mode and print one table");
  cmd->footer(
      "Runs the bundled guests 'nanobench' and 'kernel' (its benchmark set), one run per guest\n"
      "and mode, in parallel. Each table row is one RESULT line: cycles per iteration in\n"
      "virtual cycles, one column per mode; nanobench rows also show the native Pentium 4\n"
      "figure Adams & Agesen published. Exit status 0 when every run exited with 0x10\n"
      "(status 33) and printed RESULT lines and no FAIL line; 1 otherwise (the failures are\n"
      "described on stderr).");
  cmd->add_option("--modes", o->modes, "Modes to compare, e.g. native or native,vtx-ept (default native)")
      ->type_name("MODE...");
  cmd->add_option("--format", o->format, "Output: text, json or csv (default text)");
  cmd->add_option("--max-insns", o->max_insns,
                  "Stop each run after N instructions (that run fails; default 20000000000, about 75 times "
                  "what the benchmark guests retire, so a guest that hangs cannot hang bench)");
  cmd->add_option("--cost-profile", o->cost_profile,
                  "Cost model: p4-2006, modern or a TOML file (default p4-2006)");
  return [o] { return bench(*o); };
}

}  // namespace vmlab::cli
