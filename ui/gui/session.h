// The Session: what the visualizer's panels share (the machine, the inspector's inputs,
// the breakpoints) and the run controls their buttons and the headless scripts call
// (session.cpp). The controls only run the machine; gui.cpp decides how many
// instructions a frame may run, so host time never reaches the guest from here.
#pragma once
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/compare_report.h"
#include "core/machine.h"
#include "mmu/walk_view.h"
#include "modes/address_views.h"
#include "modes/cpu_state_view.h"
#include "ui/gui/goal.h"
#include "ui/gui/gui.h"
#include "ui/gui/run_to_kind.h"
#include "ui/gui/speed.h"

namespace vmlab::gui {

// A watched value (the memory tab, the script's `watch`): at a guest-virtual address, or
// at a guest-physical or host-physical one (what DMA or the monitor writes too).
struct Watchpoint {
  AddressSpace space = AddressSpace::GuestVirtual;
  u32 address = 0;
  u32 size = 4;                     // bytes: 1, 2 or 4
  std::optional<GuestValue> last;   // the value when last read, and where; nullopt while unmapped
};

// The memory tab's hex dump: 16 rows of 16 bytes from a 16-byte boundary.
constexpr u32 kMemoryDumpBytes = 256;

// The bytes the memory tab showed before the last step or run.
struct MemorySnapshot {
  u32 base = 0;                     // host-physical, 16-byte aligned
  std::vector<u8> bytes;
};

// The Exits tab's columns, in order; its sort key is one of them.
enum class ExitColumn : int { Number, Time, Reason, Category, Qualification, Eip, Cost, kCount };
const char* exit_column_name(ExitColumn column);  // "time", "eip", ... (script names)

// How the Exits tab lists the exit log: its sort, its filters and the chosen row.
struct ExitsView {
  ExitColumn sort_column = ExitColumn::Time;
  bool descending = true;           // newest first
  bool sort_from_outside = false;   // a script set the sort: the table takes it when drawn
  char filter[64] = {};             // ImGuiTextFilter syntax over "reason category"
  int category = 0;                 // 0 = every category, else ExitCategory + 1
  bool reveal_selected = false;     // scroll the chosen row into view when next drawn
};

// "0xc019cfa8" for a guest-virtual watchpoint, "guest-physical 0x0019cfa8" otherwise.
std::string watch_name(const Watchpoint& w);

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
  std::string registers_tab = "cpu";  // the Registers panel's tab: cpu or segments
  bool registers_tab_chosen = false;  // the panel selected registers_tab
  std::optional<MemorySnapshot> memory_before;  // the memory tab's bytes before the last step or run
  int watch_size = 4;              // the memory tab's choice for a new watchpoint
  std::map<u64, Watchpoint> watchpoints;  // by space << 32 | address
  ExitsView exits;
  // The last kExitLog exits (Exit events), oldest first. The Exits tab keeps its own log
  // because the event history holds every kind of event.
  static constexpr size_t kExitLog = 4096;
  std::deque<Event> exit_log;
  // The exit chosen in the Exits tab (or by `select-exit`), by ordinal: 1 is the run's
  // first exit, Counters::exits its latest.
  std::optional<u64> selected_exit;
  char typed[128] = {};            // the console tab's input line

  // CS.base + EIP: where the guest is, as breakpoints name it.
  u32 linear_eip() const;
  // Guest-virtual to guest-physical as the guest sees it (its own tables under a monitor).
  bool translate(u32 linear, u32& physical) const;

  // Remember the registers, so that the next frame can highlight what changed.
  void remember_registers();
  // Remember the bytes the memory tab shows (once its address is set), for the same.
  void remember_memory();
  // Where the memory tab's address is in the three spaces (the tab's field as typed).
  AddressViews memory_views() const;
  // Set a watchpoint on `size` bytes at `address` in `space`, or remove the one there of
  // that size. An address with no RAM behind it now is refused with a message.
  void toggle_watch(u32 address, u32 size, AddressSpace space = AddressSpace::GuestVirtual);
  // Choose exit `ordinal` (see selected_exit); one that does not exist is refused with a
  // message.
  void select_exit(u64 ordinal);
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
  // The page-walk tab on `linear` (a right-click on a disassembly line, the memory tab's
  // "page walk" button): the address under the cursor, walked.
  void show_walk(u32 linear);
  // Start the disassembly at `linear` (a followed jump), or nullopt: at EIP again.
  void follow(std::optional<u32> linear);

  // Settings a Machine needs for the GUI (event history, shadow-entry origins, the
  // event subscription): at the start and after every restart.
  void prepare_machine();
  // Go back (or forward) to the moment exit `ordinal` (1 = the run's first) had just been
  // handled: the guest is started again and re-executed deterministically to it, with
  // its handling noted, and stepping goes on from there. False (with a message) when
  // the guest ends or waits for input before it, or going back is not available.
  bool go_to_exit(u64 ordinal);

  // The monitor's handling of the last exit, step by step (modes/handling_log.h). The
  // monitor notes steps only while the session steps (Step, small runs, Run to next
  // exit): at full speed formatting them would cost more than the handling.
  size_t handling_shown = 0;   // steps of the last exit shown so far (the tab's "Next step")
  u64 handling_exit = 0;       // the exit those steps belong to (Counters::exits then)
  bool monitor_stepping = true;  // after an exit, the steps appear one at a time
  void next_handling_step(size_t n);
  // A new exit since the steps were last shown: start again from its trap (or show all).
  void sync_handling();

  // The Counters panel's comparison of modes: the guest run to its end in every mode in
  // a thread (the window stays live), then drawn as bars on one scale.
  std::future<Comparison> comparing;
  std::optional<Comparison> comparison;
  bool show_comparison = false;  // select the Counters panel's comparison tab (scripts)
  void start_comparison();
  // Collect the comparison when it is ready (or, with `wait`, when it is done).
  void collect_comparison(bool wait);

  // The address the page-walk tab shows while following: the last page-fault exit's
  // address (hidden, true or traced), else the guest's CR2.
  u32 last_fault_address() const;
  u64 budget_left() const;

 private:
  bool needs_single_steps() const;
  void note_handling(bool on);
  bool goal_waits_for_exits() const;
  void run_single_steps(u64 instructions);
  void run_fast(u64 instructions);
  bool finished(const RunResult& r);
  bool check_stops();
  void stop(std::string why);
  void on_event(const Event& e);
  int m_subscription = 0;
  bool m_waiting = false;  // the last run ended waiting for typed input
};

// The walks the page-walk tab draws for `linear`: the guest's own (under a monitor, when
// its paging is on) and the one the hardware does with the real CR3 (when paging is on).
struct Walks {
  std::optional<WalkView> guest;
  std::optional<WalkView> real;
};
Walks walks_for(const Session& s, u32 linear);

}  // namespace vmlab::gui
