// The Exits tab's timeline: every exit in the Session's log as a tick at its virtual time,
// coloured by category, so that bursts (a page-table rebuild, a timer storm) show at a
// glance. Exits the filters leave out are grey; the selected one is a white marker.
#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "core/compare_report.h"
#include "modes/exit.h"
#include "ui/gui/panels.h"

namespace vmlab::gui {
namespace {

constexpr float kStripHeight = 36.0f;
constexpr float kHoverPixels = 4.0f;  // how near a tick the mouse must be to name it
constexpr ImU32 kBackground = IM_COL32(18, 18, 24, 255);
constexpr ImU32 kLeftOut = IM_COL32(90, 90, 100, 255);
constexpr ImU32 kSelected = IM_COL32(255, 255, 255, 255);

// Virtual time to a pixel column of the strip, on whole pixels so that ticks are sharp.
struct TimeScale {
  u64 t0, t1;
  float left, width;
  float x(u64 t) const {
    double fraction = t1 > t0 ? double(t - t0) / double(t1 - t0) : 0.0;
    return std::floor(left + float(fraction * double(width - 1.0f))) + 0.5f;
  }
};

// The exit whose tick is nearest `mouse_x`, within kHoverPixels, or nullptr.
const ExitRow* exit_at(const std::vector<ExitRow>& history, const TimeScale& scale, float mouse_x) {
  const ExitRow* best = nullptr;
  float best_distance = kHoverPixels;
  for (const ExitRow& row : history) {
    float distance = std::fabs(scale.x(row.event.time) - mouse_x);
    if (distance <= best_distance) {
      best = &row;
      best_distance = distance;
    }
  }
  return best;
}

void exit_tooltip(const ExitRow& row) {
  const Event& e = row.event;
  ImGui::BeginTooltip();
  ImGui::Text("exit %llu: %s (%s)", (unsigned long long)row.ordinal, exit_reason_name(e.table, u16(e.a)).c_str(),
              std::string(category_name(ExitCategory(e.size_or_level))).c_str());
  ImGui::Text("time %s cycles, EIP %#010x, cost %s", with_thousands(e.time).c_str(), e.c, with_thousands(e.d).c_str());
  ImGui::TextDisabled("click to select it");
  ImGui::EndTooltip();
}

// Ticks: those the filters leave out (grey) under the listed ones (in colour). Ticks sit
// on whole pixel columns, so only the one drawn last in a column shows: each column is
// drawn once, in that colour (a few hundred lines rather than thousands, every frame).
void draw_ticks(ImDrawList* draw, const std::vector<ExitRow>& history, const std::vector<bool>& listed,
                const TimeScale& scale, float top, float bottom) {
  const float first_column = std::floor(scale.left);
  std::vector<ImU32> columns(size_t(scale.width) + 2, 0);
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < history.size(); ++i) {
      if (listed[i] != (pass == 1)) continue;
      size_t column = size_t(std::floor(scale.x(history[i].event.time)) - first_column);
      columns[std::min(column, columns.size() - 1)] =
          listed[i] ? ImU32(category_colour(history[i].event.size_or_level)) : kLeftOut;
    }
  for (size_t column = 0; column < columns.size(); ++column) {
    if (!columns[column]) continue;
    float x = first_column + float(column) + 0.5f;
    draw->AddLine(ImVec2(x, top + 4), ImVec2(x, bottom - 4), columns[column]);
  }
}

// The categories in the history, each a colour square, its name and its count, wrapped
// to the tab's width.
void legend(const std::vector<ExitRow>& history) {
  u64 counts[int(ExitCategory::kCount)] = {};
  for (const ExitRow& row : history)
    if (row.event.size_or_level < int(ExitCategory::kCount)) ++counts[row.event.size_or_level];
  float right = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
  bool first = true;
  for (int k = 0; k < int(ExitCategory::kCount); ++k) {
    if (!counts[k]) continue;
    std::string label = fmt::format("{} {}", category_name(ExitCategory(k)), with_thousands(counts[k]));
    float square = ImGui::GetTextLineHeight() - 4;
    float width = square + 4 + ImGui::CalcTextSize(label.c_str()).x;
    if (!first) {
      ImGui::SameLine(0, 14);
      if (ImGui::GetCursorScreenPos().x + width > right) ImGui::NewLine();
    }
    first = false;
    ImVec2 at = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(at.x, at.y + 2), ImVec2(at.x + square, at.y + 2 + square),
                                              category_colour(k));
    ImGui::Dummy(ImVec2(square, square));
    ImGui::SameLine(0, 4);
    ImGui::TextUnformatted(label.c_str());
  }
}

}  // namespace

unsigned category_colour(int category) {
  // One per ExitCategory, in its order: distinct on the dark theme.
  static constexpr ImU32 kColours[] = {
      IM_COL32(240, 200, 60, 255),   // privileged instruction
      IM_COL32(250, 140, 40, 255),   // sensitive instruction
      IM_COL32(80, 200, 120, 255),   // io
      IM_COL32(40, 170, 170, 255),   // mmio
      IM_COL32(110, 160, 255, 255),  // hidden page fault
      IM_COL32(240, 80, 80, 255),    // guest page fault
      IM_COL32(200, 110, 240, 255),  // guest page-table write
      IM_COL32(255, 120, 180, 255),  // guest exception
      IM_COL32(160, 220, 60, 255),   // software interrupt
      IM_COL32(60, 220, 230, 255),   // external interrupt
      IM_COL32(180, 180, 180, 255),  // hlt
      IM_COL32(210, 170, 120, 255),  // msr
      IM_COL32(150, 120, 255, 255),  // hypercall
      IM_COL32(255, 90, 40, 255),    // ept violation
  };
  static_assert(std::size(kColours) == size_t(ExitCategory::kCount));
  return category >= 0 && category < int(ExitCategory::kCount) ? kColours[category] : kLeftOut;
}

void exits_timeline(Session& s, const std::vector<ExitRow>& history, const std::vector<ExitRow>& listed) {
  if (history.empty()) {
    ImGui::TextDisabled("no exits yet: the timeline starts with the first one");
    return;
  }
  ImVec2 origin = ImGui::GetCursorScreenPos();
  float width = std::max(ImGui::GetContentRegionAvail().x, 16.0f);
  ImGui::InvisibleButton("timeline", ImVec2(width, kStripHeight));
  TimeScale scale{history.front().event.time, history.back().event.time, origin.x, width};
  std::vector<bool> in_list(history.size());
  for (const ExitRow& row : listed) in_list[row.ordinal - history.front().ordinal] = true;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  float bottom = origin.y + kStripHeight;
  draw->AddRectFilled(origin, ImVec2(origin.x + width, bottom), kBackground);
  draw_ticks(draw, history, in_list, scale, origin.y, bottom);
  if (s.selected_exit && *s.selected_exit >= history.front().ordinal && *s.selected_exit <= history.back().ordinal) {
    float x = scale.x(history[*s.selected_exit - history.front().ordinal].event.time);
    draw->AddLine(ImVec2(x, origin.y), ImVec2(x, bottom), kSelected, 3.0f);
  }
  if (ImGui::IsItemHovered()) {
    if (const ExitRow* row = exit_at(history, scale, ImGui::GetIO().MousePos.x)) {
      exit_tooltip(*row);
      if (ImGui::IsItemClicked()) s.select_exit(row->ordinal);
    }
  }
  ImGui::Text("virtual time %s", with_thousands(scale.t0).c_str());
  std::string end = with_thousands(scale.t1) + " cycles";
  ImGui::SameLine(std::max(0.0f, width - ImGui::CalcTextSize(end.c_str()).x));
  ImGui::TextUnformatted(end.c_str());
  legend(history);
}

}  // namespace vmlab::gui
