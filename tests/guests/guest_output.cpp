#include "tests/guests/guest_output.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>

namespace vmlab::test {

std::filesystem::path scratch_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("vmlab-guest-tests-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

bool GuestOutput::has_line(const std::string& line) const {
  for (const auto& l : lines)
    if (l == line) return true;
  return false;
}

bool GuestOutput::has_line_starting(const std::string& prefix) const {
  for (const auto& l : lines)
    if (l.rfind(prefix, 0) == 0) return true;
  return false;
}

GuestOutput run_guest(const std::string& name, const std::vector<std::string>& args, int timeout_ms) {
  std::vector<std::string> argv = {"run", "--no-stdin", "--guest", name};
  argv.insert(argv.end(), args.begin(), args.end());
  GuestOutput out;
  out.child = run_child(VMLAB_CLI_BINARY, argv, scratch_dir(), timeout_ms);
  static const std::regex result(
      R"(RESULT (\S+) iterations=(\d+) cycles=(\d+) cycles_per_iteration=(\d+\.\d)( .*)?)");
  static const std::regex done(R"(DONE (\S+) status=(-?\d+))");
  for (std::string line : split_lines(out.child.out)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // the kernel's console sends CR LF
    out.lines.push_back(line);
    std::smatch m;
    if (line.rfind("RESULT ", 0) == 0) {
      if (!std::regex_match(line, m, result)) {
        ADD_FAILURE() << "malformed RESULT line: " << line;
        continue;
      }
      out.result_order.push_back(m[1]);
      out.results[m[1]] = {std::stoul(m[2]), std::stoull(m[3]), std::stod(m[4])};
    } else if (std::regex_match(line, m, done)) {
      out.done[m[1]] = std::stoi(m[2]);
    } else if (line.rfind("FAIL ", 0) == 0) {
      out.failures.push_back(line);
    }
  }
  return out;
}

}  // namespace vmlab::test
