#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include "devices/typed_input.h"
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
  if (s.options.com1_input) {
    // Enter sends the line and a carriage return, as a terminal does.
    ImGui::SetNextItemWidth(-160);
    bool sent = ImGui::InputText("##typed", s.typed, sizeof s.typed, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    sent |= ImGui::Button("Send to COM1");
    if (sent) {
      s.options.com1_input->type(std::string(s.typed) + "\r");
      s.typed[0] = 0;
    }
    ImGui::SameLine();
    ImGui::Text("%zu waiting", s.options.com1_input->pending());
  }
  ImGui::TextUnformatted("VGA text screen");
  ImGui::BeginChild("vga", ImVec2(0, 0), true);
  std::string screen = s.machine.platform().vga().screen_dump();
  ImGui::TextUnformatted(screen.c_str());
  ImGui::EndChild();
}

}  // namespace vmlab::gui
