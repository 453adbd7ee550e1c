// EFLAGS and control-register writes, with their side effects on the TLB, the segment
// caches and the run loop.
#include "core/counters.h"
#include "core/virtual_clock.h"
#include "cpu/cpu.h"

namespace vmlab {

u32 Cpu::get_eflags() const { return (m_eflags & ~EFLAGS_ARITH) | m_flags.arith() | EFLAGS_FIXED1; }

void Cpu::set_eflags(u32 value) {
  m_flags.set_arith(value);
  u32 old = m_eflags;
  m_eflags = (value & EFLAGS_WRITABLE & ~EFLAGS_ARITH) | EFLAGS_FIXED1;
  if ((old ^ m_eflags) & EFLAGS_VM) refresh_all_segment_limits();
  m_block_exit = true;
}

// POPF and IRET (SDM Vol. 2, POPF "Operation"): IOPL changes only at CPL 0; IF only when
// CPL <= IOPL; VM and RF are never set by POPF (IRET handles VM itself); in real mode
// every bit is writable.
void Cpu::write_eflags_checked(u32 value, u32 mask) {
  u32 writable = EFLAGS_WRITABLE & ~EFLAGS_VM & ~EFLAGS_RF & mask;
  if (m_cr0 & CR0_PE) {
    if (m_cpl > 0) writable &= ~EFLAGS_IOPL;
    if (m_cpl > ((m_eflags & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT)) writable &= ~EFLAGS_IF;
  }
  u32 current = get_eflags();
  set_eflags((current & ~writable) | (value & writable));
}

void Cpu::set_cr0(u32 value) {
  value |= CR0_ET;  // hard-wired to 1 on the 486 and later
  u32 changed = m_cr0 ^ value;
  m_cr0 = value;
  if (changed & (CR0_PG | CR0_WP | CR0_PE)) tlb_flush(true);
  if (changed & CR0_PE) refresh_all_segment_limits();
  m_block_exit = true;
}

void Cpu::set_cr3(u32 value) {
  m_cr3 = value;
  ++m_counters.cr3_loads;
  if (m_cr0 & CR0_PG) tlb_flush(false);
}

void Cpu::set_cr4(u32 value) {
  u32 changed = m_cr4 ^ value;
  m_cr4 = value;
  if (changed & (CR4_PSE | CR4_PGE)) tlb_flush(true);
  m_block_exit = true;
}

u64 Cpu::tsc() const { return m_clock.now() + m_tsc_offset; }

}  // namespace vmlab
