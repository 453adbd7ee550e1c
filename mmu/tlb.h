// The software TLB: linear page -> physical page, with host pointers for RAM.
//
// Two tables, one for supervisor accesses (CPL 0-2) and one for user accesses (CPL 3),
// because the U/S and R/W checks differ. An entry caches a translation only after the
// page walk checked the permissions for that privilege:
//
//   read_tag  == linear page  => reads of this page need no walk
//   write_tag == linear page  => writes need no walk: writable for this privilege,
//                                dirty bit already set, not MMIO, no decoded code on it
//
// For RAM pages host = linear + addend. MMIO pages get only the architectural `tag` (every
// access takes the slow path to the Bus, without a new walk). Direct-mapped, indexed by a fold of the page number so that
// buffers a power of two apart do not evict each other.
//
// With paging off the same structure caches the identity map, so the fast path is the
// same in every mode.
#pragma once
#include <array>

#include "core/types.h"

namespace vmlab {

struct TlbEntry {
  static constexpr u32 kInvalidTag = 1;  // never a page-aligned address
  // The fast path: host pointer usable (RAM page; for writes also not holding code).
  u32 read_tag = kInvalidTag;
  u32 write_tag = kInvalidTag;
  uintptr_t addend = 0;  // host pointer = linear + addend
  // The architectural translation (also for MMIO and code pages).
  u32 tag = kInvalidTag;  // linear page, or kInvalidTag
  u32 phys_page = 0;      // physical address of the page
  u8 writable = 0;        // writes allowed for this privilege and the dirty bit is set
  u8 global = 0;          // PTE.G with CR4.PGE: survives CR3 loads
  u8 large = 0;           // came from a 4 MiB page
};

class Tlb {
 public:
  static constexpr u32 kEntries = 1024;

  static u32 index(u32 linear) {
    u32 page = linear >> 12;
    return (page ^ (page >> 10)) & (kEntries - 1);
  }

  TlbEntry& entry(bool user, u32 linear) { return m_tables[user][index(linear)]; }
  const TlbEntry& entry(bool user, u32 linear) const { return m_tables[user][index(linear)]; }

  // Drop everything (flush_global) or everything but global entries.
  void flush(bool flush_global);
  // INVLPG: drop the entries for this linear page (both privileges).
  void invalidate_page(u32 linear);
  // A translation from a 4 MiB page is about to be cached: from now on invalidate_page
  // must look for it under every index it may sit at (until a full flush).
  void note_large_entry() { m_may_hold_large = true; }
  // Stop allowing fast writes to a physical page (it now holds decoded code).
  void revoke_writes_to(u32 phys_page);

 private:
  std::array<std::array<TlbEntry, kEntries>, 2> m_tables{};
  bool m_may_hold_large = false;
};

}  // namespace vmlab
