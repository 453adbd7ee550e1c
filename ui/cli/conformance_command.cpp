// `vmlab conformance sst DIR...`: SingleStepTests against the CPU.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cpu/conformance/sst_runner.h"
#include "ui/cli/commands.h"

namespace vmlab::cli {

Action add_conformance_command(CLI::App& app) {
  CLI::App* conf = app.add_subcommand("conformance", "Check the CPU against independent test data");
  conf->require_subcommand(1);
  CLI::App* sst = conf->add_subcommand("sst", "Run SingleStepTests files (gzipped JSON, one per instruction form)");
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto options = std::make_shared<SstOptions>();
  auto rate = std::make_shared<double>(-1);
  sst->add_option("dirs", *dirs, "Folders holding *.json.gz (with metadata.json, revocation_list.txt)")->required();
  sst->add_option("--filter", options->filter, "Only files whose name matches this glob (e.g. 'F6.*')");
  sst->add_flag("--verbose", options->verbose, "Detail every failing test");
  sst->add_option("--max-failures-shown", options->max_failures_shown, "Failing tests detailed per file (default 1)");
  sst->add_option("--min-pass-rate", *rate, "Succeed when at least this percentage of tests pass");
  auto raw = std::make_shared<bool>(false);
  sst->add_flag("--raw-286", *raw,
                "Compare LOCK-prefixed tests with the 286 results too (the 386 raises #UD there)");
  return [dirs, options, rate, raw, sst]() -> int {
    if (!sst->parsed()) return 2;
    if (*rate >= 0) options->min_pass_rate = *rate;
    options->apply_386_rules = !*raw;
    return run_sst_command(*dirs, *options, std::cout);
  };
}

}  // namespace vmlab::cli
