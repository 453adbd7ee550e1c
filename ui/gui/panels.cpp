#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <vector>

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

std::string with_commas(u64 v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

u64 Session::budget_left() const {
  if (!options.max_instructions) return ~0ull;
  u64 used = machine.counters().instructions;
  return used >= options.max_instructions ? 0 : options.max_instructions - used;
}

void Session::advance(u64 instructions) {
  if (ended) return;
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

void Session::run_to_next_exit(u64 limit) {
  const u64 exits = machine.counters().exits;
  for (u64 i = 0; i < limit && !ended && machine.counters().exits == exits; ++i) advance(1);
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
    if (ImGui::Button("Run to next exit") && can_run) {
      s.running = false;
      s.run_to_next_exit(100'000);
    }
    Monitor* monitor = s.machine.monitor();
    ImGui::Text("%s   mode %s", s.title.c_str(),
                monitor ? to_string(monitor->spec()).c_str() : "cpu=none,mmu=none,io=emulated");
    ImGui::Text("instructions %s   cycles %s   exits %s", with_commas(c.instructions).c_str(),
                with_commas(c.cycles).c_str(), with_commas(c.exits).c_str());
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
      for (const CpuStateRow& row : cpu_state_rows(s.machine.cpu(), vcpu)) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(row.name.c_str());
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(row.real.c_str());
        if (vcpu) {
          ImGui::TableSetColumnIndex(2);
          ImGui::TextUnformatted(row.guest.c_str());
        }
      }
      ImGui::EndTable();
    }
  }
  ImGui::End();
}

void draw_exits(Session& s, float x, float y, float w, float h) {
  if (begin_panel("Exits", x, y, w, h)) {
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
        std::string cells[] = {with_commas(e.time), exit_reason_name(e.table, u16(e.a)),
                               std::string(category_name(ExitCategory(e.size_or_level))),
                               fmt::format("{:#x}", e.b), fmt::format("{:#010x}", e.c), with_commas(e.d)};
        ImGui::TableNextRow();
        for (int col = 0; col < 6; ++col) {
          ImGui::TableSetColumnIndex(col);
          ImGui::TextUnformatted(cells[col].c_str());
        }
      }
      ImGui::EndTable();
    }
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
        ImGui::TextUnformatted(with_commas(value).c_str());
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
  }
  ImGui::End();
}

}  // namespace vmlab::gui
