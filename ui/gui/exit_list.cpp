// The Exits tab's rows without the drawing: the exits of the Session's log with their
// ordinals, filtered and sorted as the tab's controls (or a script) say. `print` counts
// them too, so tests can check the filter without reading pixels.
#include <imgui.h>

#include <algorithm>

#include "modes/exit.h"
#include "ui/gui/panels.h"

namespace vmlab::gui {
namespace {

std::string reason_of(const Event& e) { return exit_reason_name(e.table, u16(e.a)); }
std::string category_of(const Event& e) { return std::string(category_name(ExitCategory(e.size_or_level))); }

// -1, 0 or 1 as `a` sorts before, with or after `b` by `column`, ascending.
int compare(ExitColumn column, const ExitRow& a, const ExitRow& b) {
  auto order = [](const auto& x, const auto& y) { return x < y ? -1 : y < x ? 1 : 0; };
  const Event &x = a.event, &y = b.event;
  switch (column) {
    case ExitColumn::Number: return order(a.ordinal, b.ordinal);
    case ExitColumn::Time: return order(x.time, y.time);
    case ExitColumn::Reason: return order(reason_of(x), reason_of(y));
    case ExitColumn::Category: return order(category_of(x), category_of(y));
    case ExitColumn::Qualification: return order(x.b, y.b);
    case ExitColumn::Eip: return order(x.c, y.c);
    case ExitColumn::Cost: return order(x.d, y.d);
    case ExitColumn::kCount: break;
  }
  return 0;
}

}  // namespace

const char* exit_column_name(ExitColumn column) {
  static constexpr const char* kNames[] = {"number", "time", "reason", "category", "qualification", "eip", "cost"};
  return kNames[int(column)];
}

std::vector<ExitRow> exit_history(const Session& s) {
  std::vector<ExitRow> rows;
  for (const Event& e : s.exit_log) rows.push_back(ExitRow{0, e});
  // Every exit is one event, so the newest in the log is the run's latest exit.
  u64 ordinal = s.machine.counters().exits;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) it->ordinal = ordinal--;
  return rows;
}

std::vector<ExitRow> listed_exits(const Session& s, const std::vector<ExitRow>& history) {
  const ExitsView& view = s.exits;
  ImGuiTextFilter filter(view.filter);
  std::vector<ExitRow> rows;
  for (const ExitRow& row : history) {
    if (view.category && row.event.size_or_level != view.category - 1) continue;
    std::string text = reason_of(row.event) + " " + category_of(row.event);
    if (filter.PassFilter(text.c_str())) rows.push_back(row);
  }
  // Equal keys keep the newest first, so that every sort gives one order.
  std::sort(rows.begin(), rows.end(), [&](const ExitRow& a, const ExitRow& b) {
    int c = compare(view.sort_column, a, b);
    if (c != 0) return view.descending ? c > 0 : c < 0;
    return a.ordinal > b.ordinal;
  });
  return rows;
}

}  // namespace vmlab::gui
