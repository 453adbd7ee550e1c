// Counters as text, JSON or CSV: what `vmlab run --counters=FORMAT` prints.
//
// All three list the scalar counters in declaration order (VMLAB_COUNTERS), then the
// non-zero per-vector exception and interrupt counts by ascending vector, then the last
// POST code, so the same run always prints byte-identical output.
//
//   text   aligned "name  value  description" lines, for people
//   json   {"counters": {...}, "exceptions_by_vector": {"14": n}, "interrupts_by_vector":
//          {...}, "last_post_code": n}, for scripts and graders
//   csv    "name,value" header, then rows such as "exceptions_by_vector.14,n", for
//          spreadsheets
#pragma once
#include <string>
#include <string_view>

#include "core/counters.h"

namespace vmlab {

enum class CounterFormat : u8 { Text, Json, Csv };

// "text", "json" or "csv"; anything else throws UserError naming the three.
CounterFormat parse_counter_format(std::string_view name);

std::string format_counters(const Counters& counters, CounterFormat format);

}  // namespace vmlab
