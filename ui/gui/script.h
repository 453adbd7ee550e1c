// Headless scripts: what a person does in the window, as lines of text, for tests and
// for documentation screenshots (`vmlab gui --headless --script FILE`).
//
//   # comment
//   step [N]                 the Step button, N times (default 1)
//   run N                    run N guest instructions (Run, then Pause)
//   run-to [KIND] [LIMIT]    the "Run to next" button: KIND is an exit category
//                            (hidden-page-fault, io, ...) or "exit" (any), LIMIT the most
//                            instructions to try (default 1,000,000)
//   tab disassembly|exits|handling|page-walk|memory|console
//   compare                  the Counters panel's "Run this guest in every mode", waited
//                            for; one `compare mode=...` line per mode on stdout
//   type TEXT                the console's input line: TEXT and a carriage return to COM1
//   goto-exit N              the state when exit N (1 = the first) had just been handled,
//                            by re-executing the guest from its start
//   monitor-step [N|all]     the Exit handling tab's "Next step" (N times) or "All steps"
//   memory SPACE HEX         the memory tab's address in guest-virtual, guest-physical
//                            or host-physical
//   walk HEX|follow          the page-walk tab's address, or follow the last page fault
//   break HEX                toggle a breakpoint at a linear address (a click in the
//                            disassembly)
//   frame [N]                draw N frames (default 1)
//   screenshot FILE.png      write the last frame
//   print                    one line of state on stdout (for tests)
#pragma once
#include <string>
#include <vector>

#include "core/types.h"

namespace vmlab::gui {

struct ScriptCommand {
  std::string verb;
  std::string text;  // tab name, walk address, category, screenshot file
  u64 number = 0;    // count or limit
  int line = 0;
};

// The inspector's tabs by the names --tab and `tab` take.
bool is_tab_name(const std::string& name);
constexpr const char* kTabNameList = "disassembly, exits, handling, page-walk, memory or console";

// Parse a script; throws UserError naming the file and line for anything it does not know.
std::vector<ScriptCommand> parse_script(const std::string& text, const std::string& file_name);
std::vector<ScriptCommand> load_script(const std::string& path);

}  // namespace vmlab::gui
