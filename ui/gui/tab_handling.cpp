#include <fmt/format.h>
#include <imgui.h>

#include "core/compare_report.h"
#include "modes/exit.h"
#include "modes/monitor.h"
#include "ui/gui/panels.h"

namespace vmlab::gui {
namespace {

// Each phase of a handling in its own colour, so that the walk, the shadow writes and
// the accounting stand apart when read top to bottom.
ImVec4 phase_colour(const std::string& phase) {
  if (phase == "trap") return ImVec4(1.0f, 0.55f, 0.45f, 1.0f);
  if (phase == "guest" || phase == "memslot") return ImVec4(0.55f, 0.8f, 1.0f, 1.0f);
  if (phase == "shadow") return ImVec4(0.75f, 0.65f, 1.0f, 1.0f);
  if (phase == "verdict" || phase == "classify") return ImVec4(1.0f, 0.85f, 0.2f, 1.0f);
  if (phase == "stop") return ImVec4(1.0f, 0.3f, 0.3f, 1.0f);
  return ImVec4(0.75f, 0.9f, 0.6f, 1.0f);
}

}  // namespace

// The monitor's handling of the last exit, one step at a time: what the hardware
// delivered, what the monitor read and wrote, how it classified and accounted the exit,
// and how the guest goes on.
void handling_tab(Session& s) {
  Monitor* monitor = s.machine.monitor();
  if (!monitor) {
    ImGui::TextWrapped("Native mode: no monitor, so no exits to handle. Start the guest with --mode tae-shadow.");
    return;
  }
  s.sync_handling();
  const Counters& c = s.machine.counters();
  const std::vector<HandlingStep>& steps = monitor->handling_log().steps();
  if (c.exits == 0 || steps.empty()) {
    ImGui::TextWrapped(c.exits == 0 ? "No exit yet: use Run to next, or Step until the guest traps."
                                    : "The last exit happened during a run at full speed, when the monitor does not "
                                      "note its steps. Use Run to next or Step to stop at an exit and follow its "
                                      "handling here.");
    return;
  }
  const Exit& e = monitor->last_exit();
  ImGui::Text("exit #%s  %s (%s)  qualification %#x  EIP %#010x  cost %s cycles", with_thousands(c.exits).c_str(),
              exit_reason_name(u8(monitor->spec().cpu), e.reason).c_str(),
              std::string(category_name(e.category)).c_str(), e.qualification, e.guest_eip,
              with_thousands(e.cost).c_str());
  if (ImGui::Button("Next step")) s.next_handling_step(1);
  ImGui::SameLine();
  if (ImGui::Button("All steps")) s.next_handling_step(steps.size());
  ImGui::SameLine();
  if (ImGui::Button("From the trap")) s.handling_shown = 1;
  ImGui::SameLine();
  ImGui::Checkbox("one step at a time after each exit", &s.monitor_stepping);
  ImGui::Text("step %zu of %zu", s.handling_shown, steps.size());
  if (ImGui::BeginTable("handling", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                          ImGuiTableFlags_ScrollY)) {
    ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed, 24);
    ImGui::TableSetupColumn("phase", ImGuiTableColumnFlags_WidthFixed, 64);
    ImGui::TableSetupColumn("what the monitor did");
    ImGui::TableHeadersRow();
    for (size_t i = 0; i < s.handling_shown && i < steps.size(); ++i) {
      ImGui::TableNextRow();
      if (i + 1 == s.handling_shown)  // the step just taken
        ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, ImGui::GetColorU32(ImVec4(0.3f, 0.3f, 0.1f, 1.0f)));
      ImGui::TableSetColumnIndex(0);
      ImGui::Text("%zu", i + 1);
      ImGui::TableSetColumnIndex(1);
      ImGui::TextColored(phase_colour(steps[i].phase), "%s", steps[i].phase.c_str());
      ImGui::TableSetColumnIndex(2);
      ImGui::TextWrapped("%s", steps[i].text.c_str());
    }
    ImGui::EndTable();
  }
}

}  // namespace vmlab::gui
