// The script verbs that change what the panels show (script.h): each does what a click
// in the window does, through the same Session fields and calls.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "modes/exit.h"
#include "ui/gui/panels.h"

namespace vmlab::gui {
namespace {

// `watch`: an address (the parser wrote it as 0x...) or a kernel symbol.
void watch(Session& s, const ScriptCommand& c) {
  u32 size = u32(c.number & 0xFF);
  AddressSpace space = AddressSpace(c.number >> 8);
  if (c.text.rfind("0x", 0) == 0) {
    s.toggle_watch(u32(std::strtoul(c.text.c_str(), nullptr, 16)), size, space);
    return;
  }
  for (const ElfSymbol& symbol : s.options.symbols)
    if (symbol.name == c.text) {
      s.toggle_watch(symbol.value, size, space);
      return;
    }
  s.tell(fmt::format("cannot watch '{}': the kernel has no symbol of that name", c.text));
}

void sort_exits(Session& s, const ScriptCommand& c) {
  for (int k = 0; k < int(ExitColumn::kCount); ++k)
    if (c.text == exit_column_name(ExitColumn(k))) s.exits.sort_column = ExitColumn(k);
  // Without a direction, the one a first click on that header gives.
  ExitColumn column = s.exits.sort_column;
  bool newest_first = column == ExitColumn::Number || column == ExitColumn::Time || column == ExitColumn::Cost;
  s.exits.descending = c.number == 0 ? newest_first : c.number == 2;
  s.exits.sort_from_outside = true;
}

void filter_exits_category(Session& s, const ScriptCommand& c) {
  s.exits.category = 0;
  for (int k = 0; k < int(ExitCategory::kCount); ++k)
    if (category_name(ExitCategory(k)) == c.text) s.exits.category = k + 1;
}

}  // namespace

bool apply_view_command(Session& s, const ScriptCommand& c) {
  if (c.verb == "tab") {
    s.options.tab = c.text;
    s.tab_chosen = false;
  } else if (c.verb == "registers") {
    s.registers_tab = c.text;
    s.registers_tab_chosen = false;
  } else if (c.verb == "walk") {
    s.walk_follows_cr2 = c.text == "follow";
    if (!s.walk_follows_cr2)
      std::snprintf(s.walk_address, sizeof s.walk_address, "%08lx", std::strtoul(c.text.c_str(), nullptr, 16));
  } else if (c.verb == "memory") {
    s.memory_space = c.text == "guest-virtual" ? 0 : c.text == "guest-physical" ? 1 : 2;
    std::snprintf(s.memory_address, sizeof s.memory_address, "%08llx", (unsigned long long)c.number);
  } else if (c.verb == "break") {
    u32 at = u32(std::strtoul(c.text.c_str(), nullptr, 16));
    if (!s.breakpoints.erase(at)) s.breakpoints.insert(at);
  } else if (c.verb == "watch") {
    watch(s, c);
  } else if (c.verb == "sort-exits") {
    sort_exits(s, c);
  } else if (c.verb == "filter-exits") {
    std::snprintf(s.exits.filter, sizeof s.exits.filter, "%s", c.text.c_str());
  } else if (c.verb == "filter-exits-category") {
    filter_exits_category(s, c);
  } else if (c.verb == "select-exit") {
    if (c.text == "none") s.selected_exit.reset();
    else s.select_exit(c.number);
  } else {
    return false;
  }
  return true;
}

}  // namespace vmlab::gui
