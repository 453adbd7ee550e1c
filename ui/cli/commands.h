// The subcommands of the `vmlab` front end. Each registers its options on a CLI11 app
// and returns a function that runs it and gives the process status.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}

namespace vmlab {
struct GuestRunSpec;
}

namespace vmlab::cli {

using Action = std::function<int()>;

Action add_run_command(CLI::App& app);
Action add_conformance_command(CLI::App& app);
Action add_bench_command(CLI::App& app);
Action add_compare_command(CLI::App& app);
Action add_gui_command(CLI::App& app);
// Subcommands planned by later issues: they say so plainly and fail.
void add_planned_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);

// The spec to boot: `spec` as the options gave it, or with --guest NAME the bundled
// guest's kernel and defaults, the user's additions kept: their --initrd come after the
// guest's modules, and --disk and --append replace the guest's.
GuestRunSpec with_bundled_guest(GuestRunSpec spec, const std::string& guest, const std::optional<std::string>& append);

// The budget a --max-insns option gives a run: 0 (none) when it is absent. Throws
// UserError for 0, which would otherwise silently mean "no budget".
std::uint64_t instruction_budget(const std::optional<std::uint64_t>& max_insns);

}  // namespace vmlab::cli
