#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <cstdlib>

#include "cpu/disassembler.h"

namespace vmlab::gui {
namespace {

constexpr int kLines = 28;
constexpr size_t kBefore = 6;  // lines above EIP

// "break at": a typed address toggles a breakpoint there (one that does not map yet is
// set pending; Session::toggle_breakpoint says which).
void draw_break_at(Session& s) {
  ImGui::SetNextItemWidth(110);
  bool entered = ImGui::InputTextWithHint("##break", "hex address", s.break_address, sizeof s.break_address,
                                          ImGuiInputTextFlags_CharsHexadecimal | ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if (ImGui::Button("break at") || entered) {
    char* end = nullptr;
    unsigned long at = std::strtoul(s.break_address, &end, 16);
    if (end == s.break_address || *end != '\0' || at > 0xFFFFFFFFul)
      s.tell(fmt::format("break at: '{}' is not a hexadecimal linear address, e.g. c0100000", s.break_address));
    else
      s.toggle_breakpoint(u32(at));
  }
}

// Where the listing starts: at EIP, or at a followed jump's target with a way back.
void draw_header(Session& s) {
  const Cpu& cpu = s.machine.cpu();
  ImGui::Text("CS:EIP %04x:%08x   %zu breakpoint(s): click a line to toggle one, right-click to walk it", cpu.seg(CS).selector, cpu.eip(),
              s.breakpoints.size());
  draw_break_at(s);
  if (s.listing_start) {
    ImGui::SameLine();
    ImGui::Text("   listing from %08x", *s.listing_start);
    ImGui::SameLine();
    if (ImGui::SmallButton("back to EIP")) s.follow(std::nullopt);
  }
}

// One line: the marker (click: breakpoint), address, symbol, bytes, text, and for a
// direct branch a button that moves the listing to its target.
void draw_line(Session& s, u32 at, const Disassembly& d) {
  bool is_eip = at == s.linear_eip(), is_break = s.breakpoints.count(at) != 0;
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  std::string marker = fmt::format("{}{}##{}", is_break ? "*" : " ", is_eip ? "=>" : "  ", at);
  // AllowItemOverlap: the follow button on the same row still gets its clicks.
  ImGuiSelectableFlags flags = ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap;
  if (ImGui::Selectable(marker.c_str(), is_eip, flags)) s.toggle_breakpoint(at);
  if (ImGui::IsItemHovered() && ImGui::IsMouseClicked(ImGuiMouseButton_Right)) s.show_walk(at);
  std::string cells[] = {fmt::format("{:08x}", at), symbolize(s.options.symbols, at), d.bytes, d.text};
  for (int col = 0; col < 4; ++col) {
    ImGui::TableSetColumnIndex(col + 1);
    ImGui::TextUnformatted(cells[col].c_str());
  }
  std::optional<CodeAt> code = d.length ? code_at(s, at) : std::nullopt;
  std::optional<u32> target = code ? direct_target(s, *code) : std::nullopt;
  if (target) {
    ImGui::TableSetColumnIndex(5);
    std::string follow = fmt::format("-> {:08x}##follow{}", *target, at);
    if (ImGui::SmallButton(follow.c_str())) s.follow(*target);
  }
}

}  // namespace

// The code around EIP (or from a followed jump's target): a click on a line toggles a
// breakpoint there.
void disassembly_tab(Session& s) {
  const Cpu& cpu = s.machine.cpu();
  auto translate = [&s](u32 linear, u32& physical) { return s.translate(linear, physical); };
  draw_header(s);
  if (ImGui::BeginTable("disassembly", 6, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, 40);
    for (const char* name : {"address", "symbol", "bytes", "instruction"}) ImGui::TableSetupColumn(name);
    ImGui::TableSetupColumn("follow", ImGuiTableColumnFlags_WidthFixed, 100);
    ImGui::TableHeadersRow();
    // Around EIP: a few instructions before it, then EIP and what follows; a followed
    // jump lists from its target.
    std::vector<u32> before = s.listing_start ? std::vector<u32>() : instructions_before(s, s.linear_eip(), kBefore);
    for (u32 start : before) draw_line(s, start, disassemble_linear(cpu, start, cpu.code32(), translate));
    u32 at = s.listing_start.value_or(s.linear_eip());
    for (int line = int(before.size()); line < kLines; ++line) {
      Disassembly d = disassemble_linear(cpu, at, cpu.code32(), translate);
      draw_line(s, at, d);
      if (d.length == 0) break;  // unmapped or undecodable: nothing follows reliably
      at += d.length;
    }
    ImGui::EndTable();
  }
}

}  // namespace vmlab::gui
