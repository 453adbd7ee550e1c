// The visualizer's panels and the state they share. Each panel is one function that
// draws one fixed-position ImGui window (panel_*.cpp); the inspector's tabs are one
// function each (tab_*.cpp); gui.cpp calls the panels once per frame. The Session
// (session.cpp) holds what the panels share and the run controls the buttons call.
#pragma once
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/machine.h"
#include "mmu/walk_view.h"
#include "modes/address_views.h"
#include "modes/cpu_state_view.h"
#include "ui/gui/gui.h"

namespace vmlab::gui {

// A watched guest-virtual value (the memory tab, the script's `watch`).
struct Watchpoint {
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

struct Session {
  // Subscribes to the machine's events for the exit log, until destroyed.
  Session(Machine& m, GuiOptions o, std::string t);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

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
  std::string registers_tab = "cpu";  // the Registers panel's tab: cpu or segments
  bool registers_tab_chosen = false;  // the panel selected registers_tab
  int memory_space = 0;            // the memory tab's AddressSpace
  char memory_address[16] = {};    // and its address field ("" = the guest's ESP)
  std::optional<MemorySnapshot> memory_before;  // its bytes before the last step or run
  int watch_size = 4;              // the memory tab's choice for a new watchpoint
  std::map<u32, Watchpoint> watchpoints;  // by guest-virtual address
  ExitsView exits;
  // The last kExitLog exits (Exit events), oldest first. The Exits tab keeps its own log
  // because the event history holds every kind of event, and single-stepping (with a
  // breakpoint or watchpoint set) adds one RunEnd per instruction to it.
  static constexpr size_t kExitLog = 4096;
  std::deque<Event> exit_log;
  int exit_subscription = 0;
  // The exit chosen in the Exits tab (or by `select-exit`), by ordinal: 1 is the run's
  // first exit, Counters::exits its latest. Views of the machine at that exit read it.
  std::optional<u64> selected_exit;

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
  // Checks made after every instruction while one is armed (breakpoints, watchpoints;
  // more kinds add themselves here): every one that fires is named and the run pauses.
  bool needs_single_steps() const;
  std::optional<std::string> check_stops();
  // Set a watchpoint on `size` bytes at guest-virtual `address`, or remove the one there
  // of that size. An address the guest's tables do not map is refused with a message.
  void toggle_watch(u32 address, u32 size);
  // Choose exit `ordinal` (see selected_exit); one that does not exist is refused with a
  // message.
  void select_exit(u64 ordinal);
  // One line in the Control panel: why the run paused, or what was wrong with an input.
  // Bad input in the window is reported here, never by a crash or a dialog.
  std::string message;
  void tell(std::string line);

  bool waiting(const RunResult& r);
  char typed[128] = {};            // the console tab's input line

  // Run up to `instructions` more guest instructions (within the run's budget); records
  // how the run ended, if it did.
  void advance(u64 instructions);
  // Run until the next exit of `category` ("" for any exit), or `limit` instructions:
  // the monitor's next intercept of that kind. Returns whether one came.
  bool run_to_next_exit(const std::string& category, u64 limit);
  int run_to_category = 0;         // the Control panel's choice: 0 = any exit
  // The address the page-walk tab shows while following: the last page-fault exit's
  // address (hidden, true or traced), else the guest's CR2.
  u32 last_fault_address() const;
  u64 budget_left() const;

  // The monitor's handling of the last exit, step by step (modes/handling_log.h). The
  // monitor notes steps only while the session steps (Step, small runs, Run to next
  // exit): at full speed formatting them would cost more than the handling.
  void note_handling(bool on);
  size_t handling_shown = 0;   // steps of the last exit shown so far (the tab's "Next step")
  u64 handling_exit = 0;       // the exit those steps belong to (Counters::exits then)
  // The steps shown grow one at a time after an exit until the student asks for all.
  bool monitor_stepping = true;
  void next_handling_step(size_t n);
  // Go back (or forward) to the moment exit `ordinal` (1 = the run's first) had just been
  // handled: the guest is started again and re-executed deterministically to it, with
  // its handling noted, and stepping goes on from there. False (with a message) when
  // the guest ends before it or going back is not available.
  bool go_to_exit(u64 ordinal);
  // Settings a Machine needs for the GUI (event history, shadow-entry origins): at the
  // start and after every restart.
  void prepare_machine();

  // The Counters panel's comparison of modes: the guest run to its end in every mode in
  // a thread (the window stays live), then drawn as bars on one scale.
  std::future<Comparison> comparing;
  std::optional<Comparison> comparison;
  void start_comparison();
  // Collect the comparison when it is ready (or, with `wait`, when it is done).
  void collect_comparison(bool wait);
  bool show_comparison = false;  // select the Counters panel's comparison tab (scripts)

  // A new exit since the steps were last shown: start again from its trap (or show all).
  void sync_handling();
};

// The walks the page-walk tab draws for `linear`: the guest's own (under a monitor, when
// its paging is on) and the one the hardware does with the real CR3 (when paging is on).
struct Walks {
  std::optional<WalkView> guest;
  std::optional<WalkView> real;
};
Walks walks_for(const Session& s, u32 linear);

// Carry out a script command that changes what the panels show (tab, walk, memory,
// break, watch, registers, sort-exits, filter-exits, filter-exits-category,
// select-exit) as the window's controls would. Returns false for any other verb.
bool apply_view_command(Session& s, const ScriptCommand& c);

// One exit of the exit log and its ordinal (see Session::selected_exit).
struct ExitRow {
  u64 ordinal = 0;
  Event event;  // EventKind::Exit
};
// Every exit in the Session's exit log, oldest first.
std::vector<ExitRow> exit_history(const Session& s);
// The rows the Exits tab lists: `history` filtered and sorted as s.exits says.
std::vector<ExitRow> listed_exits(const Session& s, const std::vector<ExitRow>& history);

// Begin a panel: a window at a fixed place and size (the same layout on every run; no
// imgui.ini). End it with ImGui::End() whatever this returns.
bool begin_panel(const char* name, float x, float y, float w, float h);

// The window layout: fixed rectangles in a width x height display (1.86 has no docking).
void draw_control(Session& s, float x, float y, float w, float h);
void draw_registers(Session& s, float x, float y, float w, float h);
// The inspector: one window with a tab each for the disassembly, the exits, the page walk
// and the console.
void draw_inspector(Session& s, float x, float y, float w, float h);
void draw_counters(Session& s, float x, float y, float w, float h);

// The Registers panel's tabs.
void cpu_registers_tab(Session& s);
void segments_tab(Session& s);
// Above the exits table: the exit log over virtual time, one tick per exit.
void exits_timeline(Session& s, const std::vector<ExitRow>& history, const std::vector<ExitRow>& listed);
// The colour of an exit category there and in the table (an ImU32: IM_COL32's packing).
unsigned category_colour(int category);

// The inspector's tabs, drawn inside its tab bar.
void disassembly_tab(Session& s);
void exits_tab(Session& s);
void handling_tab(Session& s);
void page_walk_tab(Session& s);
void memory_tab(Session& s);
void console_tab(Session& s);

}  // namespace vmlab::gui
