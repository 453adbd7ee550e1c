// Handlers that are plain functions: invalid opcodes, near jumps, ENTER, PUSHF/POPF,
// segment-register moves, far-pointer loads, decimal adjust, SALC, WAIT and the FPU
// escapes (there is no FPU).
#include "cpu/descriptors.h"
#include "cpu/exec/alu.h"
#include "cpu/exec/data.h"
#include "cpu/opcode_table.h"

namespace vmlab {

void op_invalid(Cpu& cpu, const Insn&) { cpu.raise(kUD); }

void jump_near(Cpu& cpu, u32 target, bool op32) {
  if (!op32) target &= 0xFFFF;
  if (target > cpu.m_seg[CS].limit) cpu.raise(kGP, 0);
  cpu.m_next_eip = target;
}

// SALC (D6, undocumented but present on every Intel x86): AL = CF ? FF : 00.
void op_salc(Cpu& cpu, const Insn&) { *cpu.reg8_ptr(0) = cpu.m_flags.cf() ? 0xFF : 0x00; }

// No FPU: CPUID.1:EDX.FPU = 0. With CR0.EM or CR0.TS set an escape raises #NM, which
// is what an OS emulating the FPU expects. With both clear there is no coprocessor to
// hand the instruction to and it completes without effect, as on real processors
// without one (checked against the SingleStepTests hardware data).
void op_fpu_escape(Cpu& cpu, const Insn&) {
  if (cpu.m_cr0 & (CR0_EM | CR0_TS)) cpu.raise(kNM);
}

void op_wait(Cpu& cpu, const Insn&) {
  if ((cpu.m_cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP)) cpu.raise(kNM);
}

void op_enter_impl(Cpu& cpu, const Insn& i, unsigned size) {
  u32 saved_esp = cpu.m_regs[ESP], saved_ebp = cpu.m_regs[EBP];
  unsigned level = i.imm2 % 32;
  u32 sp_mask = cpu.m_seg[SS].default_big() ? 0xFFFFFFFF : 0xFFFF;
  try {
    cpu.push(cpu.m_regs[EBP], size);
    u32 frame = cpu.m_regs[ESP] & sp_mask;
    if (level > 0) {
      u32 bp = cpu.m_regs[EBP];
      for (unsigned k = 1; k < level; ++k) {
        bp = (bp - size) & sp_mask;
        cpu.push(size == 4 ? cpu.read<u32>(SS, bp) : cpu.read<u16>(SS, bp), size);
      }
      cpu.push(frame, size);
    }
    u32 new_sp = (cpu.m_regs[ESP] - (i.imm & 0xFFFF)) & sp_mask;
    // The new stack top must be writable (SDM: #SS if it is beyond the limit).
    cpu.write<u8>(SS, new_sp, cpu.read<u8>(SS, new_sp));
    if (size == 4) cpu.m_regs[EBP] = frame;
    else *cpu.reg16_ptr(EBP) = u16(frame);
    cpu.set_stack_pointer(new_sp);
  } catch (const CpuFault&) {
    cpu.m_regs[ESP] = saved_esp;
    cpu.m_regs[EBP] = saved_ebp;
    throw;
  }
}

// PUSHF stores EFLAGS with VM and RF clear; POPF obeys the privilege rules.
void op_pushf_impl(Cpu& cpu, unsigned size) {
  cpu.push(cpu.get_eflags() & ~(EFLAGS_VM | EFLAGS_RF), size);
}

void op_popf_impl(Cpu& cpu, unsigned size) {
  u32 value = cpu.pop(size);
  cpu.write_eflags_checked(value, size == 4 ? 0xFFFFFFFF : 0xFFFF);
}

// A 32-bit push of a segment register moves 16 bits into a 4-byte slot, leaving the
// upper half of the slot as it was (recent Intel processors; SDM Vol. 2 PUSH).
void op_push_sreg_impl(Cpu& cpu, SegReg s, unsigned size) {
  u32 mask = cpu.m_seg[SS].default_big() ? 0xFFFFFFFF : 0xFFFF;
  u32 sp = (cpu.m_regs[ESP] - size) & mask;
  if (size == 4) {
    if (u8* p = rmw_pointer<32>(cpu, SS, sp)) store_host<16>(p, cpu.m_seg[s].selector);  // upper half kept
    else cpu.write<u32>(SS, sp, (cpu.read<u32>(SS, sp) & 0xFFFF0000u) | cpu.m_seg[s].selector);
  } else {
    cpu.write<u16>(SS, sp, cpu.m_seg[s].selector);
  }
  cpu.set_stack_pointer(sp);
}

void op_pop_sreg_impl(Cpu& cpu, SegReg s, unsigned size) {
  u32 sp = cpu.stack_pointer();
  u16 sel = cpu.read<u16>(SS, sp);
  if (size == 4) cpu.read<u16>(SS, (sp + 2) & (cpu.m_seg[SS].default_big() ? 0xFFFFFFFF : 0xFFFF));
  cpu.load_segment(s, sel);
  cpu.set_stack_pointer(sp + size);
}

void op_mov_rm_sreg_impl(Cpu& cpu, const Insn& i, unsigned size) {
  if (i.reg > GS) cpu.raise(kUD);
  u16 sel = cpu.m_seg[i.reg].selector;
  if (i.is_mem()) cpu.write<u16>(i.seg, effective_address(cpu, i), sel);
  else if (size == 4) cpu.m_regs[i.rm] = sel;
  else *cpu.reg16_ptr(i.rm) = sel;
}

void op_mov_sreg_rm_impl(Cpu& cpu, const Insn& i) {
  if (i.reg > GS || i.reg == CS) cpu.raise(kUD);
  u16 sel = i.is_mem() ? cpu.read<u16>(i.seg, effective_address(cpu, i)) : u16(cpu.m_regs[i.rm]);
  cpu.load_segment(SegReg(i.reg), sel);
}

void op_load_far_pointer_impl(Cpu& cpu, const Insn& i, SegReg s, unsigned size) {
  u32 addr = effective_address(cpu, i);
  u32 offset = size == 4 ? cpu.read<u32>(i.seg, addr) : cpu.read<u16>(i.seg, addr);
  u16 sel = cpu.read<u16>(i.seg, (addr + size) & i.ea_mask);
  cpu.load_segment(s, sel);
  if (size == 4) cpu.m_regs[i.reg] = offset;
  else *cpu.reg16_ptr(i.reg) = u16(offset);
}

// ---- Decimal adjust (SDM Vol. 2 pseudo-code) ----
namespace {
u32 szp(u8 al) {
  return (al == 0 ? EFLAGS_ZF : 0) | (al & 0x80 ? EFLAGS_SF : 0) | (__builtin_parity(al) ? 0 : EFLAGS_PF);
}
}  // namespace

void op_daa(Cpu& cpu, const Insn&) {
  u8 al = *cpu.reg8_ptr(0), old_al = al;
  bool old_cf = cpu.m_flags.cf(), cf = false, af = false;
  if ((al & 0xF) > 9 || cpu.m_flags.af()) {
    cf = old_cf || al > 0xF9;
    al = u8(al + 6);
    af = true;
  }
  if (old_al > 0x99 || old_cf) {
    al = u8(al + 0x60);
    cf = true;
  } else {
    cf = false;
  }
  *cpu.reg8_ptr(0) = al;
  bool of = !(old_al & 0x80) && (al & 0x80);
  cpu.m_flags.set_arith(szp(al) | (cf ? EFLAGS_CF : 0) | (af ? EFLAGS_AF : 0) | (of ? EFLAGS_OF : 0));
}

void op_das(Cpu& cpu, const Insn&) {
  u8 al = *cpu.reg8_ptr(0), old_al = al;
  bool old_cf = cpu.m_flags.cf(), cf = false, af = false;
  if ((al & 0xF) > 9 || cpu.m_flags.af()) {
    cf = old_cf || al < 6;
    al = u8(al - 6);
    af = true;
  }
  if (old_al > 0x99 || old_cf) {
    al = u8(al - 0x60);
    cf = true;
  }
  *cpu.reg8_ptr(0) = al;
  bool of = (old_al & 0x80) && !(al & 0x80);
  cpu.m_flags.set_arith(szp(al) | (cf ? EFLAGS_CF : 0) | (af ? EFLAGS_AF : 0) | (of ? EFLAGS_OF : 0));
}

void op_aaa(Cpu& cpu, const Insn&) {
  u16 ax = u16(cpu.m_regs[EAX]);
  bool adjust = (ax & 0xF) > 9 || cpu.m_flags.af();
  if (adjust) ax = u16(ax + 0x106);
  ax &= 0xFF0F;
  *cpu.reg16_ptr(EAX) = ax;
  cpu.m_flags.set_arith(szp(u8(ax)) | (adjust ? EFLAGS_AF | EFLAGS_CF : 0));
}

void op_aas(Cpu& cpu, const Insn&) {
  u16 ax = u16(cpu.m_regs[EAX]);
  bool adjust = (ax & 0xF) > 9 || cpu.m_flags.af();
  if (adjust) ax = u16(ax - 6 - 0x100);  // AX = AX - 6; AH = AH - 1
  ax &= 0xFF0F;
  *cpu.reg16_ptr(EAX) = ax;
  cpu.m_flags.set_arith(szp(u8(ax)) | (adjust ? EFLAGS_AF | EFLAGS_CF : 0));
}

void op_aam(Cpu& cpu, const Insn& i) {
  u8 base = u8(i.imm);
  if (base == 0) cpu.raise(kDE);
  u8 al = *cpu.reg8_ptr(0);
  *cpu.reg8_ptr(4) = u8(al / base);
  *cpu.reg8_ptr(0) = u8(al % base);
  cpu.m_flags.set_logic<8>(al % base);
}

// AAD: AL = AL + AH * imm8; the flags are those of that byte addition.
void op_aad(Cpu& cpu, const Insn& i) {
  u8 al = *cpu.reg8_ptr(0), ah = *cpu.reg8_ptr(4);
  u8 product = u8(ah * u8(i.imm));
  u8 r = u8(al + product);
  *cpu.reg16_ptr(EAX) = r;
  cpu.m_flags.set_add<8>(al, product, r);
}

}  // namespace vmlab
