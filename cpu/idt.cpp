// Cpu::interrupt: one event (exception, INT n, external interrupt) through the IVT or
// IDT, with gate, privilege and stack-switch rules (SDM Vol. 3, 6.10-6.12; Vol. 2 INT n).
//
// Stack frame built on the handler's stack (32-bit gate; a 16-bit gate pushes words):
//
//        inter-privilege            same privilege
//      +-----------------+
//      | old SS          |
//      | old ESP         |
//      +-----------------+        +-----------------+
//      | EFLAGS          |        | EFLAGS          |
//      | CS              |        | CS              |
//      | EIP             |        | EIP             |
//      | error code (*)  |        | error code (*)  |   <- new ESP
//      +-----------------+        +-----------------+
#include "core/events.h"
#include "cpu/descriptors.h"
#include "cpu/memory_inl.h"

namespace vmlab {

void Cpu::tss_stack(u8 dpl, u16& ss, u32& esp, u32 ext) {
  bool tss32 = (m_tr.access & 0xF) == STS_T32B || (m_tr.access & 0xF) == STS_T32A;
  u32 offset = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
  u32 size = tss32 ? 8 : 4;
  if (offset + size - 1 > m_tr.limit) raise(kTS, (m_tr.selector & ~3u) | ext);
  if (tss32) {
    esp = read_linear<u32>(m_tr.base + offset, false);
    ss = read_linear<u16>(m_tr.base + offset + 4, false);
  } else {
    esp = read_linear<u16>(m_tr.base + offset, false);
    ss = read_linear<u16>(m_tr.base + offset + 2, false);
  }
}

Descriptor Cpu::check_stack_segment(u16 ss, u8 dpl, u32 ext) {
  if (selector_index(ss) == 0 && !selector_ldt(ss)) raise(kTS, ext);
  Descriptor d = read_descriptor(ss, kTS, ext);
  if (selector_rpl(ss) != dpl || d.dpl() != dpl || !d.writable()) raise(kTS, (ss & ~3u) | ext);
  if (!d.present()) raise(kSS, (ss & ~3u) | ext);
  return d;
}

namespace {
bool is_gate_type(u8 type) {
  return type == STS_TG || type == STS_IG16 || type == STS_TRG16 || type == STS_IG32 || type == STS_TRG32;
}
}  // namespace

void Cpu::interrupt(u8 vector, IntSource source, bool has_error, u32 error_code) {
  u32 return_eip = m_next_eip;
  if (source == IntSource::Software) {
    ++m_counters.software_interrupts;
    if (m_events.listening()) {
      Event e;
      e.kind = EventKind::SoftwareInt;
      e.a = vector;
      e.c = m_eip;
      m_events.emit(e);
    }
  }
  m_block_exit = true;
  u32 old_eflags = get_eflags();
  if (!(m_cr0 & CR0_PE)) {  // real mode: the IVT, 4 bytes per vector
    if (u32(vector) * 4 + 3 > m_idtr.limit) raise(kGP, 0);
    u32 entry = read_linear<u32>(m_idtr.base + vector * 4u, false);
    u32 saved_esp = m_regs[ESP];
    try {
      push(old_eflags & 0xFFFF, 2);
      push(m_seg[CS].selector, 2);
      push(return_eip & 0xFFFF, 2);
    } catch (const CpuFault&) {
      m_regs[ESP] = saved_esp;
      throw;
    }
    m_eflags &= ~(EFLAGS_IF | EFLAGS_TF | EFLAGS_AC);
    load_segment_real(CS, u16(entry >> 16));
    m_next_eip = entry & 0xFFFF;
    return;
  }
  if (m_eflags & EFLAGS_VM) raise(kGP, 0);  // virtual-8086 mode is not implemented
  u32 ext = source == IntSource::Software ? 0 : 1;
  u32 idt_error = vector * 8u + 2 + ext;
  if (u32(vector) * 8 + 7 > m_idtr.limit) raise(kGP, idt_error);
  Descriptor gate;
  gate.lo = read_linear<u32>(m_idtr.base + vector * 8u, false);
  gate.hi = read_linear<u32>(m_idtr.base + vector * 8u + 4, false);
  if (gate.is_segment() || !is_gate_type(gate.type())) raise(kGP, idt_error);
  if (source == IntSource::Software && gate.dpl() < m_cpl) raise(kGP, idt_error);
  if (!gate.present()) raise(kNP, idt_error);
  if (m_monitor_entry && gate.gate_selector() == m_monitor_entry) {
    // Into the monitor: the hardware part of the trap is done (gate found, privilege
    // checked); the monitor's handler is C++ code, so stop and let it run.
    m_trap = Trap{vector, u8(source), has_error, error_code, m_eip, return_eip};
    m_trap_pending = true;
    m_block_exit = true;
    return;
  }
  if (gate.type() == STS_TG) {
    task_switch(gate.gate_selector(), 1, return_eip, has_error, error_code);
    return;
  }
  u16 sel = gate.gate_selector();
  if (selector_index(sel) == 0 && !selector_ldt(sel)) raise(kGP, ext);
  Descriptor code = read_descriptor(sel, kGP, ext);
  if (!code.is_code() || code.dpl() > m_cpl) raise(kGP, (sel & ~3u) | ext);
  if (!code.present()) raise(kNP, (sel & ~3u) | ext);
  unsigned size = gate.gate32() ? 4 : 2;
  u32 target = gate.gate32() ? gate.gate_offset() : gate.gate_offset() & 0xFFFF;
  if (target > code.limit()) raise(kGP, ext);

  u8 new_cpl = m_cpl;
  SegmentCache old_ss = m_seg[SS];
  u32 old_esp = m_regs[ESP];
  u8 old_cpl = m_cpl;
  u16 old_cs = m_seg[CS].selector;
  try {
    if (!code.conforming() && code.dpl() < m_cpl) {
      new_cpl = code.dpl();
      u16 new_ss;
      u32 new_esp;
      tss_stack(new_cpl, new_ss, new_esp, ext);
      Descriptor ssd = check_stack_segment(new_ss, new_cpl, ext);
      set_accessed(new_ss, ssd);
      m_seg[SS] = make_cache(new_ss, ssd);
      m_seg[SS].access |= 1;
      refresh_segment_limits(m_seg[SS]);
      m_cpl = new_cpl;
      m_regs[ESP] = new_esp;
      push(old_ss.selector, size);
      push(old_esp, size);
    } else if (!code.conforming() && code.dpl() != m_cpl) {
      raise(kGP, (sel & ~3u) | ext);
    }
    push(old_eflags, size);
    push(old_cs, size);
    push(return_eip, size);
    if (has_error) push(error_code, size);
  } catch (const CpuFault&) {
    m_seg[SS] = old_ss;
    m_regs[ESP] = old_esp;
    m_cpl = old_cpl;
    throw;
  }
  load_code_segment(sel, code, new_cpl);
  m_eflags &= ~(EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM);
  if ((gate.type() & 0x7) == 0x6) m_eflags &= ~EFLAGS_IF;  // interrupt gate
  m_next_eip = target;
}

}  // namespace vmlab
