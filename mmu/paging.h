// Two-level 32-bit paging (SDM Vol. 3, 4.3): the page walk.
//
//   linear address
//   31          22 21          12 11             0
//  +--------------+--------------+----------------+
//  |  directory   |    table     |     offset     |
//  +--------------+--------------+----------------+
//        |              |
//   CR3 -> page directory[dir] = PDE --(PS=1, CR4.PSE)--> 4 MiB frame + bits 21..0
//                        |
//                        +--> page table[table] = PTE --> 4 KiB frame + bits 11..0
//
// Access rights are the AND of both levels: user access needs U/S=1 in the PDE and the
// PTE; a user write needs R/W=1 in both; a supervisor write needs R/W=1 in both only
// when CR0.WP=1. A successful walk sets the accessed bit in each entry it used and the
// dirty bit in the final entry for a write.
#pragma once
#include "core/events.h"
#include "core/types.h"

namespace vmlab {

class PhysicalMemory;
class EventStream;
struct Counters;

// Page-directory and page-table entry bits (SDM Vol. 3, Table 4-5, 4-6).
constexpr u32 PTE_P = 1u << 0;
constexpr u32 PTE_W = 1u << 1;
constexpr u32 PTE_U = 1u << 2;
constexpr u32 PTE_PWT = 1u << 3;
constexpr u32 PTE_PCD = 1u << 4;
constexpr u32 PTE_A = 1u << 5;
constexpr u32 PTE_D = 1u << 6;
constexpr u32 PTE_PS = 1u << 7;  // in a PDE: 4 MiB page
constexpr u32 PTE_G = 1u << 8;
constexpr u32 PTE_FRAME = 0xFFFFF000u;
constexpr u32 PDE_FRAME_4M = 0xFFC00000u;

inline u32 pdx(u32 linear) { return linear >> 22; }
inline u32 ptx(u32 linear) { return (linear >> 12) & 0x3FF; }

struct PagingControl {
  u32 cr3;
  bool pse;  // CR4.PSE
  bool pge;  // CR4.PGE
  bool wp;   // CR0.WP
  // Which tables these are, for the PageWalk events: the guest's own, or a monitor's
  // shadow tables that the hardware CR3 points at.
  PageTableKind kind = PageTableKind::Guest;
  // Entries at or above this physical address read as not present and are never
  // written: a monitor walking a guest's tables passes the end of the guest's RAM, so a
  // hostile CR3 or PDE cannot make it read or set bits in monitor memory.
  u64 phys_limit = ~0ull;
};

struct WalkResult {
  bool ok = false;
  u32 error_code = 0;  // #PF error code when !ok (P, W/R, U/S bits)
  u32 phys = 0;        // physical address of `linear` when ok
  bool writable = false;  // this privilege may write the page
  bool dirty = false;     // final entry's D bit after the walk
  bool global = false;
  bool large = false;
};

// Walk the tables for one access. `peek` walks without setting A/D bits and without
// events or counters (debuggers). Entries outside RAM read as 0 (not present).
WalkResult walk_page_tables(PhysicalMemory& memory, EventStream* events, Counters* counters,
                            const PagingControl& control, u32 linear, bool write, bool user,
                            bool peek);

}  // namespace vmlab
