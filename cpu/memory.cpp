// Memory slow paths: segment-limit faults, TLB misses and page walks, page-crossing and
// MMIO accesses, and the stack.
#include <cstring>

#include "core/bus.h"
#include "core/events.h"
#include "core/physical_memory.h"
#include "core/virtual_clock.h"
#include "cpu/memory_inl.h"
#include "mmu/paging.h"

namespace vmlab {

void Cpu::refresh_all_segment_limits() {
  for (auto& s : m_seg) refresh_segment_limits(s);
}

// The fast check failed: decide between a fault and an allowed expand-down access.
void Cpu::segment_check_slow(u8 seg, u32 offset, unsigned size, bool write) {
  const SegmentCache& s = m_seg[seg];
  u8 vector = seg == SS ? kSS : kGP;
  u64 last = u64(offset) + size - 1;
  bool protected_mode = (m_cr0 & CR0_PE) && !(m_eflags & EFLAGS_VM);
  if (!protected_mode) {
    if (last > s.limit) raise(vector, 0);
    return;
  }
  if (!s.present() || s.is_system()) raise(vector, 0);
  if (s.is_code() ? (write || !(s.access & 0x2)) : (write && !(s.access & 0x2))) raise(vector, 0);
  if (!s.is_code() && s.expand_down()) {
    u64 upper = s.default_big() ? 0xFFFFFFFFull : 0xFFFFull;
    if (offset <= s.limit || last > upper) raise(vector, 0);
    return;
  }
  if (last > s.limit) raise(vector, 0);
}

// Linear -> physical for one access, through the TLB; walks the page tables on a miss
// and raises #PF (with CR2) when the walk fails.
u32 Cpu::translate(u32 linear, bool write, bool user) {
  TlbEntry& e = m_tlb.entry(user, linear);
  u32 page = linear & ~0xFFFu;
  bool paging = m_cr0 & CR0_PG;
  if (e.tag == page && (!write || e.writable)) {
    if (paging) ++m_counters.tlb_hits;
    return e.phys_page | (linear & 0xFFF);
  }
  TlbEntry fill;
  fill.tag = page;
  if (paging) {
    ++m_counters.tlb_misses;
    PagingControl control{m_cr3, (m_cr4 & CR4_PSE) != 0, (m_cr4 & CR4_PGE) != 0, (m_cr0 & CR0_WP) != 0,
                          m_walk_kind};
    WalkResult w = walk_page_tables(m_memory, &m_events, &m_counters, control, linear, write, user, false);
    if (m_walk_refs) m_clock.charge(m_walk_ref_key, m_walk_refs);
    if (!w.ok) {
      m_cr2 = linear;
      ++m_counters.page_faults;
      raise(kPF, w.error_code);
    }
    fill.phys_page = (w.phys & ~0xFFFu) & m_a20_mask;
    fill.writable = w.writable && w.dirty;
    fill.global = w.global;
    fill.large = w.large;
    if (w.large) m_tlb.note_large_entry();
  } else {
    fill.phys_page = page & m_a20_mask;
    fill.writable = 1;
  }
  if (m_memory.contains(fill.phys_page, 0x1000)) {
    fill.addend = uintptr_t(m_memory.host_ptr(fill.phys_page)) - uintptr_t(page);
    fill.read_tag = page;
    if (fill.writable && !m_memory.is_code(fill.phys_page)) fill.write_tag = page;
  }
  e = fill;
  if (m_events.listening()) {
    Event ev;
    ev.kind = EventKind::TlbFill;
    ev.a = page;
    ev.b = fill.phys_page;
    ev.c = (fill.writable ? 2u : 0u) | (user ? 4u : 0u) | (fill.global ? 0x100u : 0u);
    m_events.emit(ev);
  }
  return fill.phys_page | (linear & 0xFFF);
}

namespace {
u32 read_phys(PhysicalMemory& memory, Bus& bus, u32 phys, unsigned size) {
  if (memory.contains(phys, size)) {
    u32 v = 0;
    std::memcpy(&v, memory.host_ptr(phys), size);
    return v;
  }
  return bus.mmio_read(phys, u8(size));
}
}  // namespace

u32 Cpu::read_linear_slow(u32 linear, unsigned size, bool user) {
  if ((linear & 0xFFF) + size > 0x1000) {
    // Crossing a page: translate both pages before reading anything.
    u32 first = 0x1000 - (linear & 0xFFF);
    u32 p0 = translate(linear, false, user);
    u32 p1 = translate(linear + first, false, user);
    u32 v = 0;
    for (unsigned k = 0; k < size; ++k) {
      u32 phys = k < first ? p0 + k : p1 + (k - first);
      v |= read_phys(m_memory, m_bus, phys, 1) << (8 * k);
    }
    return v;
  }
  return read_phys(m_memory, m_bus, translate(linear, false, user), size);
}

void Cpu::write_linear_slow(u32 linear, u32 value, unsigned size, bool user) {
  u32 first = 0x1000 - (linear & 0xFFF);
  if (first < size) {
    u32 p0 = translate(linear, true, user);
    u32 p1 = translate(linear + first, true, user);
    for (unsigned k = 0; k < size; ++k) {
      u32 phys = k < first ? p0 + k : p1 + (k - first);
      u8 byte = u8(value >> (8 * k));
      if (m_memory.contains(phys, 1)) m_memory.write(phys, &byte, 1);
      else m_bus.mmio_write(phys, byte, 1);
    }
    return;
  }
  u32 phys = translate(linear, true, user);
  if (!m_memory.contains(phys, size)) {
    m_bus.mmio_write(phys, value, u8(size));
    return;
  }
  m_memory.write(phys, &value, size);  // invalidates decoded code on this page
  // The page no longer holds code: let the next write take the fast path.
  TlbEntry& e = m_tlb.entry(user, linear);
  if (e.tag == (linear & ~0xFFFu) && e.writable && e.read_tag == e.tag) e.write_tag = e.tag;
}

void Cpu::tlb_flush(bool flush_global) {
  m_tlb.flush(flush_global);
  ++m_chain_generation;
  ++m_counters.tlb_flushes;
  m_block_exit = true;
  if (m_events.listening()) {
    Event e;
    e.kind = EventKind::TlbFlush;
    e.flags = flush_global ? Event::kGlobalToo : 0;
    m_events.emit(e);
  }
}

bool Cpu::debug_translate(u32 linear, u32& physical) const {
  if (!(m_cr0 & CR0_PG)) {
    physical = linear & m_a20_mask;
    return true;
  }
  PagingControl control{m_cr3, (m_cr4 & CR4_PSE) != 0, (m_cr4 & CR4_PGE) != 0, (m_cr0 & CR0_WP) != 0};
  WalkResult w = walk_page_tables(m_memory, nullptr, nullptr, control, linear, false, false, true);
  physical = w.phys & m_a20_mask;
  return w.ok;
}

void Cpu::set_a20(bool enabled) {
  u32 mask = enabled ? 0xFFFFFFFFu : ~(1u << 20);
  if (mask == m_a20_mask) return;
  m_a20_mask = mask;
  m_tlb.flush(true);
  ++m_chain_generation;
  m_block_exit = true;
}

}  // namespace vmlab
