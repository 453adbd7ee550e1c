#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>

#include "core/compare_report.h"
#include "modes/exit.h"
#include "modes/monitor.h"

namespace vmlab::gui {
namespace {

// Run/Pause, Step, Step over, Step out: what a debugger's toolbar has.
void draw_buttons(Session& s) {
  if (ImGui::Button(s.running ? "Pause" : "Run")) s.run_or_pause();
  ImGui::SameLine();
  if (ImGui::Button("Step")) s.step();
  ImGui::SameLine();
  if (ImGui::Button("Step over")) s.step_over();
  ImGui::SameLine();
  if (ImGui::Button("Step out")) s.step_out();
}

// "Run to next" and the kind it waits for: any exit, a category, one of this mode's
// reasons, or an event that is not an exit.
void draw_run_to(Session& s) {
  std::vector<RunToKind> kinds = run_to_kinds(s.machine.monitor());
  s.run_to_choice = std::clamp(s.run_to_choice, 0, int(kinds.size()) - 1);
  if (ImGui::Button("Run to next")) s.run_to(kinds[size_t(s.run_to_choice)]);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(220);
  if (ImGui::BeginCombo("##kind", kinds[size_t(s.run_to_choice)].name().c_str())) {
    for (size_t k = 0; k < kinds.size(); ++k)
      if (ImGui::Selectable(kinds[k].name().c_str(), int(k) == s.run_to_choice)) s.run_to_choice = int(k);
    ImGui::EndCombo();
  }
}

// The speed slider, logarithmic from slow motion to max; it shows the speed in words.
void draw_speed(Session& s) {
  float position = slider_position(s.speed);
  std::string label = speed_label(s.speed);  // no '%' in it: ImGui reads it as a format
  ImGui::SetNextItemWidth(std::max(120.0f, ImGui::GetContentRegionAvail().x - 50));
  if (ImGui::SliderFloat("speed", &position, 0.0f, 1.0f, label.c_str(), ImGuiSliderFlags_NoInput)) {
    s.speed = speed_at(position);
    s.slow_frames = 0;
  }
}

void draw_status(Session& s) {
  const Counters& c = s.machine.counters();
  Monitor* monitor = s.machine.monitor();
  ImGui::Text("%s   mode %s", s.title.c_str(),
              monitor ? to_string(monitor->spec()).c_str() : "cpu=none,mmu=none,io=emulated");
  ImGui::Text("instructions %s   cycles %s   exits %s", with_thousands(c.instructions).c_str(),
              with_thousands(c.cycles).c_str(), with_thousands(c.exits).c_str());
  if (s.ended) {
    std::string why = s.ended->message.empty() ? fmt::format("exit port value {:#x}", s.ended->exit_value)
                                               : s.ended->message;
    ImGui::TextWrapped("guest stopped: %s", why.c_str());
  } else if (s.goal) {
    ImGui::Text("running: %s", s.goal->name().c_str());
  } else {
    ImGui::TextUnformatted(s.running ? "running" : "paused");
  }
  if (!s.message.empty()) ImGui::TextWrapped("%s", s.message.c_str());
}

}  // namespace

// Every panel is a fixed window: the layout is the same on every run and every screen.
bool begin_panel(const char* name, float x, float y, float w, float h) {
  ImGui::SetNextWindowPos(ImVec2(x, y), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(w, h), ImGuiCond_Always);
  return ImGui::Begin(name, nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
}

void draw_control(Session& s, float x, float y, float w, float h) {
  if (begin_panel("Control", x, y, w, h)) {
    draw_buttons(s);
    draw_run_to(s);
    draw_speed(s);
    draw_status(s);
  }
  ImGui::End();
}

}  // namespace vmlab::gui
