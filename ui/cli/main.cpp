// vmlab: the command-line front end. Thin: parse options, call the library, map results
// to exit statuses. Errors a user can cause are one line on stderr and status 1.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "core/error.h"
#include "ui/cli/commands.h"

namespace vmlab::cli {

void add_planned_commands(CLI::App& app, std::vector<std::pair<CLI::App*, Action>>& actions) {
  struct Planned {
    const char* name;
    const char* what;
    const char* when;
  };
  static const Planned kPlanned[] = {
      {"lab", "Hand out and grade lab exercises", "the labs issue"},
  };
  for (const Planned& p : kPlanned) {
    CLI::App* sub = app.add_subcommand(p.name, std::string(p.what) + " (not built yet)");
    sub->allow_extras();
    std::string message = std::string("'") + p.name + "' is not built yet: it comes with " + p.when +
                          "; for now use 'vmlab run'";
    actions.emplace_back(sub, [message] {
      std::fprintf(stderr, "vmlab: %s\n", message.c_str());
      return 1;
    });
  }
}

}  // namespace vmlab::cli

int main(int argc, char** argv) {
  using namespace vmlab;
  CLI::App app{"vmlab: an educational x86 emulator with pluggable virtualization modes", "vmlab"};
  app.set_version_flag("--version", "vmlab " VMLAB_VERSION);
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, cli::Action>> actions;
  cli::Action run = cli::add_run_command(app);
  actions.emplace_back(app.get_subcommand("run"), run);
  cli::Action conformance = cli::add_conformance_command(app);
  actions.emplace_back(app.get_subcommand("conformance"), conformance);
  cli::Action bench = cli::add_bench_command(app);
  actions.emplace_back(app.get_subcommand("bench"), bench);
  cli::Action compare = cli::add_compare_command(app);
  actions.emplace_back(app.get_subcommand("compare"), compare);
  cli::Action gui = cli::add_gui_command(app);
  actions.emplace_back(app.get_subcommand("gui"), gui);
  cli::add_planned_commands(app, actions);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "vmlab: %s (see 'vmlab --help')\n", e.what());
    return 2;
  }
  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return action();
  } catch (const UserError& e) {
    std::fprintf(stderr, "vmlab: %s\n", e.what());
    return 1;
  }
  return 2;
}
