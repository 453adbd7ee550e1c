#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

namespace vmlab::gui {

void draw_inspector(Session& s, float x, float y, float w, float h) {
  if (begin_panel("Inspector", x, y, w, h) && ImGui::BeginTabBar("inspector")) {
    struct Tab {
      const char* key;
      const char* label;
      void (*draw)(Session&);
    };
    static constexpr Tab kTabs[] = {{"disassembly", "Disassembly", disassembly_tab},
                                    {"exits", "Exits", exits_tab},
                                    {"handling", "Exit handling", handling_tab},
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

}  // namespace vmlab::gui
