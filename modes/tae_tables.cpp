// The monitor's half of ring compression: its structures in the hole (shadow GDT, IDT,
// TSS, LDT), the guest descriptors copied into them, and the guest's own view of its
// memory (its page tables, not the shadow). modes/tae_monitor.h has the layout.
#include <fmt/format.h>

#include <cstring>

#include "core/error.h"
#include "core/machine.h"
#include "cpu/descriptors.h"
#include "cpu/exec_common.h"
#include "mmu/paging.h"
#include "modes/tae_monitor.h"

namespace vmlab {
namespace {

constexpr u32 kIdtGateHi = 0x8000 | (3u << 13) | (STS_IG32 << 8);  // present, DPL 3, 32-bit interrupt gate

}  // namespace

// The monitor's structures in the top 4 MiB: one page table maps them, read-only.
void TaeMonitor::build_hole() {
  u32 hole_table = *m_pool->alloc_page();
  m_mmu->set_hole_table(hole_table);
  u32* pt = m_pool->table(hole_table);
  u32 first = 0;
  for (u32 i = 0; i < kHolePages; ++i) {
    u32 page = *m_pool->alloc_page();
    if (i == 0) first = page;
    if (page != first + i * 0x1000) throw std::logic_error("monitor memory: hole pages not contiguous");
    pt[i] = page | PTE_P | PTE_A;  // supervisor, read-only: the guest's ring 1 cannot write
  }
  m_gdt_hpa = first;
  m_idt_hpa = first + 0x10000;
  m_tss_hpa = m_idt_hpa + 0x1000;
  m_ldt_hpa = m_tss_hpa + 0x1000;

  u32* gdt = m_pool->table(m_gdt_hpa);
  gdt[(kMonitorCode >> 3) * 2] = 0x0000FFFF;  // flat ring-0 code: the monitor's entry
  gdt[(kMonitorCode >> 3) * 2 + 1] = 0x00CF9B00;
  gdt[(kMonitorTss >> 3) * 2] = (kTssLinear << 16) | 103;
  gdt[(kMonitorTss >> 3) * 2 + 1] = (kTssLinear & 0xFF000000u) | ((kTssLinear >> 16) & 0xFF) | 0x8B00;
  u32* idt = m_pool->table(m_idt_hpa);
  for (u32 v = 0; v < 256; ++v) {
    u32 entry = v * 16;  // an address in the monitor's code segment, one per vector
    idt[v * 2] = (u32(kMonitorCode) << 16) | (entry & 0xFFFF);
    idt[v * 2 + 1] = (entry & 0xFFFF0000u) | kIdtGateHi;
  }
  u32* tss = m_pool->table(m_tss_hpa);
  tss[25] = 104u << 16;  // I/O map base beyond the limit: every port traps
}

// A guest descriptor as the shadow GDT/LDT holds it: ring 0 becomes ring 1, the accessed
// bit is preset (the shadow is read-only to the CPU), limits stop below the hole, and
// whatever could carry the guest past the monitor (gates, TSSs, expand-down segments
// that reach up into the hole) is dropped.
void TaeMonitor::compress(u32& lo, u32& hi) {
  Descriptor d{lo, hi};
  if (!d.is_segment()) {
    lo = hi = 0;
    return;
  }
  if (d.is_data() && (d.type() & 0x4)) {  // expand-down: valid offsets run up to 4 GiB
    lo = hi = 0;
    return;
  }
  if (d.dpl() == 0) hi |= 1u << 13;
  hi |= 1u << 8;  // accessed
  u64 end = u64(d.base()) + d.limit();
  if (end >= ShadowMmu::kHoleBase) {
    if (d.base() >= ShadowMmu::kHoleBase) {
      lo = hi = 0;
      return;
    }
    u32 limit = ShadowMmu::kHoleBase - 1 - d.base();
    u32 raw = limit > 0xFFFFF ? (limit + 1) / 4096 - 1 : limit;
    bool granular = limit > 0xFFFFF;
    lo = (lo & 0xFFFF0000u) | (raw & 0xFFFF);
    hi = (hi & ~0x000F0000u & ~(1u << 23)) | (raw & 0xF0000) | (granular ? 1u << 23 : 0);
  }
}

// ===== Guest memory as the guest addresses it (its own tables, not the shadow) =====

bool TaeMonitor::translate_guest(u32 linear, u32& physical) const {
  physical = linear;
  if (!(m_vcpu.cr0 & CR0_PG)) return true;
  PagingControl control{m_vcpu.cr3, (m_vcpu.cr4 & CR4_PSE) != 0, false, true, PageTableKind::Guest,
                        m_slots->guest_end()};
  WalkResult w = walk_page_tables(m_machine->memory(), nullptr, nullptr, control, linear, false, false, true);
  physical = w.phys;
  return w.ok;
}

bool TaeMonitor::read_guest(u32 linear, u32& value) const {
  u32 gpa;
  if (!translate_guest(linear, gpa)) return false;
  std::optional<u32> hpa = m_slots->ram_hpa(gpa);
  if (!hpa || (*hpa & 0xFFF) > 0xFFC) return false;
  std::memcpy(&value, m_machine->memory().host_ptr(*hpa), 4);
  return true;
}

bool TaeMonitor::write_guest(u32 linear, u32 value) {
  u32 gpa = linear;
  if (m_vcpu.cr0 & CR0_PG) {
    PagingControl control{m_vcpu.cr3, (m_vcpu.cr4 & CR4_PSE) != 0, false, false, PageTableKind::Guest,
                          m_slots->guest_end()};
    WalkResult w = walk_page_tables(m_machine->memory(), nullptr, nullptr, control, linear, true, false, true);
    if (!w.ok) return false;
    gpa = w.phys;
  }
  std::optional<u32> hpa = m_slots->ram_hpa(gpa);
  if (!hpa || (*hpa & 0xFFF) > 0xFFC) return false;
  m_machine->memory().write(*hpa, &value, 4);
  return true;
}

// The descriptor for `selector` in the guest's own GDT (or LDT), or false if beyond it.
bool TaeMonitor::guest_descriptor(u16 selector, u32& lo, u32& hi) const {
  if (selector & 4) return false;  // LDT-based system descriptors are not used here
  u32 offset = selector_index(selector);
  if (offset + 7 > m_vcpu.gdtr.limit) return false;
  return read_guest(m_vcpu.gdtr.base + offset, lo) && read_guest(m_vcpu.gdtr.base + offset + 4, hi);
}

// Copy the guest's GDT into the shadow GDT, compressed. Entries beyond the guest's limit
// are null, so loading them faults as it would on the guest's own table.
void TaeMonitor::sync_shadow_gdt() {
  u32* gdt = m_pool->table(m_gdt_hpa);
  for (u32 offset = 8; offset < kFirstMonitorSelector; offset += 8) {
    u32 lo = 0, hi = 0;
    if (offset + 7 <= m_vcpu.gdtr.limit && read_guest(m_vcpu.gdtr.base + offset, lo) &&
        read_guest(m_vcpu.gdtr.base + offset + 4, hi))
      compress(lo, hi);
    else
      lo = hi = 0;
    gdt[offset / 4] = lo;
    gdt[offset / 4 + 1] = hi;
  }
  m_cpu->tlb_flush(true);
}

TaeMonitor::Outcome TaeMonitor::load_ldt(u16 selector) {
  m_vcpu.ldtr = selector;
  if (!(selector & ~3u)) {
    m_cpu->m_ldtr = SegmentCache{};
    m_cpu->m_ldtr.access = 0x82;
    return std::nullopt;
  }
  u32 lo, hi;
  if (!guest_descriptor(selector, lo, hi)) return reflect_gp(selector & ~3u);
  Descriptor d{lo, hi};
  if (d.is_segment() || d.type() != STS_LDT || !d.present()) return reflect_gp(selector & ~3u);
  u32* ldt = m_pool->table(m_ldt_hpa);
  u32 entries = std::min<u32>((d.limit() + 1) / 8, 8192);
  for (u32 i = 0; i < 8192; ++i) {
    u32 elo = 0, ehi = 0;
    if (i < entries && read_guest(d.base() + i * 8, elo) && read_guest(d.base() + i * 8 + 4, ehi))
      compress(elo, ehi);
    else
      elo = ehi = 0;
    ldt[i * 2] = elo;
    ldt[i * 2 + 1] = ehi;
  }
  u32 limit = std::min<u32>(d.limit(), 0xFFFF);
  u32* gdt = m_pool->table(m_gdt_hpa);
  gdt[(kShadowLdt >> 3) * 2] = (kLdtLinear << 16) | limit;
  gdt[(kShadowLdt >> 3) * 2 + 1] = (kLdtLinear & 0xFF000000u) | ((kLdtLinear >> 16) & 0xFF) | 0x8200;
  SegmentCache c;
  c.selector = kShadowLdt;
  c.base = kLdtLinear;
  c.limit = limit;
  c.access = 0x82;
  m_cpu->m_ldtr = c;
  m_cpu->tlb_flush(true);
  return std::nullopt;
}

TaeMonitor::Outcome TaeMonitor::load_tr(u16 selector) {
  u32 lo, hi;
  if (!(selector & ~3u) || !guest_descriptor(selector, lo, hi)) return reflect_gp(selector & ~3u);
  Descriptor d{lo, hi};
  if (d.is_segment() || (d.type() != STS_T32A && d.type() != STS_T16A)) return reflect_gp(selector & ~3u);
  if (!d.present()) return reflect(kNP, true, selector & ~3u, m_cpu->eip(), false);
  write_guest(m_vcpu.gdtr.base + selector_index(selector) + 4, hi | (2u << 8));  // busy
  m_vcpu.tr = selector;
  m_guest_tss_base = d.base();
  return std::nullopt;
}


}  // namespace vmlab
