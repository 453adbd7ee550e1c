// Running a bundled guest through the vmlab binary and reading what it printed: RESULT
// lines (guests/common/libc.h format_result), DONE lines from the kernel's init, FAIL lines.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/cli/child_process.h"

namespace vmlab::test {

struct BenchResult {
  unsigned long iterations = 0;
  unsigned long long cycles = 0;
  double cycles_per_iteration = 0;
};

struct GuestOutput {
  ChildResult child;
  std::vector<std::string> lines;
  std::vector<std::string> result_order;        // RESULT names in the order printed
  std::map<std::string, BenchResult> results;   // by name
  std::map<std::string, int> done;              // init's DONE <prog> status=<s>
  std::vector<std::string> failures;            // FAIL lines

  bool has_line(const std::string& line) const;
  bool has_line_starting(const std::string& prefix) const;
};

// Runs `vmlab run --no-stdin --guest NAME ARGS...` and parses its stdout. A RESULT line
// that does not parse fails the calling test (ADD_FAILURE).
GuestOutput run_guest(const std::string& name, const std::vector<std::string>& args = {},
                      int timeout_ms = 120000);

std::filesystem::path scratch_dir();

}  // namespace vmlab::test
