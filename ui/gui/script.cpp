#include "ui/gui/script.h"

#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "core/error.h"
#include "modes/exit.h"
#include "ui/gui/panels.h"
#include "ui/gui/run_to_kind.h"
#include "ui/gui/speed.h"

namespace vmlab::gui {
namespace {

using Words = std::vector<std::string>;

// A linear address: 1 to 8 hexadecimal digits, with or without 0x.
bool is_address(const std::string& word) {
  std::string digits = word.starts_with("0x") || word.starts_with("0X") ? word.substr(2) : word;
  return !digits.empty() && digits.size() <= 8 &&
         digits.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

bool is_category(const std::string& name) {
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
    // watch [SPACE] ADDRESS|SYMBOL [SIZE]: number = size | space << 8.
    u64 space = w.size() > 1 && w[1] == "guest-physical" ? 1 : w.size() > 1 && w[1] == "host-physical" ? 2 : 0;
    size_t at = w.size() > 1 && (space || w[1] == "guest-virtual") ? 2 : 1;
    size_t rest = w.size() - at;
    c.number = 4;
    if (rest < 1 || rest > 2 || !(is_hex(w[at]) || (space == 0 && is_symbol(w[at]))) ||
        (rest == 2 && w[at + 1] != "1" && w[at + 1] != "2" && w[at + 1] != "4"))
      fail("'watch' takes an optional space (guest-virtual, guest-physical, host-physical), a hexadecimal address "
           "or (guest-virtual) a kernel symbol, and optionally a size of 1, 2 or 4 bytes");
    // An address is kept as 0x and eight digits: no symbol starts with a digit.
    c.text = is_hex(w[at]) ? fmt::format("{:#010x}", std::stoul(w[at], nullptr, 16)) : w[at];
    if (rest == 2) c.number = std::stoull(w[at + 1]);
    c.number |= space << 8;
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

// The run controls' arguments: "" when they are right, else what to write instead.
// `known` is false for a verb that is not a run control.
std::string check_run_control(ScriptCommand& c, const Words& w, bool& known) {
  size_t args = w.size() - 1;
  known = true;
  if (c.verb == "step" || c.verb == "frame") {
    if (args > 1 || (args == 1 && (!parse_number(w[1], c.number) || c.number == 0)))
      return fmt::format("'{}' takes an optional count of at least 1", c.verb);
  } else if (c.verb == "run") {
    if (args != 1 || !parse_number(w[1], c.number) || c.number == 0)
      return "'run' takes the number of instructions to run";
  } else if (c.verb == "run-to") {
    c.text = args >= 1 ? w[1] : "exit";
    c.number = 1'000'000;
    if (!parse_run_to_kind(c.text))
      return fmt::format("'{}' is not a kind to run to: use exit, an exit category (hidden-page-fault, io, ...), "
                         "reason:NAME (reason:tae.port-io), page-fault, interrupt or port-write",
                         c.text);
    if (args > 2 || (args == 2 && (!parse_number(w[2], c.number) || c.number == 0)))
      return "'run-to' takes a kind and an optional instruction limit";
  } else if (c.verb == "step-over" || c.verb == "step-out") {
    if (args != 0) return fmt::format("'{}' takes nothing", c.verb);
  } else if (c.verb == "speed") {
    if (args != 1 || !parse_speed(w[1]))
      return "'speed' takes instructions per frame (N), one instruction every N frames (1/N) or max";
    c.text = w[1];
  } else {
    known = false;
  }
  return "";
}

// The inspector's inputs and the script's output: as check_run_control.
std::string check_view(ScriptCommand& c, const Words& w, bool& known) {
  size_t args = w.size() - 1;
  known = true;
  if (args >= 1) c.text = w[1];
  if (c.verb == "tab") {
    if (args != 1 || !is_tab_name(c.text)) return fmt::format("'tab' takes {}", kTabNameList);
  } else if (c.verb == "memory") {
    if (args != 2 || (c.text != "guest-virtual" && c.text != "guest-physical" && c.text != "host-physical") ||
        !is_address(w[2]))
      return "'memory' takes guest-virtual, guest-physical or host-physical and a hexadecimal address";
    c.number = std::stoull(w[2], nullptr, 16);
  } else if (c.verb == "break") {
    if (args != 1 || !is_address(c.text)) return "'break' takes a hexadecimal address";
  } else if (c.verb == "follow") {
    if (args != 1 || (c.text != "eip" && !is_address(c.text))) return "'follow' takes a hexadecimal address or 'eip'";
  } else if (c.verb == "walk") {
    if (args != 1 || (c.text != "follow" && !is_address(c.text)))
      return "'walk' takes a hexadecimal address or 'follow'";
  } else if (c.verb == "screenshot") {
    if (args != 1) return "'screenshot' takes a file name";
  } else if (c.verb == "click") {
    u64 x = 0, y = 0;
    if (args < 2 || args > 3 || !parse_number(w[1], x) || !parse_number(w[2], y) || x > 8192 || y > 8192 ||
        (args == 3 && w[3] != "left" && w[3] != "right"))
      return "'click' takes the window pixel X Y and optionally left or right";
    c.number = x << 32 | y;
    c.text = args == 3 ? w[3] : "left";
  } else if (c.verb == "print") {
    if (args != 0) return "'print' takes nothing";
  } else {
    known = false;
  }
  return "";
}

// The monitor's side and the machine's inputs: as check_run_control.
std::string check_monitor_verb(ScriptCommand& c, const Words& w, bool& known) {
  size_t args = w.size() - 1;
  known = true;
  if (c.verb == "compare") {
    if (args != 0) return "'compare' takes nothing";
  } else if (c.verb == "type") {
    if (args == 0) return "'type' takes the text to send to COM1 (a carriage return follows it)";
    for (size_t i = 1; i < w.size(); ++i) c.text += (i > 1 ? " " : "") + w[i];
  } else if (c.verb == "goto-exit") {
    if (args != 1 || !parse_number(w[1], c.number) || c.number == 0)
      return "'goto-exit' takes an exit's number (1 is the run's first exit)";
  } else if (c.verb == "monitor-step") {
    if (args == 1 && w[1] == "all") c.number = ~0ull;
    else if (args > 1 || (args == 1 && (!parse_number(w[1], c.number) || c.number == 0)))
      return "'monitor-step' takes an optional count of at least 1, or 'all'";
  } else {
    known = false;
  }
  return "";
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
    Words w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w.empty()) continue;
    ScriptCommand c{w[0], "", 1, number};
    auto fail = [&](const std::string& why) -> void {
      throw UserError(fmt::format("{} line {}: {}", file_name, number, why));
    };
    bool known = false;
    std::string error = check_run_control(c, w, known);
    if (!known) error = check_view(c, w, known);
    if (!known) {
      c.text.clear();  // check_view filled it in for a verb that is not its own
      error = check_monitor_verb(c, w, known);
    }
    if (!known && is_view_verb(c.verb)) {
      parse_view_verb(w, c, fail);
      known = true;
    }
    if (!known)
      error = fmt::format("unknown command '{}': use step, step-over, step-out, run, run-to, speed, tab, walk, "
                          "break, follow, memory, watch, registers, sort-exits, filter-exits, "
                          "filter-exits-category, select-exit, monitor-step, goto-exit, type, compare, click, frame, "
                          "screenshot or print",
                          c.verb);
    if (!error.empty()) fail(error);
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
