// Far JMP/CALL (to code segments, through call gates, to TSSs and task gates), far RET
// and IRET (SDM Vol. 2 JMP, CALL, RET, IRET; Vol. 3, 5.8).
#include "cpu/descriptors.h"
#include "cpu/memory_inl.h"

namespace vmlab {
namespace {
bool is_null(u16 sel) { return selector_index(sel) == 0 && !selector_ldt(sel); }
}  // namespace

// A CALL through a call gate to a more privileged level: switch to the inner stack from
// the TSS and copy `params` words/dwords from the caller's stack.
static void call_gate_inner(Cpu& cpu, const Descriptor& gate, u16 code_sel, const Descriptor& code,
                            u32 target) {
  u8 new_cpl = code.dpl();
  unsigned size = gate.gate32() ? 4 : 2;
  u16 new_ss;
  u32 new_esp;
  cpu.tss_stack(new_cpl, new_ss, new_esp, 0);
  Descriptor ssd = cpu.check_stack_segment(new_ss, new_cpl, 0);
  SegmentCache old_ss = cpu.m_seg[SS];
  u32 old_esp = cpu.m_regs[ESP];
  u8 old_cpl = cpu.m_cpl;
  u16 old_cs = cpu.m_seg[CS].selector;
  u32 params[31];
  u32 n = gate.gate_params();
  u32 sp_mask = old_ss.default_big() ? 0xFFFFFFFF : 0xFFFF;
  for (u32 k = 0; k < n; ++k) {
    u32 off = (old_esp + k * size) & sp_mask;
    params[k] = size == 4 ? cpu.read<u32>(SS, off) : cpu.read<u16>(SS, off);
  }
  try {
    cpu.set_accessed(new_ss, ssd);
    cpu.m_seg[SS] = make_cache(new_ss, ssd);
    cpu.m_seg[SS].access |= 1;
    cpu.refresh_segment_limits(cpu.m_seg[SS]);
    cpu.m_cpl = new_cpl;
    cpu.m_regs[ESP] = new_esp;
    cpu.push(old_ss.selector, size);
    cpu.push(old_esp, size);
    for (u32 k = n; k-- > 0;) cpu.push(params[k], size);
    cpu.push(old_cs, size);
    cpu.push(cpu.m_next_eip, size);
  } catch (const CpuFault& f) {
    cpu.m_seg[SS] = old_ss;
    cpu.m_regs[ESP] = old_esp;
    cpu.m_cpl = old_cpl;
    if (f.vector == kSS && f.error_code == 0) cpu.raise(kSS, new_ss & ~3u);
    throw;
  }
  cpu.load_code_segment(code_sel, code, new_cpl);
  cpu.m_next_eip = target;
}

void Cpu::far_jump_or_call(u16 selector, u32 offset, unsigned size, bool is_call) {
  m_block_exit = true;
  u32 return_eip = m_next_eip;
  if (!(m_cr0 & CR0_PE) || (m_eflags & EFLAGS_VM)) {
    u32 target = size == 4 ? offset : offset & 0xFFFF;
    if (target > m_seg[CS].limit) raise(kGP, 0);
    if (is_call) {
      u32 saved = m_regs[ESP];
      try {
        push(m_seg[CS].selector, size);
        push(return_eip, size);
      } catch (const CpuFault&) {
        m_regs[ESP] = saved;
        throw;
      }
    }
    load_segment_real(CS, selector);
    m_next_eip = target;
    return;
  }
  if (is_null(selector)) raise(kGP, 0);
  Descriptor d = read_descriptor(selector);
  u16 err = selector & ~3u;
  if (d.is_code()) {
    if (d.conforming() ? d.dpl() > m_cpl : (selector_rpl(selector) > m_cpl || d.dpl() != m_cpl))
      raise(kGP, err);
    if (!d.present()) raise(kNP, err);
    u32 target = size == 4 ? offset : offset & 0xFFFF;
    if (target > d.limit()) raise(kGP, 0);
    if (is_call) {
      u32 saved = m_regs[ESP];
      try {
        push(m_seg[CS].selector, size);
        push(return_eip, size);
      } catch (const CpuFault&) {
        m_regs[ESP] = saved;
        throw;
      }
    }
    load_code_segment(selector, d, m_cpl);
    m_next_eip = target;
    return;
  }
  if (d.is_segment()) raise(kGP, err);  // a data segment
  switch (d.type()) {
    case STS_CG16:
    case STS_CG32: {
      if (d.dpl() < m_cpl || d.dpl() < selector_rpl(selector)) raise(kGP, err);
      if (!d.present()) raise(kNP, err);
      u16 code_sel = d.gate_selector();
      if (is_null(code_sel)) raise(kGP, 0);
      Descriptor code = read_descriptor(code_sel);
      if (!code.is_code() || code.dpl() > m_cpl) raise(kGP, code_sel & ~3u);
      if (!code.present()) raise(kNP, code_sel & ~3u);
      u32 target = d.gate32() ? d.gate_offset() : d.gate_offset() & 0xFFFF;
      if (target > code.limit()) raise(kGP, 0);
      bool inner = !code.conforming() && code.dpl() < m_cpl;
      if (!is_call) {
        if (!code.conforming() && code.dpl() != m_cpl) raise(kGP, code_sel & ~3u);
        load_code_segment(code_sel, code, m_cpl);
        m_next_eip = target;
        return;
      }
      if (inner) {
        call_gate_inner(*this, d, code_sel, code, target);
        return;
      }
      unsigned gsize = d.gate32() ? 4 : 2;
      u32 saved = m_regs[ESP];
      try {
        push(m_seg[CS].selector, gsize);
        push(return_eip, gsize);
      } catch (const CpuFault&) {
        m_regs[ESP] = saved;
        throw;
      }
      load_code_segment(code_sel, code, m_cpl);
      m_next_eip = target;
      return;
    }
    case STS_TG:
    case STS_T16A:
    case STS_T32A: {
      if (d.dpl() < m_cpl || d.dpl() < selector_rpl(selector)) raise(kGP, err);
      if (!d.present()) raise(kNP, err);
      u16 tss = d.type() == STS_TG ? d.gate_selector() : selector;
      task_switch(tss, is_call ? 1 : 0, return_eip, false, 0);
      return;
    }
    default:
      raise(kGP, err);
  }
}

// RETF [imm16] and IRET. Returns to the same or an outer privilege level.
void Cpu::far_return(bool is_iret, unsigned size, u16 pop_bytes) {
  m_block_exit = true;
  u32 sp_mask = m_seg[SS].default_big() ? 0xFFFFFFFF : 0xFFFF;
  u32 sp = m_regs[ESP] & sp_mask;
  auto stack_read = [&](u32 k) -> u32 {
    u32 off = (sp + k * size) & sp_mask;
    return size == 4 ? read<u32>(SS, off) : read<u16>(SS, off);
  };
  if (is_iret && (m_cr0 & CR0_PE) && (m_eflags & EFLAGS_NT)) {
    u16 back_link = read_linear<u16>(m_tr.base, false);
    task_switch(back_link, 2, m_next_eip, false, 0);
    return;
  }
  u32 new_eip = stack_read(0);
  u16 new_cs = u16(stack_read(1));
  u32 new_flags = is_iret ? stack_read(2) : 0;
  u32 frame = (is_iret ? 3 : 2) * size;
  if (!(m_cr0 & CR0_PE) || (m_eflags & EFLAGS_VM)) {
    if (size == 2) new_eip &= 0xFFFF;
    if (new_eip > m_seg[CS].limit) raise(kGP, 0);
    set_stack_pointer(sp + frame + pop_bytes);
    load_segment_real(CS, new_cs);
    if (is_iret) write_eflags_checked(new_flags, size == 4 ? 0xFFFFFFFF : 0xFFFF);
    m_next_eip = new_eip;
    return;
  }
  if (is_iret && size == 4 && (new_flags & EFLAGS_VM) && m_cpl == 0) raise(kGP, 0);  // no V86
  if (is_null(new_cs)) raise(kGP, 0);
  Descriptor code = read_descriptor(new_cs);
  u8 rpl = selector_rpl(new_cs);
  u16 err = new_cs & ~3u;
  if (!code.is_code() || rpl < m_cpl) raise(kGP, err);
  if (code.conforming() ? code.dpl() > rpl : code.dpl() != rpl) raise(kGP, err);
  if (!code.present()) raise(kNP, err);
  if (size == 2) new_eip &= 0xFFFF;
  if (new_eip > code.limit()) raise(kGP, 0);
  u8 old_cpl = m_cpl;
  if (rpl == m_cpl) {
    set_stack_pointer(sp + frame + pop_bytes);
    load_code_segment(new_cs, code, rpl);
  } else {
    u32 new_esp = stack_read(frame / size + pop_bytes / size);
    u16 new_ss = u16(stack_read(frame / size + pop_bytes / size + 1));
    if (pop_bytes % size) {  // odd immediates: read at the exact byte offsets
      new_esp = size == 4 ? read<u32>(SS, (sp + frame + pop_bytes) & sp_mask)
                          : read<u16>(SS, (sp + frame + pop_bytes) & sp_mask);
      new_ss = read<u16>(SS, (sp + frame + pop_bytes + size) & sp_mask);
    }
    if (is_null(new_ss)) raise(kGP, 0);
    Descriptor ssd = read_descriptor(new_ss);
    if (selector_rpl(new_ss) != rpl || ssd.dpl() != rpl || !ssd.writable()) raise(kGP, new_ss & ~3u);
    if (!ssd.present()) raise(kSS, new_ss & ~3u);
    load_code_segment(new_cs, code, rpl);
    set_accessed(new_ss, ssd);
    m_seg[SS] = make_cache(new_ss, ssd);
    m_seg[SS].access |= 1;
    refresh_segment_limits(m_seg[SS]);
    set_stack_pointer(new_esp + pop_bytes);
    invalidate_segments_for_cpl();
  }
  if (is_iret) {
    u8 cpl_now = m_cpl;
    m_cpl = old_cpl;  // flag privilege rules use the CPL of the IRET itself
    write_eflags_checked(new_flags, size == 4 ? 0xFFFFFFFF : 0xFFFF);
    m_cpl = cpl_now;
  }
  m_next_eip = new_eip;
}

}  // namespace vmlab
