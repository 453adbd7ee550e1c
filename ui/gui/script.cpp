#include "ui/gui/script.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "modes/exit.h"

namespace vmlab::gui {
namespace {

bool is_category(const std::string& name) {
  if (name == "exit") return true;
  for (int k = 0; k < int(ExitCategory::kCount); ++k)
    if (category_name(ExitCategory(k)) == name) return true;
  return false;
}

bool parse_number(const std::string& word, u64& value) {
  if (word.empty() || word.find_first_not_of("0123456789") != std::string::npos) return false;
  value = std::stoull(word);
  return true;
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
    } else {
      fail(fmt::format("unknown command '{}': use step, run, run-to, compare, type, goto-exit, monitor-step, tab, walk, break, memory, frame, screenshot or print", c.verb));
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
