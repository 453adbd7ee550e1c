#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cstdlib>

#include "modes/exit.h"
#include "modes/monitor.h"

namespace vmlab::gui {

// Every panel is a fixed window: the layout is the same on every run and every screen.
bool begin_panel(const char* name, float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_Always);
  return ImGui::Begin(name, nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
}

Session::Session(Machine& m, GuiOptions o, std::string t) : machine(m), options(std::move(o)), title(std::move(t)) {
  exit_subscription = machine.events().subscribe([this](const Event& e) {
    if (e.kind != EventKind::Exit) return;
    if (exit_log.size() == kExitLog) exit_log.pop_front();
    exit_log.push_back(e);
  });
}

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

void Session::advance(u64 instructions) {
  if (ended) return;
  remember_registers();
  remember_memory();
  changed_watchpoints(*this);  // the values now are what the checks compare with
  if (needs_single_steps()) {
    // One instruction at a time, so that the run stops on the instruction itself.
    for (u64 i = 0; i < instructions && !ended; ++i) {
      if (budget_left() == 0) break;
      RunResult r = machine.run(1);
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
  if (r.kind != RunResult::Kind::BudgetExhausted) {
    ended = r;
    running = false;
  }
}

bool Session::run_to_next_exit(const std::string& category, u64 limit) {
  Monitor* monitor = machine.monitor();
  if (!monitor || ended) return false;  // native: no exits to stop at
  remember_registers();
  remember_memory();
  const u64 start = machine.counters().instructions;
  for (;;) {
    u64 used = machine.counters().instructions - start;
    u64 n = std::min(limit - std::min(limit, used), budget_left());
    if (n == 0) return false;
    RunResult r = machine.run(n, true);
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
