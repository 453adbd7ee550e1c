#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <iterator>

#include "core/compare_report.h"

namespace vmlab::gui {

namespace {

// This run's counters, and where its cycles went.
void this_run(Session& s) {
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

// One segment of a mode's bar: a share of its cycles.
struct Segment {
  std::string name;
  u64 cycles;
  ImU32 colour;
};

// Ten colours far apart (a common categorical palette), by cost key: the same key has
// the same colour in every bar.
ImU32 segment_colour(size_t index) {
  static constexpr ImU32 kPalette[] = {
      IM_COL32(78, 121, 167, 255), IM_COL32(242, 142, 43, 255), IM_COL32(225, 87, 89, 255),
      IM_COL32(118, 183, 178, 255), IM_COL32(89, 161, 79, 255), IM_COL32(237, 201, 72, 255),
      IM_COL32(176, 122, 161, 255), IM_COL32(255, 157, 167, 255), IM_COL32(156, 117, 95, 255),
      IM_COL32(186, 176, 172, 255)};
  return kPalette[index % std::size(kPalette)];
}

// Where a run's cycles went, as priced_cycles() adds them up: instructions x CPI, each
// cost key's count x price, halted time.
std::vector<Segment> segments(const Comparison& comparison, const CompareRun& run) {
  std::vector<Segment> out;
  out.push_back({"instructions x CPI", run.instructions * run.base_cpi, segment_colour(0)});
  for (size_t k = 0; k < kCostKeyCount; ++k) {
    if (!run.priced[k]) continue;
    u64 price = comparison.profile.*kCostParams[k].member;
    out.push_back({std::string(kCostParams[k].key), run.priced[k] * price, segment_colour(k + 1)});
  }
  if (run.halted_cycles) out.push_back({"halted", run.halted_cycles, IM_COL32(90, 90, 90, 255)});
  return out;
}

// One bar per mode on a shared scale (the longest run fills the width), split into where
// the cycles went; hovering a segment names it.
void comparison_bars(const Comparison& comparison) {
  u64 longest = 1;
  for (const CompareRun& run : comparison.runs) longest = std::max(longest, run.cycles);
  const float width = ImGui::GetContentRegionAvail().x, height = 18.0f;
  std::vector<std::string> legend;
  for (const CompareRun& run : comparison.runs) {
    if (!run.ok()) {
      ImGui::Text("%s: %s", run.mode.c_str(), describe_failure(run).c_str());
      continue;
    }
    std::optional<double> percent = percent_of_native(comparison, run);
    ImGui::Text("%s: %s cycles%s, %s exits", run.mode.c_str(), with_thousands(run.cycles).c_str(),
                percent ? fmt::format(" ({:.0f}% of native)", *percent).c_str() : "",
                with_thousands(run.exits).c_str());
    ImVec2 at = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    float x = at.x;
    for (const Segment& segment : segments(comparison, run)) {
      float w = width * float(double(segment.cycles) / double(longest));
      if (w <= 0.0f) continue;
      draw->AddRectFilled(ImVec2(x, at.y), ImVec2(x + w, at.y + height), segment.colour);
      if (ImGui::IsMouseHoveringRect(ImVec2(x, at.y), ImVec2(x + w, at.y + height)))
        ImGui::SetTooltip("%s: %s cycles", segment.name.c_str(), with_thousands(segment.cycles).c_str());
      x += w;
    }
    ImGui::Dummy(ImVec2(width, height + 4.0f));
  }
  // The legend: every segment that some run has, in the same colours.
  std::vector<Segment> seen;
  for (const CompareRun& run : comparison.runs)
    for (const Segment& segment : segments(comparison, run))
      if (std::none_of(seen.begin(), seen.end(), [&](const Segment& x) { return x.name == segment.name; }))
        seen.push_back(segment);
  for (const Segment& segment : seen) {
    ImVec2 at = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + 10, at.y + 10), segment.colour);
    ImGui::Dummy(ImVec2(12, 10));
    ImGui::SameLine();
    ImGui::TextUnformatted(segment.name.c_str());
  }
}

// The same guest in every mode this version runs, side by side.
void compare_modes(Session& s) {
  s.collect_comparison(false);
  if (s.comparing.valid()) {
    ImGui::TextUnformatted("running the guest to its end in every mode...");
    return;
  }
  if (ImGui::Button(s.comparison ? "Run the comparison again" : "Run this guest in every mode")) s.start_comparison();
  ImGui::SameLine();
  ImGui::TextWrapped("each mode runs the whole guest from its start in a thread of its own, as vmlab compare does");
  if (s.comparison) comparison_bars(*s.comparison);
}

}  // namespace

void draw_counters(Session& s, float x, float y, float w, float h) {
  if (begin_panel("Counters", x, y, w, h) && ImGui::BeginTabBar("counters-tabs")) {
    bool wanted = s.show_comparison;
    if (ImGui::BeginTabItem("This run")) {
      this_run(s);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Compare modes", nullptr, wanted ? ImGuiTabItemFlags_SetSelected : 0)) {
      if (wanted) s.show_comparison = false;
      compare_modes(s);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::End();
}

}  // namespace vmlab::gui
