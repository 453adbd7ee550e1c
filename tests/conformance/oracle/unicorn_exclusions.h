// Where Unicorn itself departs from real x86 hardware on flags or results the SDM defines.
//
// Found by the host-vs-Unicorn test (test_host_vs_unicorn.cpp), which compares Unicorn with
// the host processor on every case. Each entry is tolerated only in comparisons against
// Unicorn; the host oracle still checks vmlab on those forms in full.
#pragma once
#include "tests/conformance/oracle/compare.h"

namespace vmlab::conformance {

const ExclusionList& unicorn_exclusions();

}  // namespace vmlab::conformance
