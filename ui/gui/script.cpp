#include "ui/gui/script.h"

#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "core/error.h"
#include "modes/exit.h"
#include "ui/gui/panels.h"

namespace vmlab::gui {
namespace {

bool is_category(const std::string& name) {
  if (name == "exit") return true;
  for (int k = 0; k < int(ExitCategory::kCount); ++k)
    if (category_name(ExitCategory(k)) == name) return true;
  return false;
}

bool parse_number(const std::string& word, u64& value) {
  if (word.empty() || word.size() > 19 || word.find_first_not_of("0123456789") != std::string::npos) return false;
  value = std::stoull(word);
  return true;
}

bool is_hex(const std::string& word) {
  std::string digits = word.rfind("0x", 0) == 0 || word.rfind("0X", 0) == 0 ? word.substr(2) : word;
  return !digits.empty() && digits.size() <= 8 && digits.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

// A C identifier, as the kernel's symbols are named.
bool is_symbol(const std::string& word) {
  static const std::string kFirst = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.$";
  return !word.empty() && kFirst.find(word[0]) != std::string::npos &&
         word.find_first_not_of(kFirst + "0123456789") == std::string::npos;
}

// The Exits tab's column names and sort directions; number 0 = the column's own default.
bool parse_sort(const std::vector<std::string>& w, ScriptCommand& c) {
  if (w.size() < 2 || w.size() > 3) return false;
  bool known = false;
  for (int k = 0; k < int(ExitColumn::kCount); ++k) known |= w[1] == exit_column_name(ExitColumn(k));
  c.text = w[1];
  c.number = w.size() == 2 ? 0 : w[2] == "ascending" ? 1 : w[2] == "descending" ? 2 : 3;
  return known && c.number != 3;
}

// The verbs that set what a panel shows, beyond the inspector's tab: one-line errors.
void parse_view_verb(const std::vector<std::string>& w, ScriptCommand& c,
                     const std::function<void(const std::string&)>& fail) {
  size_t args = w.size() - 1;
  if (c.verb == "registers") {
    if (args != 1 || (w[1] != "cpu" && w[1] != "segments")) fail("'registers' takes cpu or segments");
    c.text = w[1];
  } else if (c.verb == "watch") {
    c.number = 4;
    if (args < 1 || args > 2 || !(is_hex(w[1]) || is_symbol(w[1])) ||
        (args == 2 && w[2] != "1" && w[2] != "2" && w[2] != "4"))
      fail("'watch' takes a hexadecimal address or a kernel symbol, and optionally a size of 1, 2 or 4 bytes");
    // An address is kept as 0x and eight digits: no symbol starts with a digit.
    c.text = is_hex(w[1]) ? fmt::format("{:#010x}", std::stoul(w[1], nullptr, 16)) : w[1];
    if (args == 2) c.number = std::stoull(w[2]);
  } else if (c.verb == "sort-exits") {
    if (!parse_sort(w, c))
      fail("'sort-exits' takes number, time, reason, category, qualification, eip or cost, and optionally "
           "ascending or descending");
  } else if (c.verb == "filter-exits") {
    for (size_t i = 1; i < w.size(); ++i) c.text += (i > 1 ? " " : "") + w[i];
    if (c.text.size() > 63) fail("'filter-exits' takes at most 63 characters of filter");
  } else if (c.verb == "filter-exits-category") {
    if (args != 1 || (w[1] != "all" && (w[1] == "exit" || !is_category(w[1]))))
      fail("'filter-exits-category' takes an exit category (hidden-page-fault, io, ...) or 'all'");
    c.text = w[1];
  } else if (c.verb == "select-exit") {
    c.text = args == 1 ? w[1] : "";
    if (args != 1 || (w[1] != "none" && (!parse_number(w[1], c.number) || c.number == 0)))
      fail("'select-exit' takes an exit's number (1 is the run's first exit) or 'none'");
  }
}

bool is_view_verb(const std::string& verb) {
  return verb == "registers" || verb == "watch" || verb == "sort-exits" || verb == "filter-exits" ||
         verb == "filter-exits-category" || verb == "select-exit";
}

}  // namespace

bool is_tab_name(const std::string& name) {
  for (const char* tab : {"disassembly", "exits", "handling", "page-walk", "memory", "console"})
    if (name == tab) return true;
  return false;
}

std::vector<ScriptCommand> parse_script(const std::string& text, const std::string& file_name) {
  std::vector<ScriptCommand> commands;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w.empty()) continue;
    auto fail = [&](const std::string& why) -> void {
      throw UserError(fmt::format("{} line {}: {}", file_name, number, why));
    };
    ScriptCommand c{w[0], "", 1, number};
    size_t args = w.size() - 1;
    if (c.verb == "step" || c.verb == "frame") {
      if (args > 1 || (args == 1 && (!parse_number(w[1], c.number) || c.number == 0)))
        fail(fmt::format("'{}' takes an optional count of at least 1", c.verb));
    } else if (c.verb == "run") {
      if (args != 1 || !parse_number(w[1], c.number) || c.number == 0)
        fail("'run' takes the number of instructions to run");
    } else if (c.verb == "run-to") {
      c.text = args >= 1 ? w[1] : "exit";
      c.number = 1'000'000;
      if (!is_category(c.text)) fail(fmt::format("'{}' is not an exit category (hidden-page-fault, io, ...) or 'exit'", c.text));
      if (args > 2 || (args == 2 && (!parse_number(w[2], c.number) || c.number == 0)))
        fail("'run-to' takes a kind and an optional instruction limit");
    } else if (c.verb == "tab") {
      if (args != 1 || !is_tab_name(w[1])) fail(fmt::format("'tab' takes {}", kTabNameList));
      c.text = w[1];
    } else if (c.verb == "memory") {
      if (args != 2 || (w[1] != "guest-virtual" && w[1] != "guest-physical" && w[1] != "host-physical") ||
          w[2].find_first_not_of("0123456789abcdefABCDEFx") != std::string::npos)
        fail("'memory' takes guest-virtual, guest-physical or host-physical and a hexadecimal address");
      c.text = w[1];
      c.number = std::stoull(w[2], nullptr, 16);
    } else if (c.verb == "break") {
      if (args != 1 || w[1].find_first_not_of("0123456789abcdefABCDEFx") != std::string::npos)
        fail("'break' takes a hexadecimal address");
      c.text = w[1];
    } else if (c.verb == "walk") {
      if (args != 1 || (w[1] != "follow" && w[1].find_first_not_of("0123456789abcdefABCDEFx") != std::string::npos))
        fail("'walk' takes a hexadecimal address or 'follow'");
      c.text = w[1];
    } else if (c.verb == "screenshot") {
      if (args != 1) fail("'screenshot' takes a file name");
      c.text = w[1];
    } else if (c.verb == "compare") {
      if (args != 0) fail("'compare' takes nothing");
    } else if (c.verb == "type") {
      if (args == 0) fail("'type' takes the text to send to COM1 (a carriage return follows it)");
      for (size_t i = 1; i < w.size(); ++i) c.text += (i > 1 ? " " : "") + w[i];
    } else if (c.verb == "goto-exit") {
      if (args != 1 || !parse_number(w[1], c.number) || c.number == 0)
        fail("'goto-exit' takes an exit's number (1 is the run's first exit)");
    } else if (c.verb == "monitor-step") {
      if (args == 1 && w[1] == "all") c.number = ~0ull;
      else if (args > 1 || (args == 1 && (!parse_number(w[1], c.number) || c.number == 0)))
        fail("'monitor-step' takes an optional count of at least 1, or 'all'");
    } else if (c.verb == "print") {
      if (args != 0) fail("'print' takes nothing");
    } else if (is_view_verb(c.verb)) {
      parse_view_verb(w, c, fail);
    } else {
      fail(fmt::format("unknown command '{}': use step, run, run-to, compare, type, goto-exit, monitor-step, tab, "
                       "walk, break, memory, watch, registers, sort-exits, filter-exits, filter-exits-category, "
                       "select-exit, frame, screenshot or print",
                       c.verb));
    }
    commands.push_back(c);
  }
  return commands;
}

std::vector<ScriptCommand> load_script(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError(fmt::format("cannot read script '{}'", path));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_script(text.str(), path);
}

}  // namespace vmlab::gui
