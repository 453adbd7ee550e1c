#include "mmu/tlb.h"

namespace vmlab {

void Tlb::flush(bool flush_global) {
  for (auto& table : m_tables)
    for (auto& e : table)
      if (flush_global || !e.global) e = TlbEntry{};
  if (flush_global) m_may_hold_large = false;  // global 4 MiB entries survive a partial flush
}

void Tlb::invalidate_page(u32 linear) {
  u32 page = linear & ~0xFFFu;
  for (auto& table : m_tables) {
    TlbEntry& e = table[index(linear)];
    if (e.tag == page) e = TlbEntry{};
  }
  // A 4 MiB page may be cached under any of its 1024 small-page indices.
  if (!m_may_hold_large) return;
  for (auto& table : m_tables)
    for (auto& e : table)
      if (e.large && e.tag != TlbEntry::kInvalidTag && ((e.tag ^ page) & 0xFFC00000u) == 0) e = TlbEntry{};
}

void Tlb::revoke_writes_to(u32 phys_page) {
  for (auto& table : m_tables)
    for (auto& e : table)
      if (e.phys_page == phys_page) e.write_tag = TlbEntry::kInvalidTag;
}

}  // namespace vmlab
