// Selector loads and descriptor checks (SDM Vol. 3, 5.5-5.8; Vol. 2, MOV/POP sreg).
#include <cstring>

#include "cpu/descriptors.h"
#include "cpu/memory_inl.h"

namespace vmlab {

Descriptor Cpu::read_descriptor(u16 selector, u8 vector, u32 ext) {
  const bool ldt = selector_ldt(selector);
  u32 base = ldt ? m_ldtr.base : m_gdtr.base;
  u32 limit = ldt ? m_ldtr.limit : m_gdtr.limit;
  if ((ldt && !m_ldtr.present()) || u32(selector_index(selector)) + 7 > limit)
    raise(vector, (selector & ~3u) | ext);
  u32 addr = base + selector_index(selector);
  Descriptor d;
  if ((addr & 0xFFF) <= 0x1000 - 8) {  // the whole descriptor in one page: one lookup
    if (const u8* p = tlb_read_ptr(addr, false)) {
      ++m_counters.tlb_hits;
      std::memcpy(&d.lo, p, 4);
      std::memcpy(&d.hi, p + 4, 4);
      return d;
    }
  }
  d.lo = read_linear<u32>(addr, false);  // implicit supervisor access
  d.hi = read_linear<u32>(addr + 4, false);
  return d;
}

void Cpu::write_descriptor_hi(u16 selector, u32 hi) {
  u32 base = selector_ldt(selector) ? m_ldtr.base : m_gdtr.base;
  write_linear<u32>(base + selector_index(selector) + 4, hi, false);
}

// The processor sets the accessed bit of a code or data descriptor when it loads it.
void Cpu::set_accessed(u16 selector, const Descriptor& d) {
  if (d.is_segment() && !(d.hi & (1u << 8))) write_descriptor_hi(selector, d.hi | (1u << 8));
}

void Cpu::load_code_segment(u16 selector, const Descriptor& d, u8 cpl) {
  set_accessed(selector, d);
  SegmentCache cs = make_cache(u16((selector & ~3u) | cpl), d);
  cs.access |= 1;  // accessed
  refresh_segment_limits(cs);
  m_seg[CS] = cs;
  m_cpl = cpl;
  m_block_exit = true;
}

void Cpu::load_segment(SegReg s, u16 selector) {
  SegmentCache& cache = m_seg[s];
  if (!(m_cr0 & CR0_PE) || (m_eflags & EFLAGS_VM)) {
    cache.selector = selector;
    cache.base = u32(selector) << 4;
    if (m_eflags & EFLAGS_VM) {
      cache.limit = 0xFFFF;
      cache.access = 0xF3;
      cache.flags = 0;
    }
    refresh_segment_limits(cache);
    if (s == SS) m_inhibit_interrupts = true;
    return;
  }
  if (selector_index(selector) == 0 && !selector_ldt(selector)) {
    if (s == SS) raise(kGP, 0);
    cache = SegmentCache{};  // null: loads fine, faults on use
    cache.selector = selector;
    cache.access = 0;
    refresh_segment_limits(cache);
    return;
  }
  Descriptor d = read_descriptor(selector);
  u8 rpl = selector_rpl(selector);
  if (s == SS) {
    if (rpl != m_cpl || d.dpl() != m_cpl || !d.writable()) raise(kGP, selector & ~3u);
    if (!d.present()) raise(kSS, selector & ~3u);
    m_inhibit_interrupts = true;
  } else {
    if (!d.is_segment() || !d.readable()) raise(kGP, selector & ~3u);
    if (!d.conforming() && (rpl > d.dpl() || m_cpl > d.dpl())) raise(kGP, selector & ~3u);
    if (!d.present()) raise(kNP, selector & ~3u);
  }
  set_accessed(selector, d);
  cache = make_cache(selector, d);
  cache.access |= 1;
  refresh_segment_limits(cache);
}

void Cpu::invalidate_segments_for_cpl() {
  for (SegReg s : {ES, DS, FS, GS}) {
    SegmentCache& c = m_seg[s];
    bool data_or_nonconforming = !c.is_system() && (!c.is_code() || !(c.access & 0x4));
    if (c.present() && data_or_nonconforming && c.dpl() < m_cpl) {
      c = SegmentCache{};
      c.access = 0;
      refresh_segment_limits(c);
    }
  }
}

void Cpu::load_segment_real(SegReg s, u16 selector) {
  m_seg[s].selector = selector;
  m_seg[s].base = u32(selector) << 4;
  refresh_segment_limits(m_seg[s]);
  if (s == CS) m_block_exit = true;
}

void Cpu::set_segment_cache(SegReg s, const SegmentCache& cache) {
  m_seg[s] = cache;
  refresh_segment_limits(m_seg[s]);
  if (s == CS) {
    m_block_exit = true;
    if (m_cr0 & CR0_PE) m_cpl = cache.selector & 3;
  }
}

}  // namespace vmlab
