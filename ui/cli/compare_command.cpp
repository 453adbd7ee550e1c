// `vmlab compare`: run one guest under several modes, all runs in parallel threads, and
// show where each mode's virtual cycles went; or re-price a comparison saved as JSON
// under another cost profile. The runs are core/guest_run.h; the comparison, its
// formats and the saved-run file are core/compare_report.h and core/compare_json.h.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "core/compare_json.h"
#include "core/compare_report.h"
#include "core/error.h"
#include "core/guest_catalog.h"
#include "core/guest_run.h"
#include "ui/cli/commands.h"
#include "ui/cli/parallel_runs.h"

namespace vmlab::cli {
namespace {

struct CompareOptions {
  std::string guest;       // positional: a bundled guest name or a kernel path; SAVED.json with --reprice
  std::string guest_name;  // --guest NAME
  std::vector<std::string> modes{"native,tae-shadow"};
  std::string profile = "p4-2006";
  std::string format = "text";
  std::optional<u64> max_insns;
  std::optional<std::string> append;
  std::optional<u32> mem_mib;
  std::optional<std::string> reprice;        // PROFILE
  std::vector<const CLI::Option*> run_only;  // options that make no sense with --reprice
};

// The guest to run and its display name. A positional GUEST is a kernel path when it
// contains a '/' or names an existing file, else a bundled guest's name.
std::pair<std::string, GuestRunSpec> resolve_guest(const CompareOptions& o) {
  if (!o.guest.empty() && !o.guest_name.empty())
    throw UserError("give GUEST or --guest " + o.guest_name + ", not both");
  std::string guest = o.guest_name.empty() ? o.guest : o.guest_name;
  if (guest.empty())
    throw UserError(
        "name a GUEST to compare: a bundled guest ('vmlab run --guest list') or a Multiboot kernel ELF");
  std::error_code ec;
  bool is_path =
      o.guest_name.empty() && (guest.find('/') != std::string::npos || std::filesystem::exists(guest, ec));
  GuestRunSpec spec;
  if (!is_path)
    spec = guest_run_spec(GuestCatalog::load_default().lookup(guest));
  else if (std::filesystem::is_regular_file(guest, ec))
    spec.kernel = guest;
  else
    throw UserError("no kernel file '" + guest + "': give a Multiboot kernel ELF or a bundled guest's name");
  if (o.append) spec.append = *o.append;
  if (o.mem_mib) spec.mem_mib = *o.mem_mib;
  spec.cost_profile = o.profile;
  spec.max_instructions = o.max_insns ? *o.max_insns : kDefaultBudget;
  return {guest, spec};
}

// Print the comparison, one stderr line per failed run; 1 if any run failed.
int report(const Comparison& comparison, CompareFormat format) {
  std::fputs(format_comparison(comparison, format).c_str(), stdout);
  std::fflush(stdout);
  int status = 0;
  for (const CompareRun& run : comparison.runs)
    if (!run.ok()) {
      std::fprintf(stderr, "vmlab compare: %s (%s) %s\n", comparison.guest.c_str(), run.mode.c_str(),
                   describe_failure(run).c_str());
      status = 1;
    }
  return status;
}

int compare(const CompareOptions& o) {
  CompareFormat format = parse_compare_format(o.format);
  instruction_budget(o.max_insns);  // reject --max-insns 0 before anything runs
  std::vector<std::string> modes = resolve_modes(o.modes);
  CostModel profile = load_cost_profile(o.profile);
  auto [guest, spec] = resolve_guest(o);

  std::vector<GuestRunSpec> specs;
  std::vector<std::string> labels;
  for (const std::string& mode : modes) {
    spec.mode = mode;
    validate_run_spec(spec);
    specs.push_back(spec);
    labels.push_back(guest + " (" + mode + ")");
  }
  std::vector<GuestRunResult> results = run_in_parallel(specs, labels, "compare");
  // The same kernel failed to load in every mode: the user's file, not a mode, is wrong.
  if (std::all_of(results.begin(), results.end(), [](const GuestRunResult& r) { return !r.error.empty(); }))
    throw UserError(results[0].error);

  Comparison comparison{guest, spec.append, profile, "", {}};
  for (std::size_t m = 0; m < modes.size(); ++m)
    comparison.runs.push_back(compare_run(modes[m], results[m], profile));
  return report(comparison, format);
}

int reprice(const CompareOptions& o) {
  for (const CLI::Option* option : o.run_only)
    if (option->count())
      throw UserError(option->get_name() +
                      " does not go with --reprice: the guest, modes and counts come from the saved file");
  CompareFormat format = parse_compare_format(o.format);
  if (o.guest.empty())
    throw UserError("--reprice " + *o.reprice +
                    " needs the saved run: vmlab compare --reprice PROFILE SAVED.json");
  CostModel profile = load_cost_profile(*o.reprice);
  return report(reprice_comparison(load_saved_comparison(o.guest), profile), format);
}

}  // namespace

Action add_compare_command(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* cmd =
      app.add_subcommand("compare", "Run one guest under several modes and compare where the cycles go");
  cmd->footer(
      "GUEST is a bundled guest's name (as in 'vmlab run --guest NAME') or the path of a\n"
      "Multiboot kernel ELF (anything with a '/' in it, or an existing file). The guest runs\n"
      "once per mode, in parallel. The table shows each mode's instructions, virtual cycles,\n"
      "cycles as a percentage of native, and exits; then every cost-model event each mode\n"
      "was charged for (count x price = cycles), which add up to its cycles.\n\n"
      "--format json writes a saved run: 'vmlab compare --reprice PROFILE SAVED.json'\n"
      "recomputes its cycles under another profile without running anything:\n"
      "  cycles = instructions x base_cpi + halted cycles + sum of count x price.\n"
      "The counts and halted cycles stay as recorded, so a real run under that profile can\n"
      "differ a little where the guest waits for timers.\n"
      "--format csv prints rows of guest,profile,mode,metric,value.\n\n"
      "Exit status 0 when every run exited with 0x10 (status 33); 1 when one did not (each\n"
      "failure is named on stderr) or for a user error; 2 for a bad command line.");
  cmd->add_option("guest", o->guest, "Bundled guest name or kernel ELF path (with --reprice: the saved JSON)")
      ->type_name("GUEST");
  std::vector<const CLI::Option*>& run_only = o->run_only;
  run_only.push_back(cmd->add_option("--guest", o->guest_name, "The bundled guest NAME (instead of GUEST)")
                         ->type_name("NAME"));
  run_only.push_back(
      cmd->add_option("--modes", o->modes, "Modes to compare, comma-separated (default native,tae-shadow)")
          ->type_name("MODE,...")
          ->allow_extra_args(false));  // one list per --modes, so GUEST can follow it
  run_only.push_back(cmd->add_option("--profile,--cost-profile", o->profile,
                                     "Cost model: p4-2006, modern or a TOML file (default p4-2006)"));
  run_only.push_back(
      cmd->add_option("--max-insns", o->max_insns,
                      "Stop each run after N instructions (that run fails; default 20000000000)"));
  run_only.push_back(
      cmd->add_option("--append", o->append, "Kernel command line (replaces a bundled guest's)"));
  run_only.push_back(cmd->add_option("--mem", o->mem_mib, "Guest RAM in MiB (default 128)"));
  cmd->add_option("--format", o->format, "Output: text, json (a saved run) or csv (default text)");
  cmd->add_option("--reprice", o->reprice, "Re-price the saved run SAVED.json under PROFILE; run nothing")
      ->type_name("PROFILE");
  return [o] { return o->reprice ? reprice(*o) : compare(*o); };
}

}  // namespace vmlab::cli
