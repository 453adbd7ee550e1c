#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include "modes/cpu_state_view.h"
#include "modes/monitor.h"

namespace vmlab::gui {

// The rows of modes/cpu_state_view, as `vmlab run --state` prints them.
void cpu_registers_tab(Session& s) {
  Monitor* monitor = s.machine.monitor();
  const VirtualCpu* vcpu = monitor ? &monitor->vcpu() : nullptr;
  int columns = vcpu ? 3 : 2;
  if (!ImGui::BeginTable("registers", columns, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) return;
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

void draw_registers(Session& s, float x, float y, float w, float h) {
  if (begin_panel("Registers", x, y, w, h) && ImGui::BeginTabBar("registers")) {
    struct Tab {
      const char* key;
      const char* label;
      void (*draw)(Session&);
    };
    static constexpr Tab kTabs[] = {{"cpu", "CPU", cpu_registers_tab}, {"segments", "Segments", segments_tab}};
    // As in the inspector: a tab chosen by a script is selected until it is drawn.
    for (const Tab& tab : kTabs) {
      bool wanted = !s.registers_tab_chosen && s.registers_tab == tab.key;
      if (ImGui::BeginTabItem(tab.label, nullptr, wanted ? ImGuiTabItemFlags_SetSelected : 0)) {
        if (wanted) s.registers_tab_chosen = true;
        tab.draw(s);
        ImGui::EndTabItem();
      }
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
}

}  // namespace vmlab::gui
