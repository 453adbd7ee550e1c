// Differential comparison of two engines' outcomes over the same cases.
//
// Compared: the eight GPRs (minus the case's undefined_regs), EFLAGS CF PF AF ZF SF OF DF
// (minus the case's undefined_flags and any exclusion), the data buffer and the stack
// area. A case one engine could not finish is a failure. Failures are grouped per opcode
// form: one summary line per failing form, then full details (bytes, disassembly,
// initial state, register-by-register diff) for the first few failing cases.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "tests/conformance/oracle/case.h"

namespace vmlab::conformance {

// A known deviation of one engine, tolerated in comparisons against it.
struct Exclusion {
  std::string_view form;    // the form name, exactly as the generator spells it
  std::string_view detail;  // only cases whose detail has this word ("" = every case)
  u32 flags;                // EFLAGS bits not compared for it; 0 = skip the case entirely
  std::string_view reason;  // why: what the engine does and what the SDM/hardware says
};
using ExclusionList = std::vector<Exclusion>;

struct Comparison {
  size_t cases = 0;     // cases given
  size_t excluded = 0;  // skipped entirely by an exclusion
  size_t failed = 0;    // cases that differed or did not complete
  size_t failed_forms = 0;
  std::string report;   // summary lines and details; empty when nothing failed
  bool ok() const { return failed == 0; }
};

struct EngineResults {
  std::string name;
  const std::vector<Outcome>& outcomes;
};

// Compare `subject` against `reference` case by case. `max_details` bounds how many
// failing cases are described in full (the summary lists every failing form).
Comparison compare_outcomes(const std::vector<Case>& cases, const EngineResults& reference,
                            const EngineResults& subject, const ExclusionList& exclusions = {},
                            size_t max_details = 20);

}  // namespace vmlab::conformance
