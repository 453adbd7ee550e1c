#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include "core/compare_report.h"

namespace vmlab::gui {

void draw_counters(Session& s, float x, float y, float w, float h) {
  if (begin_panel("Counters", x, y, w, h)) {
    const Counters& c = s.machine.counters();
    if (ImGui::BeginTable("counters", 2, ImGuiTableFlags_RowBg)) {
      auto row = [](const std::string& name, u64 value) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(name.c_str());
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(with_thousands(value).c_str());
      };
      row("instructions", c.instructions);
      row("cycles", c.cycles);
      row("exits", c.exits);
      for (const auto& [name, count] : c.exits_by_category) row("  " + name, count);
      row("shadow hidden faults", c.shadow_hidden_faults);
      row("shadow true faults", c.shadow_true_faults);
      row("shadow traced writes", c.shadow_traced_writes);
      row("page faults", c.page_faults);
      row("TLB misses", c.tlb_misses);
      ImGui::EndTable();
    }
    // Where the cycles went: frequency x price for every cost-model parameter charged.
    ImGui::Spacing();
    ImGui::TextUnformatted("cycles by event kind (count x price = cycles)");
    if (ImGui::BeginTable("costs", 2, ImGuiTableFlags_RowBg)) {
      const VirtualClock& clock = s.machine.clock();
      auto line = [](const std::string& name, const std::string& value) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(name.c_str());
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(value.c_str());
      };
      line("instructions x CPI", fmt::format("{} x {} = {}", with_thousands(c.instructions), clock.cpi(),
                                            with_thousands(c.instructions * clock.cpi())));
      for (size_t k = 0; k < kCostKeyCount; ++k) {
        if (!c.priced[k]) continue;
        u64 price = clock.price(CostKey(k));
        line(std::string(kCostParams[k].key),
             fmt::format("{} x {} = {}", with_thousands(c.priced[k]), with_thousands(price), with_thousands(c.priced[k] * price)));
      }
      if (c.halted_cycles) line("halted", with_thousands(c.halted_cycles));
      ImGui::EndTable();
    }
  }
  ImGui::End();
}

}  // namespace vmlab::gui
