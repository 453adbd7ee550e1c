#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <cstdio>
#include <cstdlib>

#include "core/compare_report.h"
#include "mmu/walk_view.h"
#include "modes/monitor.h"

namespace vmlab::gui {

namespace {

// One walk as a table: level, entry address, value, bits.
void walk_table(const char* id, const char* title, const WalkView& walk) {
  ImGui::TextUnformatted(title);
  if (ImGui::BeginTable(id, 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
    for (const char* name : {"level", "address", "value", "bits"}) ImGui::TableSetupColumn(name);
    ImGui::TableHeadersRow();
    for (const WalkStep& step : walk.steps) {
      std::string cells[] = {step.level, fmt::format("{:#010x}", step.address),
                             step.level == "frame" ? std::string() : fmt::format("{:#010x}", step.value), step.bits};
      ImGui::TableNextRow();
      for (int col = 0; col < 4; ++col) {
        ImGui::TableSetColumnIndex(col);
        ImGui::TextUnformatted(cells[col].c_str());
      }
    }
    ImGui::EndTable();
  }
}

// Which fault filled the shadow entry just drawn: the shadow is filled lazily, one
// fault at a time, and this line names the one.
void shadow_origin_line(Session& s, u32 linear, bool mapped) {
  std::optional<ShadowEntryOrigin> origin = s.machine.monitor()->shadow_entry_origin(linear);
  if (!origin) {
    ImGui::TextWrapped(mapped ? "no record of the fault that filled this shadow entry"
                              : "no shadow entry yet: the next access here is a hidden or true fault");
    return;
  }
  ImGui::TextColored(ImVec4(0.75f, 0.65f, 1.0f, 1.0f), "shadow entry filled by a %s fault: exit #%s, error code %#x (%s %s)",
                     origin->kind, with_thousands(origin->exit).c_str(), origin->error_code,
                     origin->error_code & PFEC_W ? "write" : "read", origin->error_code & PFEC_U ? "user" : "supervisor");
}

}  // namespace

// The walk for one address: under a monitor the guest's tables (its virtual CR3) and the
// shadow tables the hardware walks (the real CR3), one above the other.
void page_walk_tab(Session& s) {
  if (!s.options.walk_address.empty() && s.walk_follows_cr2 && !s.walk_address[0]) {
    std::snprintf(s.walk_address, sizeof s.walk_address, "%08lx", std::strtoul(s.options.walk_address.c_str(), nullptr, 16));
    s.walk_follows_cr2 = false;
  }
  if (s.walk_follows_cr2) std::snprintf(s.walk_address, sizeof s.walk_address, "%08x", s.last_fault_address());
  ImGui::SetNextItemWidth(120);
  if (ImGui::InputText("linear address (hex)", s.walk_address, sizeof s.walk_address,
                       ImGuiInputTextFlags_CharsHexadecimal))
    s.walk_follows_cr2 = false;
  ImGui::SameLine();
  if (ImGui::Button("follow the last page fault")) s.walk_follows_cr2 = true;
  u32 linear = u32(std::strtoul(s.walk_address, nullptr, 16));
  Walks walks = walks_for(s, linear);
  bool monitored = s.machine.monitor() != nullptr;
  if (monitored && walks.guest)
    walk_table("guest", "guest tables (the guest's CR3: guest-virtual to guest-physical)", *walks.guest);
  else if (monitored)
    ImGui::TextUnformatted("guest paging is off: guest-physical = guest-virtual");
  ImGui::Spacing();
  if (walks.real)
    walk_table("real", monitored ? "shadow tables (the real CR3: guest-virtual to host-physical, what the hardware walks)"
                                 : "page tables (CR3)",
               *walks.real);
  else
    ImGui::TextUnformatted("paging is off: physical = linear");
  if (monitored && walks.real) shadow_origin_line(s, linear, walks.real->ok);
}

}  // namespace vmlab::gui
