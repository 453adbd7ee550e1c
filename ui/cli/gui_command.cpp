// `vmlab gui`: boot a guest as `vmlab run` does and open the visualizer on it (ui/gui).
// `--headless --screenshot FILE` draws without a display and writes the last frame as a
// PNG, for tests and documentation.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>

#include "core/error.h"
#include "core/compare_report.h"
#include "core/guest_run.h"
#include "devices/typed_input.h"
#include "modes/mode_spec.h"
#include "ui/cli/commands.h"
#include "ui/gui/gui.h"

namespace vmlab::cli {
namespace {

struct GuiCommandOptions {
  GuestRunSpec spec;
  std::string guest;
  std::optional<std::string> append;
  std::optional<u64> max_insns;
  gui::GuiOptions gui;
  std::string size = "1280x800";
  std::string script_file;
  std::optional<u64> insns_per_frame;
  CLI::Option* frames = nullptr;  // given or not: a window without --frames runs until closed
};

// "1280x800" -> width, height; each between 320 and 8192.
void parse_size(const std::string& text, gui::GuiOptions& o) {
  unsigned w = 0, h = 0;
  char x = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%u%c%u%c", &w, &x, &h, &extra) != 3 || x != 'x' || w < 320 || h < 240 ||
      w > 8192 || h > 8192)
    throw UserError(fmt::format("--size '{}' is not WIDTHxHEIGHT between 320x240 and 8192x8192, e.g. 1280x800", text));
  o.width = int(w);
  o.height = int(h);
}

// The kernel's symbols for the disassembly's labels; none for a stripped kernel or a disk.
std::vector<ElfSymbol> kernel_symbols(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path, std::ios::binary);
  std::vector<u8> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_elf32(bytes, path).symbols;  // start_guest() already loaded it: it parses
}

int gui_main(GuiCommandOptions& o) {
  GuestRunSpec spec = with_bundled_guest(o.spec, o.guest, o.append);
  o.gui.max_instructions = instruction_budget(o.max_insns);
  parse_size(o.size, o.gui);
  if (o.frames->count() && o.gui.frames < 1) throw UserError("--frames must be at least 1");
  if (o.insns_per_frame) {
    if (*o.insns_per_frame == 0) throw UserError("--insns-per-frame must be at least 1");
    o.gui.speed = gui::Speed{*o.insns_per_frame, 1};
  }
  if (!o.script_file.empty()) {
    if (!o.gui.headless) throw UserError("--script needs --headless (a window is driven by its user)");
    o.gui.script = gui::load_script(o.script_file);
    o.gui.script_file = o.script_file;
  }
  if (!o.gui.screenshot.empty() && !o.gui.headless)
    throw UserError("--screenshot needs --headless (it writes the last headless frame)");
  if (!gui::is_tab_name(o.gui.tab))
    throw UserError(fmt::format("--tab '{}' is not a tab: use {}", o.gui.tab, gui::kTabNameList));
  if (!o.gui.walk_address.empty() &&
      o.gui.walk_address.find_first_not_of("0123456789abcdefABCDEFx") != std::string::npos)
    throw UserError(fmt::format("--walk-address '{}' is not a hexadecimal address, e.g. 0xc0101000",
                                o.gui.walk_address));
  CostModel cost = validate_run_spec(spec);
  MachineConfig config = machine_config(spec);
  std::string com1;  // the console tab shows it
  config.com1_output = [&com1](u8 b) { com1.push_back(char(b)); };
  o.gui.com1 = &com1;
  TypedInput typed;  // the console tab's input line
  config.com1_input = &typed;
  o.gui.com1_input = &typed;
  // A halted guest waiting for typed input must not hold the window: 10 ms of virtual
  // time per run() call, then the frame is drawn.
  config.input_wait_limit = kVirtualHz / 100;
  // Every start of the guest is the same: the Machine is rebuilt in place, so the GUI's
  // references to it stay valid when it goes back to an earlier exit.
  std::optional<Machine> machine;
  auto start = [&] {
    com1.clear();
    typed.rewind();  // the bytes typed so far reach the new run at the same moments
    machine.emplace(config);
    start_guest(*machine, spec, cost);
  };
  start();
  o.gui.restart = start;
  o.gui.compare_modes = [spec, cost, label = o.guest.empty() ? spec.kernel : o.guest] {
    std::vector<std::string> modes = runnable_mode_names();
    std::vector<GuestRunSpec> specs(modes.size(), spec);
    for (size_t m = 0; m < modes.size(); ++m) specs[m].mode = modes[m];
    std::vector<GuestRunResult> results = run_guests(specs, unsigned(modes.size()));
    Comparison comparison{label, spec.append, cost, "", {}};
    for (size_t m = 0; m < modes.size(); ++m) comparison.runs.push_back(compare_run(modes[m], results[m], cost));
    return comparison;
  };
  o.gui.symbols = kernel_symbols(spec.kernel);
  std::string title = o.guest.empty() ? spec.kernel : o.guest;
  return gui::run_gui(*machine, title, o.gui);
}

}  // namespace

Action add_gui_command(CLI::App& app) {
  auto o = std::make_shared<GuiCommandOptions>();
  CLI::App* cmd = app.add_subcommand("gui", "Step through a guest in the visualizer (SDL2 + Dear ImGui)");
  cmd->footer(
      "GUEST as for 'vmlab run': a KERNEL, or --guest NAME for a bundled guest.\n"
      "--headless draws without a display (SDL's dummy video driver and software renderer,\n"
      "a fixed frame time, no ini file): --frames N frames, then --screenshot FILE.png.");
  GuestRunSpec& spec = o->spec;
  cmd->add_option("kernel", spec.kernel, "Multiboot v1 ELF kernel (omit it with --guest)");
  cmd->add_option("--guest", o->guest, "Boot the bundled guest NAME")->type_name("NAME");
  cmd->add_option("--initrd", spec.initrds, "Add a Multiboot module (repeatable)");
  cmd->add_option("--disk", spec.disks, "Raw disk image on the IDE channel (repeatable)");
  cmd->add_option("--append", o->append, "Kernel command line (replaces a bundled guest's default)");
  cmd->add_option("--mem", spec.mem_mib, "Guest RAM in MiB (default 128)");
  cmd->add_option("--mode", spec.mode, "Virtualization mode: a preset or cpu=..,mmu=..,io=.. (default native)");
  cmd->add_option("--cost-profile", spec.cost_profile, "Cost model: p4-2006, modern or a TOML file");
  cmd->add_option("--max-insns", o->max_insns, "Stop the guest after N instructions");
  cmd->add_flag("--headless", o->gui.headless, "Draw off-screen, without a display");
  o->frames = cmd->add_option("--frames", o->gui.frames,
                              "Frames to draw, then stop (headless default 1; a window runs until closed)");
  cmd->add_option("--screenshot", o->gui.screenshot, "Headless: write the last frame to FILE (PNG)");
  cmd->add_flag("--run", o->gui.start_running, "Start running instead of paused");
  cmd->add_option("--insns-per-frame", o->insns_per_frame,
                  "Start the speed slider at N guest instructions per frame (default: max, as fast as the window "
                  "allows; 2000000 a frame headless)");
  cmd->add_flag("--stats", o->gui.stats,
                "At the end, print frames drawn, frame time median/95th percentile/max and the guest's speed");
  cmd->add_option("--size", o->size, "Window size WIDTHxHEIGHT (default 1280x800)");
  cmd->add_option("--script", o->script_file,
                  "Headless: carry out FILE's commands first (step, step-over, step-out, run, run-to, speed, tab, "
                  "walk, break, follow, memory, frame, screenshot, print)");
  cmd->add_option("--tab", o->gui.tab,
                  "Inspector tab shown first: disassembly, exits (default), handling, page-walk, memory or console");
  cmd->add_option("--walk-address", o->gui.walk_address,
                  "Linear address for the page-walk tab, in hex (default: the last page fault's CR2)");
  return [o] { return gui_main(*o); };
}

}  // namespace vmlab::cli
