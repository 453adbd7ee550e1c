#include "ui/gui/goal.h"

#include <fmt/format.h>

#include "core/compare_report.h"
#include "modes/monitor.h"
#include "ui/gui/session.h"

namespace vmlab::gui {
namespace {

u32 esp(const Session& s) { return s.machine.cpu().reg(ESP); }
u8 cpl(const Session& s) { return s.machine.cpu().cpl(); }

Goal frame_goal(const Session& s, Goal::Kind kind, u64 limit) {
  Goal g;
  g.kind = kind;
  g.start_instructions = s.machine.counters().instructions;
  g.limit = limit;
  g.start_esp = esp(s);
  g.start_cpl = cpl(s);
  return g;
}

std::string after(const Goal& g, const Session& s) {
  return with_thousands(s.machine.counters().instructions - g.start_instructions);
}

// A return popped the stack at its own privilege level, or went to an outer one; an
// exception or interrupt taken instead (the return faulted) pushes, or goes inward.
bool returned(const Goal& g, const Session& s) {
  return g.at_return && (cpl(s) > g.cpl_before || (cpl(s) == g.cpl_before && esp(s) > g.esp_before));
}

std::optional<std::string> next_event_line(Goal& g, const Session& s) {
  const Counters& c = s.machine.counters();
  Monitor* monitor = s.machine.monitor();
  if (!g.event.is_exit(monitor)) {
    u64 now = g.event.count(c);
    if (now == g.start_count) return std::nullopt;
    return fmt::format("run to next {}: {} -> {} after {} instructions", g.event.name(), with_thousands(g.start_count),
                       with_thousands(now), after(g, s));
  }
  if (!monitor || c.exits == g.seen_exits) return std::nullopt;
  g.seen_exits = c.exits;
  const Exit& e = monitor->last_exit();
  u8 strategy = u8(monitor->spec().cpu);
  if (!g.event.matches(e, strategy)) return std::nullopt;
  return fmt::format("run to next {}: {} at EIP {:#010x} after {} instructions", g.event.name(),
                     exit_reason_name(strategy, e.reason), e.guest_eip, after(g, s));
}

std::optional<std::string> reached_line(Goal& g, const Session& s) {
  switch (g.kind) {
    case Goal::Kind::ReturnTo:
      if (s.linear_eip() != g.target || esp(s) < g.start_esp) return std::nullopt;
      return fmt::format("step over: at {:#010x} after {} instructions", g.target, after(g, s));
    case Goal::Kind::StepOut:
      if (!returned(g, s)) return std::nullopt;
      return fmt::format("step out: returned to {:#010x} after {} instructions", s.linear_eip(), after(g, s));
    case Goal::Kind::NextEvent: return next_event_line(g, s);
  }
  return std::nullopt;
}

std::string limit_line(const Goal& g) {
  std::string limit = with_thousands(g.limit);
  switch (g.kind) {
    case Goal::Kind::ReturnTo:
      return fmt::format("step over: not back at {:#010x} within {} instructions; stopped here", g.target, limit);
    case Goal::Kind::StepOut:
      return fmt::format("step out: no return from this frame within {} instructions; stopped here", limit);
    case Goal::Kind::NextEvent:
      return fmt::format("run to next {}: none within {} instructions; stopped here", g.event.name(), limit);
  }
  return "";
}

}  // namespace

std::string Goal::name() const {
  switch (kind) {
    case Kind::ReturnTo: return "step over";
    case Kind::StepOut: return "step out";
    case Kind::NextEvent: return "run to next " + event.name();
  }
  return "";
}

Goal return_to_goal(const Session& s, const CodeAt& stepped_over, u64 limit) {
  Goal g = frame_goal(s, Goal::Kind::ReturnTo, limit);
  g.target = stepped_over.next;
  return g;
}

Goal step_out_goal(const Session& s, u64 limit) { return frame_goal(s, Goal::Kind::StepOut, limit); }

Goal next_event_goal(const Session& s, const RunToKind& event, u64 limit) {
  Goal g;
  g.kind = Goal::Kind::NextEvent;
  g.start_instructions = s.machine.counters().instructions;
  g.limit = limit;
  g.event = event;
  g.start_count = event.count(s.machine.counters());
  g.seen_exits = s.machine.counters().exits;
  return g;
}

bool needs_single_steps(const Goal& goal) { return goal.kind != Goal::Kind::NextEvent; }

void before_instruction(Goal& g, const Session& s) {
  if (g.kind != Goal::Kind::StepOut) return;
  g.esp_before = esp(s);
  g.cpl_before = cpl(s);
  // Only an instruction of the starting frame (same ring, stack not deeper) can return
  // from it: callees run below start_esp, so most instructions are not even decoded.
  g.at_return = false;
  if (g.cpl_before != g.start_cpl || g.esp_before < g.start_esp) return;
  std::optional<CodeAt> code = code_at(s, s.linear_eip());
  g.at_return = code && is_return(code->insn);
}

std::optional<std::string> check_goal(Goal& g, const Session& s) {
  if (std::optional<std::string> line = reached_line(g, s)) return line;
  if (s.machine.counters().instructions - g.start_instructions >= g.limit) return limit_line(g);
  return std::nullopt;
}

}  // namespace vmlab::gui
