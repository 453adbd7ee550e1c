// The visualizer: SDL2 + Dear ImGui 1.86 over a Machine that is already started (guest
// loaded, monitor attached). Front end only: the library never includes SDL or ImGui.
//
// Headless mode (tests, documentation screenshots) uses SDL's software renderer on an
// off-screen surface, a fixed frame time and no ini file, and writes the last frame as a
// PNG: the same guest, mode and options give the same bytes on every run.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/boot/elf32.h"
#include "core/compare_report.h"
#include "core/types.h"
#include "ui/gui/script.h"
#include "ui/gui/speed.h"

namespace vmlab {
class Machine;
class TypedInput;
}

namespace vmlab::gui {

struct GuiOptions {
  bool headless = false;
  int frames = 0;               // frames to draw (0: headless 1, a window until it is closed)
  std::string screenshot;       // headless: PNG of the last frame ("" for none)
  bool start_running = false;   // run from the first frame instead of paused
  Speed speed;                  // the speed slider's start (max: as fast as the front end allows)
  bool stats = false;           // print frame times and the guest's speed at the end
  u64 max_instructions = 0;     // the run's budget (0: none)
  int width = 1280;
  int height = 800;
  std::string tab = "exits";      // the inspector tab shown first: exits, page-walk, console
  std::string walk_address;       // the page-walk panel's address ("" = the last fault's CR2)
  const std::string* com1 = nullptr;  // what the guest wrote to COM1 so far, for the console
  TypedInput* com1_input = nullptr;   // where the console's input line sends bytes
  std::vector<ScriptCommand> script;  // headless: run before the final frames (script.h)
  std::string script_file;            // its name, for the lines it prints on stderr
  std::vector<ElfSymbol> symbols;     // the kernel's, for labels in the disassembly
  // Start the guest again: a new Machine, built and started as the first was, in the same
  // place (std::optional<Machine>::emplace), so that references to it stay valid. The
  // exits tab uses it to show the state at an earlier exit by deterministic re-execution.
  // Empty: going back is not offered.
  std::function<void()> restart;
  // Run the same guest to its end in every mode this version runs (in parallel threads,
  // away from the window's Machine) for the Counters panel's comparison. Empty: not offered.
  std::function<Comparison()> compare_modes;
};

// Open the visualizer on `machine`. Returns the process status: 0 when the window was
// closed (or its frames were drawn), 1 when SDL could not start (one line on stderr says
// why). With options.stats, one line of frame times and guest speed goes to stdout.
int run_gui(Machine& machine, const std::string& title, const GuiOptions& options);

}  // namespace vmlab::gui
