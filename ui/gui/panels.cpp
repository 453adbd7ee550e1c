#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/compare_report.h"
#include "cpu/disassembler.h"
#include "devices/vga_text.h"
#include "mmu/walk_view.h"
#include "modes/address_views.h"
#include "modes/cpu_state_view.h"
#include "modes/exit.h"
#include "modes/monitor.h"

namespace vmlab::gui {
namespace {

// Every panel is a fixed window: the layout is the same on every run and every screen.
bool begin_panel(const char* name, float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_Always);
  return ImGui::Begin(name, nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
}

}  // namespace

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

void Session::advance(u64 instructions) {
  if (ended) return;
  remember_registers();
  if (!breakpoints.empty()) {
    // One instruction at a time, so that the run stops on the breakpoint itself.
    for (u64 i = 0; i < instructions && !ended; ++i) {
      if (budget_left() == 0) break;
      RunResult r = machine.run(1);
      if (r.kind != RunResult::Kind::BudgetExhausted) {
        ended = r;
        running = false;
        return;
      }
      if (breakpoints.count(linear_eip())) {
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

void draw_control(Session& s, float x, float y, float w, float h) {
  if (begin_panel("Control", x, y, w, h)) {
    const Counters& c = s.machine.counters();
    bool can_run = !s.ended;
    if (ImGui::Button(s.running ? "Pause" : "Run") && can_run) s.running = !s.running;
    ImGui::SameLine();
    if (ImGui::Button("Step") && can_run) {
      s.running = false;
      s.advance(1);
    }
    ImGui::SameLine();
    if (ImGui::Button("Run to next") && can_run) {
      s.running = false;
      s.run_to_next_exit(s.run_to_category ? std::string(category_name(ExitCategory(s.run_to_category - 1))) : "",
                         1'000'000);
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(200);
    std::string preview = s.run_to_category ? std::string(category_name(ExitCategory(s.run_to_category - 1))) : "exit";
    if (ImGui::BeginCombo("##kind", preview.c_str())) {
      for (int k = 0; k <= int(ExitCategory::kCount); ++k) {
        std::string label = k ? std::string(category_name(ExitCategory(k - 1))) : "exit";
        if (ImGui::Selectable(label.c_str(), k == s.run_to_category)) s.run_to_category = k;
      }
      ImGui::EndCombo();
    }
    Monitor* monitor = s.machine.monitor();
    ImGui::Text("%s   mode %s", s.title.c_str(),
                monitor ? to_string(monitor->spec()).c_str() : "cpu=none,mmu=none,io=emulated");
    ImGui::Text("instructions %s   cycles %s   exits %s", with_thousands(c.instructions).c_str(),
                with_thousands(c.cycles).c_str(), with_thousands(c.exits).c_str());
    if (s.ended) {
      std::string why = s.ended->message.empty() ? fmt::format("exit port value {:#x}", s.ended->exit_value)
                                                 : s.ended->message;
      ImGui::TextWrapped("guest stopped: %s", why.c_str());
    } else {
      ImGui::TextUnformatted(s.running ? "running" : "paused");
    }
  }
  ImGui::End();
}

void draw_registers(Session& s, float x, float y, float w, float h) {
  if (begin_panel("Registers", x, y, w, h)) {
    Monitor* monitor = s.machine.monitor();
    const VirtualCpu* vcpu = monitor ? &monitor->vcpu() : nullptr;
    int columns = vcpu ? 3 : 2;
    if (ImGui::BeginTable("registers", columns, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
      ImGui::TableSetupColumn("");
      ImGui::TableSetupColumn("real CPU");
      if (vcpu) ImGui::TableSetupColumn("guest's virtual CPU");
      ImGui::TableHeadersRow();
      // A value that differs from before the last step or run is drawn in yellow.
      std::vector<CpuStateRow> rows = cpu_state_rows(s.machine.cpu(), vcpu);
      const ImVec4 changed(1.0f, 0.85f, 0.2f, 1.0f);
      auto cell = [&](const std::string& text, bool differs) {
        if (differs) ImGui::TextColored(changed, "%s", text.c_str());
        else ImGui::TextUnformatted(text.c_str());
      };
      for (size_t i = 0; i < rows.size(); ++i) {
        const CpuStateRow& row = rows[i];
        bool known = i < s.before.size() && s.before[i].name == row.name;
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(row.name.c_str());
        ImGui::TableSetColumnIndex(1);
        cell(row.real, known && s.before[i].real != row.real);
        if (vcpu) {
          ImGui::TableSetColumnIndex(2);
          cell(row.guest, known && s.before[i].guest != row.guest);
        }
      }
      ImGui::EndTable();
    }
  }
  ImGui::End();
}

namespace {

// The code from EIP on: a click on a line toggles a breakpoint there.
void disassembly_tab(Session& s) {
  constexpr int kLines = 28;
  const Cpu& cpu = s.machine.cpu();
  auto translate = [&s](u32 linear, u32& physical) { return s.translate(linear, physical); };
  ImGui::Text("CS:EIP %04x:%08x   %zu breakpoint(s): click a line to toggle one", cpu.seg(CS).selector, cpu.eip(),
              s.breakpoints.size());
  if (ImGui::BeginTable("disassembly", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
    for (const char* name : {"", "address", "symbol", "bytes", "instruction"}) ImGui::TableSetupColumn(name);
    ImGui::TableHeadersRow();
    u32 at = s.linear_eip();
    for (int line = 0; line < kLines; ++line) {
      Disassembly d = disassemble_linear(cpu, at, cpu.code32(), translate);
      bool is_eip = line == 0, is_break = s.breakpoints.count(at) != 0;
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      std::string marker = fmt::format("{}{}##{}", is_break ? "*" : " ", is_eip ? "=>" : "  ", at);
      if (ImGui::Selectable(marker.c_str(), is_eip, ImGuiSelectableFlags_SpanAllColumns)) {
        if (is_break) s.breakpoints.erase(at);
        else s.breakpoints.insert(at);
      }
      std::string cells[] = {fmt::format("{:08x}", at), symbolize(s.options.symbols, at), d.bytes, d.text};
      for (int col = 0; col < 4; ++col) {
        ImGui::TableSetColumnIndex(col + 1);
        ImGui::TextUnformatted(cells[col].c_str());
      }
      if (d.length == 0) break;  // unmapped or undecodable: nothing follows reliably
      at += d.length;
    }
    ImGui::EndTable();
  }
}

void exits_tab(Session& s) {
  std::vector<Event> exits;
  for (const Event& e : s.machine.events().history())
    if (e.kind == EventKind::Exit) exits.push_back(e);
  ImGui::Text("last %zu exits (newest first)", exits.size());
  if (ImGui::BeginTable("exits", 6, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const char* name : {"time", "reason", "category", "qualification", "EIP", "cost"}) ImGui::TableSetupColumn(name);
    ImGui::TableHeadersRow();
    for (auto it = exits.rbegin(); it != exits.rend(); ++it) {
      const Event& e = *it;
      std::string cells[] = {with_thousands(e.time), exit_reason_name(e.table, u16(e.a)),
                             std::string(category_name(ExitCategory(e.size_or_level))),
                             fmt::format("{:#x}", e.b), fmt::format("{:#010x}", e.c), with_thousands(e.d)};
      ImGui::TableNextRow();
      for (int col = 0; col < 6; ++col) {
        ImGui::TableSetColumnIndex(col);
        ImGui::TextUnformatted(cells[col].c_str());
      }
    }
    ImGui::EndTable();
  }
}

// One walk as a table: level, entry address, value, bits.
void walk_table(const char* id, const char* title, const WalkView& walk) {
  ImGui::TextUnformatted(title);
  if (ImGui::BeginTable(id, 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
    for (const char* name : {"level", "address", "value", "bits"}) ImGui::TableSetupColumn(name);
    ImGui::TableHeadersRow();
    for (const WalkStep& step : walk.steps) {
      std::string cells[] = {step.level, fmt::format("{:#010x}", step.address),
                             step.level == "frame" ? std::string() : fmt::format("{:#010x}", step.value), step.bits};
      ImGui::TableNextRow();
      for (int col = 0; col < 4; ++col) {
        ImGui::TableSetColumnIndex(col);
        ImGui::TextUnformatted(cells[col].c_str());
      }
    }
    ImGui::EndTable();
  }
}

// The walk for one address: under a monitor the guest's tables (its virtual CR3) and the
// shadow tables the hardware walks (the real CR3), one above the other.
void page_walk_tab(Session& s) {
  if (!s.options.walk_address.empty() && s.walk_follows_cr2 && !s.walk_address[0]) {
    std::snprintf(s.walk_address, sizeof s.walk_address, "%08lx", std::strtoul(s.options.walk_address.c_str(), nullptr, 16));
    s.walk_follows_cr2 = false;
  }
  if (s.walk_follows_cr2) std::snprintf(s.walk_address, sizeof s.walk_address, "%08x", s.last_fault_address());
  ImGui::SetNextItemWidth(120);
  if (ImGui::InputText("linear address (hex)", s.walk_address, sizeof s.walk_address,
                       ImGuiInputTextFlags_CharsHexadecimal))
    s.walk_follows_cr2 = false;
  ImGui::SameLine();
  if (ImGui::Button("follow the last page fault")) s.walk_follows_cr2 = true;
  Walks walks = walks_for(s, u32(std::strtoul(s.walk_address, nullptr, 16)));
  bool monitored = s.machine.monitor() != nullptr;
  if (monitored && walks.guest)
    walk_table("guest", "guest tables (the guest's CR3: guest-virtual to guest-physical)", *walks.guest);
  else if (monitored)
    ImGui::TextUnformatted("guest paging is off: guest-physical = guest-virtual");
  ImGui::Spacing();
  if (walks.real)
    walk_table("real", monitored ? "shadow tables (the real CR3: guest-virtual to host-physical, what the hardware walks)"
                                 : "page tables (CR3)",
               *walks.real);
  else
    ImGui::TextUnformatted("paging is off: physical = linear");
}

// One address in the guest-virtual, guest-physical and host-physical spaces, and the
// bytes there (read from host memory; nothing is written or faulted).
void memory_tab(Session& s) {
  if (!s.memory_address[0])
    std::snprintf(s.memory_address, sizeof s.memory_address, "%08x",
                  s.machine.cpu().seg(SS).base + s.machine.cpu().reg(ESP));
  static const char* kSpaces[] = {"guest-virtual", "guest-physical", "host-physical"};
  ImGui::SetNextItemWidth(160);
  ImGui::Combo("##space", &s.memory_space, kSpaces, 3);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(120);
  ImGui::InputText("address (hex)", s.memory_address, sizeof s.memory_address, ImGuiInputTextFlags_CharsHexadecimal);
  u32 address = u32(std::strtoul(s.memory_address, nullptr, 16));
  AddressViews v = resolve_address(s.machine, AddressSpace(s.memory_space), address);
  auto show = [](const std::optional<u32>& a) { return a ? fmt::format("{:#010x}", *a) : std::string("-"); };
  ImGui::Text("guest-virtual %s   guest-physical %s   host-physical %s", show(v.guest_virtual).c_str(),
              show(v.guest_physical).c_str(), show(v.host_physical).c_str());
  if (!v.note.empty()) ImGui::TextWrapped("%s", v.note.c_str());
  if (!v.host_physical) return;
  const PhysicalMemory& memory = s.machine.memory();
  u32 base = *v.host_physical & ~0xFu;
  for (u32 row = 0; row < 16; ++row) {
    std::string line = fmt::format("{:08x} ", base + row * 16);
    for (u32 i = 0; i < 16; ++i) {
      u32 at = base + row * 16 + i;
      line += memory.contains(at, 1) ? fmt::format(" {:02x}", memory.data()[at]) : std::string(" --");
    }
    ImGui::TextUnformatted(line.c_str());
  }
}

void console_tab(Session& s) {
  ImGui::TextUnformatted("COM1");
  ImGui::BeginChild("com1", ImVec2(0, ImGui::GetContentRegionAvail().y * 0.5f), true);
  if (s.options.com1) {
    const std::string& text = *s.options.com1;
    size_t from = text.size() > 16384 ? text.size() - 16384 : 0;  // the tail: what fits on screen
    ImGui::TextUnformatted(text.data() + from, text.data() + text.size());
    ImGui::SetScrollHereY(1.0f);
  }
  ImGui::EndChild();
  ImGui::TextUnformatted("VGA text screen");
  ImGui::BeginChild("vga", ImVec2(0, 0), true);
  std::string screen = s.machine.platform().vga().screen_dump();
  ImGui::TextUnformatted(screen.c_str());
  ImGui::EndChild();
}

}  // namespace

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

void draw_inspector(Session& s, float x, float y, float w, float h) {
  if (begin_panel("Inspector", x, y, w, h) && ImGui::BeginTabBar("inspector")) {
    struct Tab {
      const char* key;
      const char* label;
      void (*draw)(Session&);
    };
    static constexpr Tab kTabs[] = {{"disassembly", "Disassembly", disassembly_tab},
                                    {"exits", "Exits", exits_tab},
                                    {"page-walk", "Page walk", page_walk_tab},
                                    {"memory", "Memory", memory_tab},
                                    {"console", "Console", console_tab}};
    // A tab chosen from outside (--tab, a script) is selected until it is the one drawn:
    // a tab bar takes a frame to switch.
    for (const Tab& tab : kTabs) {
      bool wanted = !s.tab_chosen && s.options.tab == tab.key;
      if (ImGui::BeginTabItem(tab.label, nullptr, wanted ? ImGuiTabItemFlags_SetSelected : 0)) {
        if (wanted) s.tab_chosen = true;
        tab.draw(s);
        ImGui::EndTabItem();
      }
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
}

void draw_counters(Session& s, float x, float y, float w, float h) {
  if (begin_panel("Counters", x, y, w, h)) {
    const Counters& c = s.machine.counters();
    if (ImGui::BeginTable("counters", 2, ImGuiTableFlags_RowBg)) {
      auto row = [](const std::string& name, u64 value) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(name.c_str());
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(with_thousands(value).c_str());
      };
      row("instructions", c.instructions);
      row("cycles", c.cycles);
      row("exits", c.exits);
      for (const auto& [name, count] : c.exits_by_category) row("  " + name, count);
      row("shadow hidden faults", c.shadow_hidden_faults);
      row("shadow true faults", c.shadow_true_faults);
      row("shadow traced writes", c.shadow_traced_writes);
      row("page faults", c.page_faults);
      row("TLB misses", c.tlb_misses);
      ImGui::EndTable();
    }
    // Where the cycles went: frequency x price for every cost-model parameter charged.
    ImGui::Spacing();
    ImGui::TextUnformatted("cycles by event kind (count x price = cycles)");
    if (ImGui::BeginTable("costs", 2, ImGuiTableFlags_RowBg)) {
      const VirtualClock& clock = s.machine.clock();
      auto line = [](const std::string& name, const std::string& value) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(name.c_str());
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(value.c_str());
      };
      line("instructions x CPI", fmt::format("{} x {} = {}", with_thousands(c.instructions), clock.cpi(),
                                            with_thousands(c.instructions * clock.cpi())));
      for (size_t k = 0; k < kCostKeyCount; ++k) {
        if (!c.priced[k]) continue;
        u64 price = clock.price(CostKey(k));
        line(std::string(kCostParams[k].key),
             fmt::format("{} x {} = {}", with_thousands(c.priced[k]), with_thousands(price), with_thousands(c.priced[k] * price)));
      }
      if (c.halted_cycles) line("halted", with_thousands(c.halted_cycles));
      ImGui::EndTable();
    }
  }
  ImGui::End();
}

}  // namespace vmlab::gui
