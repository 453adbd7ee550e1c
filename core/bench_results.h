// Reading what a benchmark guest printed: RESULT and FAIL lines (docs/GUESTS.md).
//
// Every benchmark guest formats its results with format_result (guests/common/libc.c):
//
//   RESULT <name> iterations=<n> cycles=<total> cycles_per_iteration=<int>.<tenth> [key=value...]
//   FAIL <name> <text>
//
// Lines are recognised by their first word; everything else a guest prints (banners,
// progress) is left alone. A line that starts with RESULT but does not have that shape
// is reported as malformed rather than skipped, so a guest cannot lose a result
// silently.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types.h"

namespace vmlab {

struct BenchResult {
  std::string name;
  u64 iterations = 0;
  u64 cycles = 0;
  u64 tenths_per_iteration = 0;                            // cycles_per_iteration x 10, exactly as printed
  std::vector<std::pair<std::string, std::string>> extra;  // further key=value pairs, in order
};

struct BenchFailure {
  std::string name;
  std::string text;  // may be empty
};

struct MalformedLine {
  std::size_t line_number = 0;  // 1-based, in the captured output
  std::string line;
  std::string why;  // one phrase, e.g. "cycles is not a number"
};

struct BenchOutput {
  std::vector<BenchResult> results;
  std::vector<BenchFailure> failures;
  std::vector<MalformedLine> malformed;
};

// Every RESULT and FAIL line of `text`, in order. Lines may end in "\r\n". A second
// RESULT with the same name is malformed.
BenchOutput parse_bench_output(std::string_view text);

// "12.5" from 125 tenths.
std::string format_tenths(u64 tenths);

}  // namespace vmlab
