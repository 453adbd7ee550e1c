// What `vmlab bench` and `vmlab compare` share: the --modes list, the default budget,
// and running a set of guests in parallel with a progress line on stderr.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/guest_run.h"

namespace vmlab::cli {

// Without --max-insns each run still ends: the benchmark guests retire about 270 M
// instructions together, so 20 G is a hang, not a slow host.
constexpr u64 kDefaultBudget = 20'000'000'000;

// Every mode named in the --modes arguments ("native,tae-shadow" or several arguments),
// checked runnable, by display name (the preset's name, else the canonical spec).
// Throws UserError for an unknown, invalid or unbuilt mode, a mode given twice, or none.
std::vector<std::string> resolve_modes(const std::vector<std::string>& arguments);

// run_guests() on one thread per host CPU. When stderr is a terminal, a line there says
// how many runs have finished and which are running ("vmlab <command>: 3 s, 1 of 2 runs
// finished; running nanobench (tae-shadow)"), redrawn in place and erased at the end.
// `labels` names each spec for that line.
std::vector<GuestRunResult> run_in_parallel(const std::vector<GuestRunSpec>& specs,
                                            std::vector<std::string> labels, std::string_view command);

}  // namespace vmlab::cli
