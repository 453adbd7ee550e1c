// What `vmlab bench` prints: the benchmark guests' RESULT lines as one table per guest,
// one row per benchmark and one cycles-per-iteration column per mode, as text, JSON or
// CSV; and, for a run that failed, what went wrong.
//
//   nanobench: cycles per iteration (cost profile p4-2006)
//     benchmark  iterations  native  P4 native [1]
//     callret       1000000    11.0             11
//
// The nanobench table also shows Adams & Agesen's measured native Pentium 4 cost where
// the paper gives one, so a student sees how close vmlab's cost model comes. The
// functions here only build strings; the front end decides where they go.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bench_results.h"
#include "core/guest_run.h"

namespace vmlab {

// One guest under one mode.
struct BenchRun {
  std::string mode;  // as shown in the column header
  GuestRunResult result;
  BenchOutput output;  // parsed from result.com1
};

// One benchmark guest: its runs, or why it could not run at all.
struct BenchGuest {
  std::string name;
  std::string not_run;         // non-empty: not in the catalog, not built (one line)
  std::vector<BenchRun> runs;  // one per mode, in mode order
};

struct BenchReport {
  std::vector<std::string> modes;
  std::string cost_profile;
  std::vector<BenchGuest> guests;
};

// A published native cost for one nanobenchmark.
struct PublishedCost {
  std::string_view benchmark;  // our benchmark's name
  u64 cycles;
  bool approximate;  // derived or rounded in the source, shown as "~N"
};

// The guest whose rows get the published column.
inline constexpr std::string_view kNanobenchGuest = "nanobench";

// Adams & Agesen's native Pentium 4 figure for `benchmark`, or nullopt.
std::optional<PublishedCost> published_native_p4(std::string_view benchmark);

// Adams & Agesen's three Pentium 4 columns for one nanobenchmark, as printed: "~N" where
// the figure is derived, "-" where the paper gives none.
struct PublishedRow {
  std::string_view benchmark;
  std::string_view native, software_vmm, hardware_vmm;
};
std::optional<PublishedRow> published_p4(std::string_view benchmark);

// The one-line citation printed under the table.
std::string_view published_source();

enum class BenchFormat : u8 { Text, Json, Csv };

// "text", "json" or "csv"; anything else throws UserError naming the three.
BenchFormat parse_bench_format(std::string_view name);

std::string format_bench_report(const BenchReport& report, BenchFormat format);

// Whether the run succeeded: it started, the guest exited with 0x10 (status 33),
// printed at least one RESULT and no FAIL or malformed line.
bool bench_run_ok(const BenchRun& run);

// Everything that went wrong with one guest (its failed runs, or why it did not run),
// several lines each ending in '\n', for stderr; "" if nothing did.
std::string describe_bench_failures(const BenchGuest& guest);

}  // namespace vmlab
