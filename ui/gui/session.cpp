#include "ui/gui/session.h"

#include <fmt/format.h>

#include <algorithm>

#include "modes/exit.h"
#include "modes/monitor.h"

namespace vmlab::gui {

Session::Session(Machine& m, GuiOptions o, std::string t)
    : machine(m), options(std::move(o)), title(std::move(t)), speed(options.speed) {
  // Run to next of a kind that is counted rather than an exit (a port write, an
  // interrupt, a page fault natively) learns of it from the event stream: the subscriber
  // asks the machine to pause right after it, so the guest runs at full speed until then.
  m_subscription = machine.events().subscribe([this](const Event&) { on_event(); });
}

Session::~Session() { machine.events().unsubscribe(m_subscription); }

void Session::on_event() {
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

void Session::tell(std::string line) {
  message = std::move(line);
  ++message_count;
}

// Breakpoints and Step over/out are conditions on EIP: the machine runs one
// instruction at a time so that the run stops on the instruction itself.
bool Session::needs_single_steps() const { return !breakpoints.empty() || (goal && gui::needs_single_steps(*goal)); }

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
  if (goal) {
    if (std::optional<std::string> line = check_goal(*goal, *this)) {
      stop(*line);
      return true;
    }
  }
  if (breakpoints.count(linear_eip())) {
    stop(fmt::format("paused: breakpoint at {:#010x}", linear_eip()));
    return true;
  }
  return false;
}

// Whether the guest stopped for good; an exit or a pause the session asked for is not.
bool Session::finished(const RunResult& r) {
  switch (r.kind) {
    case RunResult::Kind::BudgetExhausted:
    case RunResult::Kind::ExitHandled:
    case RunResult::Kind::Paused: return false;
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
    if (finished(machine.step(exits)) || check_stops()) return;
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
    if (finished(r)) return;
    if (r.kind == RunResult::Kind::BudgetExhausted) break;
    if (check_stops()) return;
  }
  check_stops();  // the goal's limit
}

void Session::advance(u64 instructions) {
  if (ended || instructions == 0) return;  // a slow-motion frame without an instruction keeps the highlights
  if (!goal) remember_registers();  // a goal highlights what changed since it started
  listing_start.reset();            // the disassembly follows EIP again
  u64 goal_left = goal ? goal->limit - std::min(goal->limit, machine.counters().instructions - goal->start_instructions)
                       : ~0ull;
  u64 n = std::min({instructions, budget_left(), goal_left});
  if (n > 0) {
    if (needs_single_steps()) run_single_steps(n);
    else run_fast(n);
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
  while (goal && !ended) advance(kChunk);
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
