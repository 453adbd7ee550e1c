// The Session: what the visualizer's panels share (the machine, the inspector's inputs,
// the breakpoints) and the run controls their buttons and the headless scripts call
// (session.cpp). The controls only run the machine; gui.cpp decides how many
// instructions a frame may run, so host time never reaches the guest from here.
#pragma once
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/machine.h"
#include "mmu/walk_view.h"
#include "modes/cpu_state_view.h"
#include "ui/gui/goal.h"
#include "ui/gui/gui.h"
#include "ui/gui/run_to_kind.h"
#include "ui/gui/speed.h"

namespace vmlab::gui {

struct Session {
  Session(Machine& m, GuiOptions o, std::string t);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The most instructions Step over, Step out and the Run-to button try before they
  // give up and say so.
  static constexpr u64 kGoalLimit = 100'000'000;

  Machine& machine;
  GuiOptions options;
  std::string title;
  bool running = false;
  std::optional<RunResult> ended;  // why the guest stopped for good (exit port, budget, ...)
  bool tab_chosen = false;         // the first frame selected options.tab
  char walk_address[16] = {};      // the page-walk panel's input field
  bool walk_follows_cr2 = true;    // the field tracks the last fault until the user types
  std::set<u32> breakpoints;       // linear addresses; Run and Step stop when EIP reaches one
  std::vector<CpuStateRow> before;  // the registers before the last step or run: changes are highlighted
  int memory_space = 0;            // the memory tab's AddressSpace
  char memory_address[16] = {};    // and its address field ("" = the guest's ESP)
  int run_to_choice = 0;           // the Control panel's "Run to next" kind: an index in run_to_kinds()
  Speed speed;                     // the speed slider
  std::optional<u32> listing_start;  // the disassembly starts here instead of at EIP (a followed jump)
  char break_address[16] = {};     // the disassembly's "break at" field
  std::optional<Goal> goal;        // a Step over, Step out or Run to next under way

  // CS.base + EIP: where the guest is, as breakpoints name it.
  u32 linear_eip() const;
  // Guest-virtual to guest-physical as the guest sees it (its own tables under a monitor).
  bool translate(u32 linear, u32& physical) const;

  // Remember the registers, so that the next frame can highlight what changed.
  void remember_registers();
  // One line in the Control panel: why the run paused, or what was wrong with an input.
  // Bad input in the window is reported here, never by a crash or a dialog. Scripts print
  // each new line on stderr (message_count tells them one came).
  std::string message;
  u64 message_count = 0;
  void tell(std::string line);

  // Run up to `instructions` more guest instructions (within the run's budget), stopping
  // early at a breakpoint, when the goal is reached or gives up, or when the guest ends.
  void advance(u64 instructions);
  // The buttons. Step: one instruction. Step over: across a CALL, INT or REP string
  // instruction to the one after it (else one step). Step out: until the current
  // function or handler has returned. Run to next: until `kind` comes, or `limit`
  // instructions. The last three arm a goal and start running; the frames (or
  // finish_goal) carry it out.
  void step();
  void step_over(u64 limit = kGoalLimit);
  void step_out(u64 limit = kGoalLimit);
  void run_to(const RunToKind& kind, u64 limit = kGoalLimit);
  void run_or_pause();
  // Headless: carry out the armed goal now, whatever the frames would do.
  void finish_goal();
  // How many instructions Run runs in this frame: slow motion runs one every few frames;
  // a goal runs at `top`, the front end's top speed; no frame runs more than `cap`.
  u64 frame_instructions(u64 top, u64 cap);
  u32 slow_frames = 0;  // frames since slow motion last ran an instruction

  // The disassembly's "break at" and a click on a line: set or clear a breakpoint. One
  // at an address the guest's tables do not map is set pending, and says so.
  void toggle_breakpoint(u32 linear);
  // Start the disassembly at `linear` (a followed jump), or nullopt: at EIP again.
  void follow(std::optional<u32> linear);

  // The address the page-walk tab shows while following: the last page-fault exit's
  // address (hidden, true or traced), else the guest's CR2.
  u32 last_fault_address() const;
  u64 budget_left() const;

 private:
  bool needs_single_steps() const;
  bool goal_waits_for_exits() const;
  void run_single_steps(u64 instructions);
  void run_fast(u64 instructions);
  bool finished(const RunResult& r);
  bool check_stops();
  void stop(std::string why);
  void on_event();
  int m_subscription = 0;
};

// The walks the page-walk tab draws for `linear`: the guest's own (under a monitor, when
// its paging is on) and the one the hardware does with the real CR3 (when paging is on).
struct Walks {
  std::optional<WalkView> guest;
  std::optional<WalkView> real;
};
Walks walks_for(const Session& s, u32 linear);

}  // namespace vmlab::gui
