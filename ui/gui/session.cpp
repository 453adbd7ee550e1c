#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>

#include "core/compare_report.h"
#include "devices/typed_input.h"
#include "modes/exit.h"
#include "modes/monitor.h"

namespace vmlab::gui {

constexpr size_t kEventHistory = 4096;  // events kept for the Exits tab

// Runs of at most this many instructions (Step, slow motion) note the monitor's steps.
constexpr u64 kNotedRun = 1000;

// Every panel is a fixed window: the layout is the same on every run and every screen.
bool begin_panel(const char* name, float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_Always);
  return ImGui::Begin(name, nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
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

bool Session::needs_single_steps() const { return !breakpoints.empty(); }

std::optional<std::string> Session::check_stops() {
  if (breakpoints.count(linear_eip())) return fmt::format("breakpoint at {:#010x}", linear_eip());
  return std::nullopt;
}

void Session::tell(std::string line) { message = std::move(line); }

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

// A halted guest waiting for typed input: not an end. Running goes on polling (the next
// frame runs again); a step or a run-to stops here and says why.
bool Session::waiting(const RunResult& r) {
  if (r.kind != RunResult::Kind::Waiting) return false;
  if (!running) tell("the guest is halted, waiting for input: type in the console tab");
  return true;
}

void Session::advance(u64 instructions) {
  if (ended) return;
  remember_registers();
  note_handling(instructions <= kNotedRun || needs_single_steps());
  if (needs_single_steps()) {
    // One instruction at a time, so that the run stops on the instruction itself.
    for (u64 i = 0; i < instructions && !ended; ++i) {
      if (budget_left() == 0) break;
      RunResult r = machine.run(1);
      if (waiting(r)) return;
      if (r.kind != RunResult::Kind::BudgetExhausted) {
        ended = r;
        running = false;
        return;
      }
      if (std::optional<std::string> why = check_stops()) {
        tell("paused: " + *why);
        running = false;
        return;
      }
    }
    if (budget_left() != 0) return;
  }
  u64 n = std::min(instructions, budget_left());
  if (n == 0) {
    RunResult r;
    r.kind = RunResult::Kind::BudgetExhausted;
    r.message = fmt::format("instruction budget of {} exhausted", options.max_instructions);
    ended = r;
    running = false;
    return;
  }
  RunResult r = machine.run(n);
  if (waiting(r)) return;
  if (r.kind != RunResult::Kind::BudgetExhausted) {
    ended = r;
    running = false;
  }
}

bool Session::run_to_next_exit(const std::string& category, u64 limit) {
  Monitor* monitor = machine.monitor();
  if (!monitor || ended) return false;  // native: no exits to stop at
  remember_registers();
  note_handling(true);
  const u64 start = machine.counters().instructions;
  for (;;) {
    u64 used = machine.counters().instructions - start;
    u64 n = std::min(limit - std::min(limit, used), budget_left());
    if (n == 0) return false;
    RunResult r = machine.run(n, true);
    if (waiting(r)) return false;
    if (r.kind == RunResult::Kind::ExitHandled) {
      if (category.empty() || category_name(monitor->last_exit().category) == category) return true;
      continue;
    }
    if (r.kind != RunResult::Kind::BudgetExhausted) {
      ended = r;
      running = false;
    }
    return false;
  }
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
