// Headless scripts: what a person does in the window, as lines of text, for tests and
// for documentation screenshots (`vmlab gui --headless --script FILE`).
//
//   # comment
//   step [N]                 the Step button, N times (default 1)
//   step-over                the Step over button, carried out to the end
//   step-out                 the Step out button, carried out to the end
//   run N                    run N guest instructions (Run, then Pause)
//   run-to [KIND] [LIMIT]    the "Run to next" button: KIND is "exit" (any), an exit
//                            category (hidden-page-fault, io, ...), reason:NAME (an exit
//                            reason as the Exits tab names it, reason:tae.port-io),
//                            page-fault, interrupt or port-write; LIMIT the most
//                            instructions to try (default 1,000,000)
//   speed N|1/N|max          the speed slider: N instructions per frame, one every N
//                            frames, or the top speed
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
//                            disassembly, or its "break at" field)
//   follow HEX|eip           start the disassembly at HEX (a followed jump), or at EIP
//   watch [SPACE] HEX|SYMBOL [SIZE]
//                            toggle a watchpoint on SIZE bytes (1, 2 or 4; default 4) at
//                            an address in SPACE (guest-virtual, the default;
//                            guest-physical; host-physical) or a kernel symbol (the
//                            memory tab's Watch button): Run and Step pause when the
//                            value changes
//   registers cpu|segments   the Registers panel's tab
//   sort-exits COLUMN [ascending|descending]
//                            sort the Exits tab (a click on a header): COLUMN is number,
//                            time, reason, category, qualification, eip or cost
//   filter-exits [TEXT]      the Exits tab's text filter over reason and category
//                            (ImGuiTextFilter: "a,b" either, "-a" not); none clears it
//   filter-exits-category CATEGORY|all
//                            list one exit category only, or all of them
//   select-exit N|none       select exit N (1 is the run's first: a click on its row)
//   click X Y [left|right]   a mouse click at window pixel (X, Y): press, release, as
//                            a person clicks (tests of the buttons themselves)
//   frame [N]                draw N frames (default 1)
//   screenshot FILE.png      write the last frame
//   print                    one line of state on stdout (for tests)
//
// What the window would show in the Control panel's message line (a goal reached, a
// limit run out, a refused kind, a pending breakpoint) is printed on stderr, one line
// naming the script's line.
#pragma once
#include <string>
#include <vector>

#include "core/types.h"

namespace vmlab::gui {

struct ScriptCommand {
  std::string verb;
  std::string text;  // tab name, address or symbol, category, filter, column, file
  u64 number = 0;    // count, limit, size, exit number; sort-exits: 0 default, 1 ascending, 2 descending
  int line = 0;
};

// The inspector's tabs by the names --tab and `tab` take.
bool is_tab_name(const std::string& name);
constexpr const char* kTabNameList = "disassembly, exits, handling, page-walk, memory or console";

// Parse a script; throws UserError naming the file and line for anything it does not know.
std::vector<ScriptCommand> parse_script(const std::string& text, const std::string& file_name);
std::vector<ScriptCommand> load_script(const std::string& path);

}  // namespace vmlab::gui
