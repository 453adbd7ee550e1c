#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include "core/compare_report.h"
#include "modes/exit.h"
#include "modes/monitor.h"

namespace vmlab::gui {

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
    if (!s.message.empty()) ImGui::TextWrapped("%s", s.message.c_str());
  }
  ImGui::End();
}

}  // namespace vmlab::gui
