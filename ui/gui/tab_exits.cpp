#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include "core/compare_report.h"
#include "modes/exit.h"

namespace vmlab::gui {

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

}  // namespace vmlab::gui
