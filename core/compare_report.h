// What `vmlab compare` prints: one guest run under several modes, side by side, with the
// virtual cycles of each mode taken apart into the cost-model events that made them.
//
//   nanobench under native, tae-shadow (cost profile p4-2006)
//                   native   tae-shadow
//     status            ok           ok
//     cycles    12,000,000   40,000,000
//     ...
//   overhead by event kind (count x price = cycles)
//     trap.reflect   -   40,048 x 2,300 = 92,110,400
//
// A run records counts and the cost model only prices them (core/cost_model.h), so
//
//   cycles = instructions x base_cpi + halted_cycles + sum over k of priced[k] x price[k]
//
// holds for every run, and reprice_comparison() recomputes a saved comparison under
// another profile with nothing but that formula. The functions here only build values
// and strings: running the guests and printing are the front end's business.
#pragma once
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cost_model.h"
#include "core/guest_run.h"

namespace vmlab {

// The process status of a bundled guest that passed: it wrote 0x10 to the exit port.
inline constexpr int kGuestSuccessStatus = (0x10 << 1) | 1;

// One mode's run, reduced to what the comparison shows and what re-pricing needs.
struct CompareRun {
  std::string mode;     // as shown in the column header
  int status = 0;       // process status `vmlab run` would give; 0 if it never started
  std::string message;  // why it failed, one line; empty for a run that passed
  u64 instructions = 0;
  u64 cycles = 0;
  u64 halted_cycles = 0;
  u64 base_cpi = 0;  // the CPI `cycles` was computed with
  u64 exits = 0;
  std::array<u64, kCostKeyCount> priced{};  // times each parameter was charged (CostKey order)
  std::map<std::string, u64, std::less<>> exits_by_category;
  std::map<std::string, u64, std::less<>> exits_by_reason;
  // What the guest measured itself (its RESULT lines: RDTSC, so virtual cycles as they
  // were under the recorded profile; re-pricing leaves them alone).
  struct Result {
    std::string name;
    u64 iterations = 0;
    u64 tenths_per_iteration = 0;  // cycles per iteration x 10
    bool operator==(const Result&) const = default;
  };
  std::vector<Result> results;

  // Passed: exited with 0x10 and printed no FAIL line (`message` then names it).
  bool ok() const { return status == kGuestSuccessStatus && message.empty(); }
  bool operator==(const CompareRun&) const = default;
};

struct Comparison {
  std::string guest;             // bundled guest name, or the kernel path as given
  std::string append;            // the kernel command line the runs booted with
  CostModel profile;             // the prices every run's cycles are computed with
  std::string repriced_from;     // the profile the runs were recorded under; empty if they were not re-priced
  std::vector<CompareRun> runs;  // one per mode, in the order asked for

  bool operator==(const Comparison&) const = default;
};

// The run of `mode` as the comparison shows it. A run that did not exit with status 33,
// or printed a FAIL line, gets a message (the FAIL line): the error that kept it from starting, the RunResult message
// (budget, monitor stop, triple fault, ...), or for a guest that exited with another
// value, its last FAIL line on COM1, else its last line of output.
CompareRun compare_run(std::string mode, const GuestRunResult& result, const CostModel& profile);

// Cycles of `run` under `prices` (indexed by CostKey; base_cpi is prices[0]), by the
// formula above.
u64 priced_cycles(const CompareRun& run, const std::array<u64, kCostKeyCount>& prices);

// `comparison` with every run's cycles and base_cpi recomputed under `profile`;
// repriced_from names the profile the runs were first recorded under. The counts and
// halted cycles stay as recorded: a real run under `profile` can differ a little where
// the guest waits for timers, since faster events leave it more time to halt.
Comparison reprice_comparison(const Comparison& comparison, const CostModel& profile);

// The run whose mode is "native", if it is in the comparison and passed.
const CompareRun* native_run(const Comparison& comparison);

// cycles / native cycles x 100, when `run` passed and the comparison has a native run
// that passed with non-zero cycles.
std::optional<double> percent_of_native(const Comparison& comparison, const CompareRun& run);

// The one-line failure of a run that did not pass: "FAILED: status 123: <message>".
std::string describe_failure(const CompareRun& run);

// 1234567 -> "1,234,567".
std::string with_thousands(u64 value);

enum class CompareFormat : u8 { Text, Json, Csv };

// "text", "json" or "csv"; anything else throws UserError naming the three.
CompareFormat parse_compare_format(std::string_view name);

// The comparison in `format`. Json is the saved-run format (core/compare_json.h); csv
// is one row per mode and metric:
//
//   guest,profile,mode,metric,value
//   nanobench,p4-2006,native,status,33
//   nanobench,p4-2006,native,priced.trap.reflect,40048
//
// A passed run lists status, ok, instructions, cycles, halted_cycles, base_cpi,
// percent_of_native (when defined), exits, then for each parameter it charged
// priced.<key> (the count) and cycles.<key> (count x price), then
// exits_by_category.<name> and exits_by_reason.<name>. A failed run lists only status,
// ok (0) and message.
std::string format_comparison(const Comparison& comparison, CompareFormat format);

}  // namespace vmlab
