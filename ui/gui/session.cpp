#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

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

Session::Session(Machine& m, GuiOptions o, std::string t) : machine(m), options(std::move(o)), title(std::move(t)) {}

Session::~Session() { machine.events().unsubscribe(exit_subscription); }

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

bool Session::needs_single_steps() const { return !breakpoints.empty() || !watchpoints.empty(); }

namespace {

std::string hex_value(u32 value, u32 size) { return fmt::format("{:#0{}x}", value, 2 + 2 * size); }

// Read every watchpoint again and name those whose value changed. A value is compared
// only with the same guest-physical bytes: when the guest's tables stop mapping the
// address (or map it elsewhere, as another process's CR3 does), the watchpoint is
// skipped and whatever it maps to next is its new starting value, so that a change of
// address space is never reported as a write.
std::vector<std::string> changed_watchpoints(Session& s) {
  std::vector<std::string> changes;
  for (auto& [address, w] : s.watchpoints) {
    std::optional<GuestValue> now = read_guest_virtual(s.machine, address, w.size);
    if (now && w.last && now->guest_physical == w.last->guest_physical && now->value != w.last->value)
      changes.push_back(fmt::format("watchpoint {:#010x} ({} byte{}): {} -> {} at EIP {:#010x}", address, w.size,
                                    w.size == 1 ? "" : "s", hex_value(w.last->value, w.size),
                                    hex_value(now->value, w.size), s.linear_eip()));
    w.last = now;
  }
  return changes;
}

}  // namespace

std::optional<std::string> Session::check_stops() {
  // Every watchpoint is read on every check, even when a breakpoint fires too: a value
  // left unread would be reported later with the wrong EIP.
  std::vector<std::string> why = changed_watchpoints(*this);
  if (breakpoints.count(linear_eip())) why.insert(why.begin(), fmt::format("breakpoint at {:#010x}", linear_eip()));
  if (why.empty()) return std::nullopt;
  std::string line = why[0];
  for (size_t i = 1; i < why.size(); ++i) line += "; " + why[i];
  return line;
}

void Session::toggle_watch(u32 address, u32 size) {
  auto it = watchpoints.find(address);
  if (it != watchpoints.end() && it->second.size == size) {
    watchpoints.erase(it);
    return;
  }
  std::optional<GuestValue> now = read_guest_virtual(machine, address, size);
  if (!now) {
    tell(fmt::format("cannot watch {:#010x}: the guest's page tables do not map it to RAM", address));
    return;
  }
  watchpoints[address] = Watchpoint{size, now};
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
  // The Exits tab's own log: single steps fill the event history with run ends.
  exit_log.clear();
  exit_subscription = machine.events().subscribe([this](const Event& e) {
    if (e.kind != EventKind::Exit) return;
    if (exit_log.size() == kExitLog) exit_log.pop_front();
    exit_log.push_back(e);
  });
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
  remember_memory();
  changed_watchpoints(*this);  // the values now are what the checks compare with
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
  remember_memory();
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
