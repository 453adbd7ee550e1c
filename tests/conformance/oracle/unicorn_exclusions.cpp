#include "tests/conformance/oracle/unicorn_exclusions.h"

namespace vmlab::conformance {

// Found with Unicorn 2.0.1 (libunicorn-dev on Debian 12) against an AMD EPYC host, over the
// regular case set and a run with ten times as many cases per form; nothing else differed.
const ExclusionList& unicorn_exclusions() {
  static const ExclusionList kExclusions = {
      // LOCK NEG m: Unicorn stores the right result but computes SF and PF from the
      // operand as it was before negation (e.g. LOCK NEG BYTE [m] with 0xA0 in memory:
      // result 0x60, hardware SF = 0, Unicorn SF = 1). The SDM ("NEG", Flags Affected)
      // sets SF ZF PF from the result. ZF cannot show the difference (x and -x are zero
      // together); CF, OF and AF agree. Without LOCK Unicorn is right.
      {"NEG r/m8", "lock", EFLAGS_SF | EFLAGS_PF, "Unicorn: LOCK NEG m takes SF/PF from the old value"},
      {"NEG r/m16", "lock", EFLAGS_SF | EFLAGS_PF, "Unicorn: LOCK NEG m takes SF/PF from the old value"},
      {"NEG r/m32", "lock", EFLAGS_SF | EFLAGS_PF, "Unicorn: LOCK NEG m takes SF/PF from the old value"},
      // RET imm16 (C2 iw): Unicorn sign-extends the immediate, so RET 0xE523 lowers ESP
      // by 0x1ADD instead of raising it by 0xE523. The SDM ("RET") adds the 16-bit count
      // unsigned, and the host agrees. Only immediates with bit 15 set show it; the
      // others are still compared.
      {"CALL rel32 / RET", "imm16>=8000h", 0, "Unicorn: RET imm16 sign-extends the immediate"},
      {"CALL r/m32 / RET", "imm16>=8000h", 0, "Unicorn: RET imm16 sign-extends the immediate"},
  };
  return kExclusions;
}

}  // namespace vmlab::conformance
