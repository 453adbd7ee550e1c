#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include "modes/monitor.h"
#include "modes/segment_view.h"

namespace vmlab::gui {
namespace {

// Where the guest's descriptor says something else than the real cache: the monitor's
// doing (ring compression, limits cut below its hole), which this tab is here to show.
const ImVec4 kGuestDiffers(0.45f, 0.8f, 1.0f, 1.0f);

struct Cells {
  std::string selector, base, limit, type, attributes;
};

Cells cells_of(const SegmentCache& c) {
  return {fmt::format("{:#06x}", c.selector), fmt::format("{:#010x}", c.base), fmt::format("{:#010x}", c.limit),
          segment_type_name(c.access), segment_attributes(c.access, c.flags)};
}

void cell(int column, const std::string& text, bool differs) {
  ImGui::TableSetColumnIndex(column);
  if (differs) ImGui::TextColored(kGuestDiffers, "%s", text.c_str());
  else ImGui::TextUnformatted(text.c_str());
}

// One descriptor: selector, base and limit, then the type above the attributes. With
// `other`, a field that differs from it is coloured.
void descriptor_row(const char* name, const SegmentCache& c, const Cells* other) {
  Cells cells = cells_of(c);
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::TextUnformatted(name);
  cell(1, cells.selector, other && other->selector != cells.selector);
  cell(2, cells.base, other && other->base != cells.base);
  cell(3, cells.limit, other && other->limit != cells.limit);
  cell(4, cells.type, other && other->type != cells.type);
  ImGui::TableNextRow();
  cell(4, cells.attributes, other && other->attributes != cells.attributes);
}

void note_row(const std::string& note) {
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::TextDisabled("  guest");
  ImGui::TableSetColumnIndex(4);
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextDisabled("%s", note.c_str());
  ImGui::PopTextWrapPos();
}

}  // namespace

// The descriptor caches (modes/segment_view): the real CPU's, and under a monitor the
// descriptor the guest wrote for the same selector, read from its own GDT or LDT.
void segments_tab(Session& s) {
  bool monitored = s.machine.monitor() != nullptr;
  if (monitored)
    ImGui::TextWrapped("Each register: the real CPU's descriptor cache (the monitor's compressed copy), then "
                       "\"guest\": the descriptor the guest wrote, from its own GDT or LDT (blue where they differ).");
  else
    ImGui::TextWrapped("The descriptor cache of each segment register: what the CPU loaded from the GDT or LDT.");
  if (!ImGui::BeginTable("segments", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  // Fixed widths from the widest text, so that the first frame (a headless screenshot)
  // is already laid out: auto-fitting would take a frame to measure.
  auto fixed = [](const char* name, const char* widest) {
    ImGui::TableSetupColumn(name, ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize(widest).x);
  };
  fixed("", "  guest");
  fixed("selector", "selector");
  fixed("base", "0x00000000");
  fixed("limit", "0x00000000");
  ImGui::TableSetupColumn("type / attributes", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  for (const SegmentRow& row : segment_rows(s.machine)) {
    descriptor_row(row.name.c_str(), row.real, nullptr);
    if (!monitored) continue;
    Cells real = cells_of(row.real);
    if (row.guest) descriptor_row("  guest", *row.guest, &real);
    else note_row(row.guest_note);
  }
  ImGui::EndTable();
}

}  // namespace vmlab::gui
