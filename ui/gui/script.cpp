#include "ui/gui/script.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/error.h"
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

bool parse_number(const std::string& word, u64& value) {
  if (word.empty() || word.size() > 19 || word.find_first_not_of("0123456789") != std::string::npos) return false;
  value = std::stoull(word);
  return true;
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
    if (args != 1 || (c.text != "disassembly" && c.text != "exits" && c.text != "page-walk" && c.text != "memory" &&
                      c.text != "console"))
      return "'tab' takes disassembly, exits, page-walk, memory or console";
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
  } else if (c.verb == "print") {
    if (args != 0) return "'print' takes nothing";
  } else {
    known = false;
  }
  return "";
}

}  // namespace

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
    bool known = false;
    std::string error = check_run_control(c, w, known);
    if (!known) error = check_view(c, w, known);
    if (!known)
      error = fmt::format("unknown command '{}': use step, step-over, step-out, run, run-to, speed, tab, walk, "
                          "break, follow, memory, frame, screenshot or print",
                          c.verb);
    if (!error.empty()) throw UserError(fmt::format("{} line {}: {}", file_name, number, error));
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
