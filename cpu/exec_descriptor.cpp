// Descriptor-table instructions: LGDT LIDT SGDT SIDT LLDT SLDT LTR STR LMSW SMSW LAR
// LSL VERR VERW ARPL (SDM Vol. 2 entries of the same names).
#include "cpu/descriptors.h"
#include "cpu/exec/system.h"

namespace vmlab {
namespace {

bool protected_mode(const Cpu& cpu) { return (cpu.m_cr0 & CR0_PE) && !(cpu.m_eflags & EFLAGS_VM); }

void require_protected(Cpu& cpu) {
  if (!protected_mode(cpu)) cpu.raise(kUD);
}

bool is_null(u16 sel) { return selector_index(sel) == 0 && !selector_ldt(sel); }

// A 16-bit selector operand: memory word or the low half of a register.
u16 read_selector(Cpu& cpu, const Insn& i) {
  return i.is_mem() ? cpu.read<u16>(i.seg, effective_address(cpu, i)) : u16(cpu.m_regs[i.rm]);
}

// Store a selector or MSW: 16 bits to memory; a register gets it zero-extended with a
// 32-bit operand size (P6 behaviour).
void store_word(Cpu& cpu, const Insn& i, u32 value) {
  if (i.is_mem()) cpu.write<u16>(i.seg, effective_address(cpu, i), u16(value));
  else if (i.op32()) cpu.m_regs[i.rm] = value;
  else *cpu.reg16_ptr(i.rm) = u16(value);
}

// Read a descriptor for LAR/LSL/VERR/VERW without faulting: false if beyond the table.
bool peek_descriptor(Cpu& cpu, u16 sel, Descriptor& d) {
  bool ldt = selector_ldt(sel);
  u32 limit = ldt ? cpu.m_ldtr.limit : cpu.m_gdtr.limit;
  if (is_null(sel) || (ldt && !cpu.m_ldtr.present()) || u32(selector_index(sel)) + 7 > limit) return false;
  d = cpu.read_descriptor(sel);
  return true;
}

// Visibility rule shared by LAR, LSL, VERR, VERW: non-conforming segments need
// DPL >= CPL and DPL >= RPL.
bool visible(const Cpu& cpu, u16 sel, const Descriptor& d) {
  if (d.conforming()) return true;
  return d.dpl() >= cpu.m_cpl && d.dpl() >= selector_rpl(sel);
}

void set_zf(Cpu& cpu, bool value) { cpu.m_flags.update(EFLAGS_ZF, value ? EFLAGS_ZF : 0); }

}  // namespace

void op_sldt_str(Cpu& cpu, const Insn& i) {
  require_protected(cpu);
  store_word(cpu, i, i.reg == 0 ? cpu.m_ldtr.selector : cpu.m_tr.selector);
}

void op_lldt(Cpu& cpu, const Insn& i) {
  require_protected(cpu);
  if (cpu.m_cpl != 0) cpu.raise(kGP, 0);
  u16 sel = read_selector(cpu, i);
  if (is_null(sel)) {
    cpu.m_ldtr = SegmentCache{};
    cpu.m_ldtr.selector = sel;
    cpu.m_ldtr.access = 0;
    return;
  }
  if (selector_ldt(sel)) cpu.raise(kGP, sel & ~3u);
  Descriptor d = cpu.read_descriptor(sel);
  if (d.is_segment() || d.type() != STS_LDT) cpu.raise(kGP, sel & ~3u);
  if (!d.present()) cpu.raise(kNP, sel & ~3u);
  cpu.m_ldtr = make_cache(sel, d);
}

void op_ltr(Cpu& cpu, const Insn& i) {
  require_protected(cpu);
  if (cpu.m_cpl != 0) cpu.raise(kGP, 0);
  u16 sel = read_selector(cpu, i);
  if (is_null(sel)) cpu.raise(kGP, 0);
  if (selector_ldt(sel)) cpu.raise(kGP, sel & ~3u);
  Descriptor d = cpu.read_descriptor(sel);
  if (d.is_segment() || (d.type() != STS_T16A && d.type() != STS_T32A)) cpu.raise(kGP, sel & ~3u);
  if (!d.present()) cpu.raise(kNP, sel & ~3u);
  d.hi |= 0x200;  // busy
  cpu.write_descriptor_hi(sel, d.hi);
  cpu.m_tr = make_cache(sel, d);
}

void op_verr_verw(Cpu& cpu, const Insn& i) {
  require_protected(cpu);
  u16 sel = read_selector(cpu, i);
  Descriptor d;
  bool ok = peek_descriptor(cpu, sel, d) && d.is_segment() && visible(cpu, sel, d);
  if (ok) ok = i.reg == 4 ? d.readable() : d.writable();
  set_zf(cpu, ok);
}

void op_lar_lsl(Cpu& cpu, const Insn& i) {
  require_protected(cpu);
  u16 sel = read_selector(cpu, i);
  bool lsl = i.opcode == 0x103;
  Descriptor d;
  bool ok = peek_descriptor(cpu, sel, d);
  if (ok && !d.is_segment()) {
    u8 t = d.type();
    bool lar_ok = t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 0xB || t == 0xC;
    bool lsl_ok = t == 1 || t == 2 || t == 3 || t == 9 || t == 0xB;
    ok = lsl ? lsl_ok : lar_ok;
  }
  ok = ok && visible(cpu, sel, d);
  set_zf(cpu, ok);
  if (!ok) return;
  u32 v = lsl ? d.limit() : (d.hi & 0x00FFFF00u);
  if (i.op32()) cpu.m_regs[i.reg] = v;
  else *cpu.reg16_ptr(i.reg) = u16(v);
}

void op_sgdt_sidt(Cpu& cpu, const Insn& i) {
  const DescriptorTableReg& r = i.reg == 0 ? cpu.m_gdtr : cpu.m_idtr;
  u32 addr = effective_address(cpu, i);
  u32 base = i.op32() ? r.base : r.base & 0x00FFFFFF;
  cpu.write<u16>(i.seg, addr, r.limit);
  cpu.write<u32>(i.seg, (addr + 2) & i.ea_mask, base);
}

void op_lgdt_lidt(Cpu& cpu, const Insn& i) {
  if (cpu.m_cpl != 0) cpu.raise(kGP, 0);
  u32 addr = effective_address(cpu, i);
  u16 limit = cpu.read<u16>(i.seg, addr);
  u32 base = cpu.read<u32>(i.seg, (addr + 2) & i.ea_mask);
  if (!i.op32()) base &= 0x00FFFFFF;
  DescriptorTableReg& r = i.reg == 2 ? cpu.m_gdtr : cpu.m_idtr;
  r.base = base;
  r.limit = limit;
}

void op_smsw(Cpu& cpu, const Insn& i) { store_word(cpu, i, i.is_mem() ? cpu.m_cr0 & 0xFFFF : cpu.m_cr0); }

// LMSW loads PE MP EM TS; it can set PE but never clear it.
void op_lmsw(Cpu& cpu, const Insn& i) {
  if (cpu.m_cpl != 0) cpu.raise(kGP, 0);
  u32 msw = read_selector(cpu, i) & 0xF;
  u32 cr0 = (cpu.m_cr0 & ~0xEu) | (msw & 0xE) | (cpu.m_cr0 & CR0_PE) | (msw & CR0_PE);
  cpu.set_cr0(cr0);
}

void op_arpl(Cpu& cpu, const Insn& i) {
  require_protected(cpu);
  u16 dest = i.is_mem() ? cpu.read<u16>(i.seg, effective_address(cpu, i)) : u16(cpu.m_regs[i.rm]);
  u16 src = u16(cpu.m_regs[i.reg]);
  if ((dest & 3) < (src & 3)) {
    dest = u16((dest & ~3u) | (src & 3));
    if (i.is_mem()) cpu.write<u16>(i.seg, effective_address(cpu, i), dest);
    else *cpu.reg16_ptr(i.rm) = dest;
    set_zf(cpu, true);
  } else {
    set_zf(cpu, false);
  }
}

}  // namespace vmlab
