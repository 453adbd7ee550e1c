// The subcommands of the `vmlab` front end. Each registers its options on a CLI11 app
// and returns a function that runs it and gives the process status.
#pragma once
#include <functional>

namespace CLI {
class App;
}

namespace vmlab::cli {

using Action = std::function<int()>;

Action add_run_command(CLI::App& app);
Action add_conformance_command(CLI::App& app);
// Subcommands planned by later issues: they say so plainly and fail.
void add_planned_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions);

}  // namespace vmlab::cli
