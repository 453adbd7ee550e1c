#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include "cpu/disassembler.h"

namespace vmlab::gui {

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

}  // namespace vmlab::gui
