#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include "devices/vga_text.h"

namespace vmlab::gui {

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

}  // namespace vmlab::gui
