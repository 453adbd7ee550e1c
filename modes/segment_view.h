// The segment descriptor caches decoded for debuggers: for ES CS SS DS FS GS, LDTR and
// TR, the selector, base, limit and attributes the real CPU holds, and under a monitor
// the descriptor the guest itself wrote for the same selector, read from its own GDT or
// LDT through its own page tables (the visualizer's Registers panel, Segments tab).
//
// Under trap-and-emulate the two differ on purpose: the real cache holds the monitor's
// compressed copy (DPL 1 where the guest wrote 0, a limit cut below the monitor's hole),
// the guest's column what the guest believes it loaded.
//
//   access byte (descriptor byte 5)      flags (descriptor byte 6, high nibble)
//     7   6 5   4   3 2 1 0                3   2    1   0
//   | P | DPL | S |  type   |            | G | D/B | L | AVL |
//
//   type, S = 1: code  | 1 | C | R | A |    data  | 0 | E | W | A |
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "cpu/cpu_state.h"

namespace vmlab {

class Machine;

// The type field in words, SDM Vol. 3 Tables 3-1 and 3-2: "code execute/read accessed",
// "data read/write expand-down", "32-bit TSS (busy)", "LDT". `access` is descriptor byte 5.
std::string segment_type_name(u8 access);

// "S=1 DPL=0 P=1 D/B=1 G=1": the attribute bits other than the type. `flags` is the
// high nibble of descriptor byte 6 (SegmentCache::flags).
std::string segment_attributes(u8 access, u8 flags);

// One line for a descriptor cache: "0x0008 base 0x00000000 limit 0xffffffff code
// execute/read accessed S=1 DPL=0 P=1 D/B=1 G=1". The limit is the byte limit
// (granularity applied).
std::string describe_segment(const SegmentCache& cache);

struct SegmentRow {
  std::string name;                    // ES CS SS DS FS GS LDTR TR
  SegmentCache real;                   // the real CPU's descriptor cache
  std::optional<SegmentCache> guest;   // under a monitor: the guest's own descriptor
  std::string guest_note;              // why `guest` is missing ("" natively)
};

// The eight rows, in the order above. Natively only `real` is filled; under a monitor
// `guest` is the descriptor the guest's GDT (or LDT) holds for the selector the guest
// loaded (LDTR and TR: the selectors in its virtual CPU), read without side effects.
std::vector<SegmentRow> segment_rows(Machine& machine);

}  // namespace vmlab
