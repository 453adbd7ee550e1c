#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>
// TableSetColumnSortDirection: 1.86 has no public call to set a table's sort from code,
// which a script's sort-exits needs so that the header arrows show its choice.
#include <imgui_internal.h>

#include "core/compare_report.h"
#include "modes/exit.h"

namespace vmlab::gui {
namespace {

// The text filter and the category list above the table.
void filter_controls(Session& s) {
  ImGui::SetNextItemWidth(200);
  ImGui::InputTextWithHint("##filter", "filter: reason or category", s.exits.filter, sizeof s.exits.filter);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("words separated by commas; -word leaves those out");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(200);
  std::string preview = s.exits.category ? std::string(category_name(ExitCategory(s.exits.category - 1))) : "every category";
  if (ImGui::BeginCombo("##category", preview.c_str())) {
    for (int k = 0; k <= int(ExitCategory::kCount); ++k) {
      std::string label = k ? std::string(category_name(ExitCategory(k - 1))) : "every category";
      if (ImGui::Selectable(label.c_str(), k == s.exits.category)) s.exits.category = k;
    }
    ImGui::EndCombo();
  }
}

// The sort is kept in the Session: a script's choice goes into the table, a click on a
// header comes out of it.
void sync_sort(Session& s) {
  if (s.exits.sort_from_outside) {
    ImGui::TableSetColumnSortDirection(int(s.exits.sort_column),
                                       s.exits.descending ? ImGuiSortDirection_Descending : ImGuiSortDirection_Ascending,
                                       false);
    s.exits.sort_from_outside = false;
  }
  if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsCount > 0) {
    s.exits.sort_column = ExitColumn(specs->Specs[0].ColumnIndex);
    s.exits.descending = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
  }
}

// One row; a click on it selects that exit.
void exit_row(Session& s, const ExitRow& row) {
  const Event& e = row.event;
  bool selected = s.selected_exit == row.ordinal;
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  std::string number = fmt::format("{}##exit", row.ordinal);
  if (ImGui::Selectable(number.c_str(), selected, ImGuiSelectableFlags_SpanAllColumns)) s.selected_exit = row.ordinal;
  if (selected && s.exits.reveal_selected) ImGui::SetScrollHereY(0.5f);
  std::string cells[] = {with_thousands(e.time), exit_reason_name(e.table, u16(e.a)),
                         std::string(category_name(ExitCategory(e.size_or_level))), fmt::format("{:#x}", e.b),
                         fmt::format("{:#010x}", e.c), with_thousands(e.d)};
  for (int col = 0; col < 6; ++col) {
    ImGui::TableSetColumnIndex(col + 1);
    if (col == 2) ImGui::PushStyleColor(ImGuiCol_Text, category_colour(e.size_or_level));
    ImGui::TextUnformatted(cells[col].c_str());
    if (col == 2) ImGui::PopStyleColor();
  }
}

// The seven columns, sortable.
void setup_columns() {
  static constexpr const char* kHeaders[] = {"#", "time", "reason", "category", "qualification", "EIP", "cost"};
  // Every column stretches in proportion to its usual widest text, so that the table
  // fits any window, and the first frame (a headless screenshot) is already laid out.
  static constexpr const char* kWidest[] = {"999999",     "999,999,999", "tae.hidden-page-fault", "guest-page-table-write",
                                            "0xffffffff", "0xffffffff",  "99,999"};
  for (int col = 0; col < 7; ++col) {
    // Newest, slowest first on the first click; names and addresses from the lowest.
    ExitColumn column = ExitColumn(col);
    ImGuiTableColumnFlags column_flags = ImGuiTableColumnFlags_WidthStretch;
    float width = ImGui::CalcTextSize(kWidest[col]).x;
    if (column == ExitColumn::Number || column == ExitColumn::Time || column == ExitColumn::Cost)
      column_flags |= ImGuiTableColumnFlags_PreferSortDescending;
    if (column == ExitColumn::Time) column_flags |= ImGuiTableColumnFlags_DefaultSort;
    ImGui::TableSetupColumn(kHeaders[col], column_flags, width);
  }
}

}  // namespace

// The exits in the Session's log: a timeline of them over virtual time, then a table
// that sorts on any column (a click on its header) and lists those the filters pass.
void exits_tab(Session& s) {
  std::vector<ExitRow> history = exit_history(s);
  filter_controls(s);
  std::vector<ExitRow> rows = listed_exits(s, history);
  exits_timeline(s, history, rows);
  ImGui::Text("%zu of the last %zu exits listed; click a row to select that exit", rows.size(), history.size());
  if (s.selected_exit && s.options.restart) {
    // The state at that exit, by re-executing the guest from its start (Session::go_to_exit).
    ImGui::SameLine();
    std::string label = fmt::format("Go to exit #{}", with_thousands(*s.selected_exit));
    if (ImGui::SmallButton(label.c_str())) s.go_to_exit(*s.selected_exit);
  }
  ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV |
                          ImGuiTableFlags_Sortable;
  if (!ImGui::BeginTable("exits", 7, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  setup_columns();
  ExitsView before = s.exits;
  sync_sort(s);
  if (before.sort_column != s.exits.sort_column || before.descending != s.exits.descending)
    rows = listed_exits(s, history);  // a header was clicked: sorted again in this frame
  ImGui::TableHeadersRow();
  // Only the rows on screen are drawn (4,096 of them would cost every frame), and the
  // selected one as well when the table is to scroll to it.
  ImGuiListClipper clipper;
  clipper.Begin(int(rows.size()));
  if (s.exits.reveal_selected)
    for (size_t i = 0; i < rows.size(); ++i)
      if (rows[i].ordinal == s.selected_exit) clipper.ForceDisplayRangeByIndices(int(i), int(i) + 1);
  while (clipper.Step())
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) exit_row(s, rows[size_t(i)]);
  s.exits.reveal_selected = false;  // shown, or filtered out: either way done
  ImGui::EndTable();
}

}  // namespace vmlab::gui
