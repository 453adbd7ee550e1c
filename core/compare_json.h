// The saved-run format of `vmlab compare`: what --format json writes and --reprice reads.
//
//   {
//     "vmlab_compare": 1,                  format version
//     "guest": "nanobench",
//     "append": "",                        the kernel command line
//     "profile": "p4-2006",                the prices the cycles below were computed with,
//     "prices": {"base_cpi": 1, ...},      every cost key with its value
//     "repriced_from": "p4-2006",          only in a re-priced comparison
//     "runs": [{
//       "mode": "tae-shadow", "status": 33, "ok": true, "message": "",
//       "instructions": n, "cycles": n, "halted_cycles": n, "base_cpi": n,
//       "percent_of_native": 512.3,        null when not defined; not read back
//       "exits": n,
//       "priced": {"trap.reflect": n},     charged cost keys (TOML keys), non-zero only
//       "exits_by_category": {...}, "exits_by_reason": {...}
//     }]
//   }
//
// The file records counts and the prices that made its cycles, so it can be re-priced
// under any profile, and the reader checks that every run's cycles follow from its counts
// and prices: re-pricing under the recorded profile then gives back the same cycles.
#pragma once
#include <string>
#include <string_view>

#include "core/compare_report.h"

namespace vmlab {

// The comparison as the JSON document above (two-space indent, keys in that order).
std::string comparison_to_json(const Comparison& comparison);

// Read a document comparison_to_json() wrote. `file_name` starts every message. Throws
// UserError in one line naming the file and what is wrong: not JSON, not a compare
// document, a missing field or one of the wrong type, an unknown cost key, or cycles
// that do not follow from the counts and prices.
Comparison parse_saved_comparison(std::string_view json_text, const std::string& file_name);

// parse_saved_comparison() of the file at `path`. Throws UserError if it cannot be read.
Comparison load_saved_comparison(const std::string& path);

}  // namespace vmlab
