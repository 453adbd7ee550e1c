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
//   tab disassembly|exits|page-walk|memory|console
//   memory SPACE HEX         the memory tab's address in guest-virtual, guest-physical
//                            or host-physical
//   walk HEX|follow          the page-walk tab's address, or follow the last page fault
//   break HEX                toggle a breakpoint at a linear address (a click in the
//                            disassembly, or its "break at" field)
//   follow HEX|eip           start the disassembly at HEX (a followed jump), or at EIP
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
  std::string text;  // tab name, walk address, category, screenshot file
  u64 number = 0;    // count or limit
  int line = 0;
};

// Parse a script; throws UserError naming the file and line for anything it does not know.
std::vector<ScriptCommand> parse_script(const std::string& text, const std::string& file_name);
std::vector<ScriptCommand> load_script(const std::string& path);

}  // namespace vmlab::gui
