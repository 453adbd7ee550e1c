#include "ui/gui/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/compare_report.h"
#include "devices/typed_input.h"
#include "modes/exit.h"
#include "modes/monitor.h"
#include "ui/gui/panels.h"

namespace vmlab::gui {

constexpr size_t kEventHistory = 4096;  // events kept for the trace-like views

// Runs of at most this many instructions (Step, slow motion) note the monitor's steps.
constexpr u64 kNotedRun = 1000;

Session::Session(Machine& m, GuiOptions o, std::string t)
    : machine(m), options(std::move(o)), title(std::move(t)), speed(options.speed) {}

Session::~Session() { machine.events().unsubscribe(m_subscription); }

// One subscription does two things. Run to next of a kind that is counted rather than an
// exit (a port write, an interrupt, a page fault natively) learns of it here: the
// subscriber asks the machine to pause right after it, so the guest runs at full speed
// until then. And the Exits tab's log keeps every exit (the event history also holds
// every other kind of event).
void Session::on_event(const Event& e) {
  if (e.kind == EventKind::Exit) {
    if (exit_log.size() == kExitLog) exit_log.pop_front();
    exit_log.push_back(e);
  }
  if (goal && goal->kind == Goal::Kind::NextEvent && !goal->event.is_exit(machine.monitor()) &&
      goal->event.count(machine.counters()) != goal->start_count)
    machine.request_pause();
}

u64 Session::budget_left() const {
  if (!options.max_instructions) return ~0ull;
  u64 used = machine.counters().instructions;
  return used >= options.max_instructions ? 0 : options.max_instructions - used;
}

u32 Session::linear_eip() const { return machine.cpu().seg(CS).base + machine.cpu().eip(); }

bool Session::translate(u32 linear, u32& physical) const {
  if (Monitor* monitor = machine.monitor()) return monitor->translate_guest(linear, physical);
  return machine.cpu().debug_translate(linear, physical);
}

void Session::remember_registers() {
  Monitor* monitor = machine.monitor();
  before = cpu_state_rows(machine.cpu(), monitor ? &monitor->vcpu() : nullptr);
}

AddressViews Session::memory_views() const {
  return resolve_address(machine, AddressSpace(memory_space), u32(std::strtoul(memory_address, nullptr, 16)));
}

// Only once the tab has chosen its address: before that there is nothing on screen to
// compare with, and picking the address here would freeze the tab's default (ESP) at
// the moment of the first step instead of the moment the tab is opened.
void Session::remember_memory() {
  memory_before.reset();
  if (!memory_address[0]) return;
  AddressViews v = memory_views();
  if (!v.host_physical) return;
  MemorySnapshot snap{*v.host_physical & ~0xFu, std::vector<u8>(kMemoryDumpBytes)};
  const PhysicalMemory& memory = machine.memory();
  for (u32 i = 0; i < kMemoryDumpBytes; ++i)
    if (memory.contains(snap.base + i, 1)) snap.bytes[i] = memory.data()[snap.base + i];
  memory_before = std::move(snap);
}


namespace {

std::string hex_value(u32 value, u32 size) { return fmt::format("{:#0{}x}", value, 2 + 2 * size); }

// Read every watchpoint again and name those whose value changed. A value is compared
// only with the same guest-physical bytes: when the guest's tables stop mapping the
// address (or map it elsewhere, as another process's CR3 does), the watchpoint is
// skipped and whatever it maps to next is its new starting value, so that a change of
// address space is never reported as a write.
std::vector<std::string> changed_watchpoints(Session& s) {
  std::vector<std::string> changes;
  for (auto& [key, w] : s.watchpoints) {
    std::optional<GuestValue> now = read_value(s.machine, w.space, w.address, w.size);
    if (now && w.last && now->host_physical == w.last->host_physical && now->value != w.last->value)
      changes.push_back(fmt::format("watchpoint {} ({} byte{}): {} -> {} at EIP {:#010x}", watch_name(w), w.size,
                                    w.size == 1 ? "" : "s", hex_value(w.last->value, w.size),
                                    hex_value(now->value, w.size), s.linear_eip()));
    w.last = now;
  }
  return changes;
}

}  // namespace

std::string watch_name(const Watchpoint& w) {
  return w.space == AddressSpace::GuestVirtual
             ? fmt::format("{:#010x}", w.address)
             : fmt::format("{} {:#010x}", address_space_name(w.space), w.address);
}

void Session::toggle_watch(u32 address, u32 size, AddressSpace space) {
  u64 key = u64(space) << 32 | address;
  auto it = watchpoints.find(key);
  if (it != watchpoints.end() && it->second.size == size) {
    watchpoints.erase(it);
    return;
  }
  std::optional<GuestValue> now = read_value(machine, space, address, size);
  if (!now) {
    tell(space == AddressSpace::GuestVirtual
             ? fmt::format("cannot watch {:#010x}: the guest's page tables do not map it to RAM", address)
             : fmt::format("cannot watch {} {:#010x}: there is no RAM there", address_space_name(space), address));
    return;
  }
  watchpoints[key] = Watchpoint{space, address, size, now};
}

void Session::select_exit(u64 ordinal) {
  u64 total = machine.counters().exits;
  if (ordinal == 0 || ordinal > total) {
    tell(fmt::format("there is no exit {}: the run has had {} exit{} so far", ordinal, total, total == 1 ? "" : "s"));
    return;
  }
  selected_exit = ordinal;
  exits.reveal_selected = true;
  std::vector<ExitRow> history = exit_history(*this);
  if (history.empty() || ordinal < history.front().ordinal)
    tell(fmt::format("exit {} is older than the last {} exits, which the Exits tab keeps", ordinal, history.size()));
}


void Session::note_handling(bool on) {
  if (Monitor* monitor = machine.monitor()) {
    if (monitor->handling_log().enabled() != on) monitor->handling_log().set_enabled(on);
  }
}

void Session::next_handling_step(size_t n) {
  Monitor* monitor = machine.monitor();
  size_t total = monitor ? monitor->handling_log().steps().size() : 0;
  handling_shown = n >= total - std::min(total, handling_shown) ? total : handling_shown + n;
}

void Session::prepare_machine() {
  machine.events().set_history_capacity(kEventHistory);
  // The Exits tab's own log: single steps fill the event history with run ends.
  exit_log.clear();
  // A restarted Machine has a new event stream: the old subscription went with the old one.
  m_subscription = machine.events().subscribe([this](const Event& e) { on_event(e); });
  // Which fault filled each shadow entry, for the page-walk tab: a map insert per fill.
  if (Monitor* monitor = machine.monitor()) monitor->handling_log().set_keeps_origins(true);
}

bool Session::go_to_exit(u64 ordinal) {
  if (!options.restart) {
    tell("going back to an earlier exit is not available here");
    return false;
  }
  if (!machine.monitor() || ordinal == 0) {
    tell(machine.monitor() ? "exits are numbered from 1" : "native mode has no exits to go to");
    return false;
  }
  options.restart();  // a new Machine in the same place: the guest at its first instruction
  prepare_machine();
  ended.reset();
  running = false;
  goal.reset();
  handling_exit = 0;
  before.clear();
  // Quietly to just before the exit, then with the monitor noting its steps: the same
  // guest in the same mode takes the same path, exit for exit.
  const Counters& c = machine.counters();
  int waits = 0;  // consecutive input waits: 10 s of virtual time with no exit ends the search
  for (bool noting : {false, true}) {
    note_handling(noting);
    while (c.exits + (noting ? 0 : 1) < ordinal) {
      RunResult r = machine.run(budget_left() == ~0ull ? 0 : budget_left(), true);
      if (r.kind == RunResult::Kind::ExitHandled) waits = 0;
      if (r.kind == RunResult::Kind::ExitHandled || (r.kind == RunResult::Kind::Waiting && ++waits < 1000)) continue;
      if (r.kind == RunResult::Kind::Waiting) {
        tell(fmt::format("the guest waits for input after {} exits, before exit #{}", with_thousands(c.exits),
                         with_thousands(ordinal)));
        return false;
      }
      ended = r;
      tell(fmt::format("the guest ended after {} exits, before exit #{}: {}", with_thousands(c.exits),
                       with_thousands(ordinal), r.message.empty() ? "it wrote to the exit port" : r.message));
      return false;
    }
  }
  if (options.com1_input) options.com1_input->end_replay();  // the timeline forks here
  tell(fmt::format("re-executed the guest from its start to exit #{} ({} instructions)", with_thousands(c.exits),
                   with_thousands(c.instructions)));
  return true;
}

void Session::start_comparison() {
  if (!options.compare_modes) {
    tell("comparing modes is not available here");
    return;
  }
  if (comparing.valid()) return;  // one at a time
  comparison.reset();
  comparing = std::async(std::launch::async, options.compare_modes);
}

void Session::collect_comparison(bool wait) {
  if (!comparing.valid()) return;
  if (!wait && comparing.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  try {
    comparison = comparing.get();
  } catch (const std::exception& e) {
    tell(std::string("comparing modes failed: ") + e.what());
  }
}

void Session::sync_handling() {
  Monitor* monitor = machine.monitor();
  if (!monitor || machine.counters().exits == handling_exit) return;
  handling_exit = machine.counters().exits;
  size_t total = monitor->handling_log().steps().size();
  handling_shown = monitor_stepping ? std::min<size_t>(total, 1) : total;
}

void Session::tell(std::string line) {
  message = std::move(line);
  ++message_count;
}

// Breakpoints and Step over/out are conditions on EIP: the machine runs one
// instruction at a time so that the run stops on the instruction itself.
bool Session::needs_single_steps() const {
  return !breakpoints.empty() || !watchpoints.empty() || (goal && gui::needs_single_steps(*goal));
}

bool Session::goal_waits_for_exits() const {
  return goal && goal->kind == Goal::Kind::NextEvent && goal->event.is_exit(machine.monitor());
}

void Session::stop(std::string why) {
  tell(std::move(why));
  running = false;
  goal.reset();
}

// After an instruction, an exit or a pause: the goal first (a Step over that returns
// onto a breakpoint has done what was asked), then the breakpoints.
bool Session::check_stops() {
  // Every watchpoint is read on every check, even when something else stops the run: a
  // value left unread would be reported later with the wrong EIP.
  std::vector<std::string> why = changed_watchpoints(*this);
  if (goal) {
    if (std::optional<std::string> line = check_goal(*goal, *this)) {
      stop(*line);
      return true;
    }
  }
  if (breakpoints.count(linear_eip())) why.insert(why.begin(), fmt::format("breakpoint at {:#010x}", linear_eip()));
  if (why.empty()) return false;
  std::string line = "paused: " + why[0];
  for (size_t k = 1; k < why.size(); ++k) line += "; " + why[k];
  stop(line);
  return true;
}

// Whether the guest stopped for good; an exit or a pause the session asked for is not.
bool Session::finished(const RunResult& r) {
  switch (r.kind) {
    case RunResult::Kind::BudgetExhausted:
    case RunResult::Kind::ExitHandled:
    case RunResult::Kind::Paused: return false;
    case RunResult::Kind::Waiting:  // halted until typed input comes: the next frame polls again
      m_waiting = true;
      return false;
    default: break;
  }
  ended = r;
  running = false;
  goal.reset();
  return true;
}

void Session::run_single_steps(u64 instructions) {
  const Counters& c = machine.counters();
  const u64 stop_at = c.instructions + instructions;
  const bool exits = goal_waits_for_exits();
  while (c.instructions < stop_at) {
    if (goal) before_instruction(*goal, *this);
    if (finished(machine.step(exits)) || m_waiting || check_stops()) return;
  }
}

// Full speed, returning to look only at an exit (when the goal waits for one) or a
// pause the event subscriber asked for.
void Session::run_fast(u64 instructions) {
  const Counters& c = machine.counters();
  const u64 stop_at = c.instructions + instructions;
  const bool exits = goal_waits_for_exits();
  while (c.instructions < stop_at) {
    RunResult r = machine.run(stop_at - c.instructions, exits);
    if (finished(r) || m_waiting) return;
    if (r.kind == RunResult::Kind::BudgetExhausted) break;
    if (check_stops()) return;
  }
  check_stops();  // the goal's limit
}

void Session::advance(u64 instructions) {
  if (ended || instructions == 0) return;  // a slow-motion frame without an instruction keeps the highlights
  if (!goal) {  // a goal highlights what changed since it started
    remember_registers();
    remember_memory();
  }
  changed_watchpoints(*this);  // the values now are what the checks compare with
  listing_start.reset();       // the disassembly follows EIP again
  m_waiting = false;
  u64 goal_left = goal ? goal->limit - std::min(goal->limit, machine.counters().instructions - goal->start_instructions)
                       : ~0ull;
  u64 n = std::min({instructions, budget_left(), goal_left});
  if (n > 0) {
    note_handling(n <= kNotedRun || needs_single_steps() || goal_waits_for_exits());
    if (needs_single_steps()) run_single_steps(n);
    else run_fast(n);
    if (m_waiting && !running) tell("the guest is halted, waiting for input: type in the console tab");
  } else if (goal_left == 0) {
    check_stops();
  }
  if (!ended && budget_left() == 0) {
    RunResult r;
    r.kind = RunResult::Kind::BudgetExhausted;
    r.message = fmt::format("instruction budget of {} exhausted", options.max_instructions);
    finished(r);
  }
}

void Session::step() {
  goal.reset();
  running = false;
  advance(1);
}

void Session::step_over(u64 limit) {
  if (ended) return;
  std::optional<CodeAt> code = code_at(*this, linear_eip());
  if (!code || !is_stepped_over(code->insn)) {
    step();
    return;
  }
  remember_registers();
  goal = return_to_goal(*this, *code, limit);
  running = true;
}

void Session::step_out(u64 limit) {
  if (ended) return;
  remember_registers();
  goal = step_out_goal(*this, limit);
  running = true;
}

void Session::run_to(const RunToKind& kind, u64 limit) {
  if (ended) return;
  if (std::optional<std::string> why = run_to_refusal(kind, machine.monitor())) {
    tell(*why);  // nothing else changes: a run in progress goes on
    return;
  }
  remember_registers();
  goal = next_event_goal(*this, kind, limit);
  running = true;
}

void Session::run_or_pause() {
  if (running) {
    if (goal) tell(goal->name() + ": paused before it was reached");
    running = false;
    goal.reset();
  } else if (!ended) {
    running = true;
  }
}

void Session::finish_goal() {
  constexpr u64 kChunk = 1'000'000;
  while (goal && !ended) {
    advance(kChunk);
    if (m_waiting) stop(goal->name() + ": the guest is halted, waiting for input");
  }
}

u64 Session::frame_instructions(u64 top, u64 cap) {
  if (goal) return top;  // one action: it finishes as fast as the front end allows
  if (speed.every > 1) {
    if (++slow_frames < speed.every) return 0;
    slow_frames = 0;
    return 1;
  }
  return std::min(speed.per_frame ? speed.per_frame : top, cap);
}

void Session::toggle_breakpoint(u32 linear) {
  if (breakpoints.erase(linear)) {
    tell(fmt::format("breakpoint at {:#010x} cleared", linear));
    return;
  }
  breakpoints.insert(linear);
  u32 physical = 0;
  if (translate(linear, physical)) {
    tell(fmt::format("breakpoint at {:#010x} set", linear));
    return;
  }
  tell(fmt::format("breakpoint at {:#010x} is pending: the guest's page tables do not map it now; "
                   "Run stops there if EIP reaches it once mapped",
                   linear));
}

void Session::follow(std::optional<u32> linear) { listing_start = linear; }

void Session::show_walk(u32 linear) {
  walk_follows_cr2 = false;
  std::snprintf(walk_address, sizeof walk_address, "%08x", linear);
  options.tab = "page-walk";
  tab_chosen = false;
}

u32 Session::last_fault_address() const {
  if (Monitor* monitor = machine.monitor()) {
    const Exit& e = monitor->last_exit();
    if (e.category == ExitCategory::HiddenPageFault || e.category == ExitCategory::GuestPageFault ||
        e.category == ExitCategory::GuestPageTableWrite)
      return e.qualification;
    return monitor->vcpu().cr2;
  }
  return machine.cpu().cr2();
}

Walks walks_for(const Session& s, u32 linear) {
  Walks w;
  const Cpu& cpu = s.machine.cpu();
  if (Monitor* monitor = s.machine.monitor()) {
    const VirtualCpu& v = monitor->vcpu();
    if (v.cr0 & CR0_PG) {
      PagingControl guest{v.cr3, (v.cr4 & CR4_PSE) != 0, false, (v.cr0 & CR0_WP) != 0, PageTableKind::Guest,
                          s.machine.memory().guest_size()};
      w.guest = view_walk(s.machine.memory(), guest, linear);
    }
  }
  if (cpu.cr0() & CR0_PG) {
    PagingControl real{cpu.cr3(), (cpu.cr4() & CR4_PSE) != 0, (cpu.cr4() & CR4_PGE) != 0, (cpu.cr0() & CR0_WP) != 0};
    w.real = view_walk(s.machine.memory(), real, linear);
  }
  return w;
}

}  // namespace vmlab::gui
