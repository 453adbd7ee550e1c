// `vmlab bench`: run the benchmark guests (nanobench, and the kernel with its benchmark
// set) under each mode, all runs in parallel threads, and print one table per guest.
// The runs themselves are core/guest_run.h; the table is core/bench_report.h.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "core/bench_report.h"
#include "core/error.h"
#include "core/guest_catalog.h"
#include "core/guest_run.h"
#include "ui/cli/commands.h"
#include "ui/cli/parallel_runs.h"

namespace vmlab::cli {

namespace {

// The guests bench runs, in the order their tables are printed.
constexpr std::string_view kBenchGuests[] = {"nanobench", "kernel"};

struct BenchOptions {
  std::vector<std::string> modes{"native"};
  std::string format = "text";
  std::optional<u64> max_insns;
  std::string cost_profile = "p4-2006";
};

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
  std::vector<GuestRunResult> results = run_in_parallel(specs, labels, "bench");
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
