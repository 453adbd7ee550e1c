// Data movement: MOV (all forms), MOVZX, MOVSX, LEA, XCHG, XLAT, the stack (PUSH POP
// PUSHA POPA ENTER LEAVE), flag transfers (LAHF SAHF PUSHF POPF CLC STC CMC CLD STD) and
// far-pointer loads (LDS LES LFS LGS LSS).
#pragma once
#include "cpu/exec_common.h"

namespace vmlab {

// MOV r/m, reg (88 89); MOV reg, r/m (8A 8B); MOV r/m, imm (C6 C7 /0); MOV reg, imm (B0-BF)
template <unsigned Bits, bool Mem>
void op_mov_rm_r(Cpu& cpu, const Insn& i) { write_rm<Bits, Mem>(cpu, i, get_reg<Bits>(cpu, i.reg)); }
template <unsigned Bits, bool Mem>
void op_mov_r_rm(Cpu& cpu, const Insn& i) { set_reg<Bits>(cpu, i.reg, read_rm<Bits, Mem>(cpu, i)); }
template <unsigned Bits, bool Mem>
void op_mov_rm_imm(Cpu& cpu, const Insn& i) { write_rm<Bits, Mem>(cpu, i, i.imm); }
template <unsigned Bits, bool Mem>
void op_mov_r_imm(Cpu& cpu, const Insn& i) { set_reg<Bits>(cpu, i.opcode & 7, i.imm); }

// MOV AL/eAX, moffs (A0 A1); MOV moffs, AL/eAX (A2 A3)
template <unsigned Bits, bool Mem>
void op_mov_acc_moffs(Cpu& cpu, const Insn& i) { set_reg<Bits>(cpu, EAX, read_mem<Bits>(cpu, i.seg, i.disp)); }
template <unsigned Bits, bool Mem>
void op_mov_moffs_acc(Cpu& cpu, const Insn& i) { write_mem<Bits>(cpu, i.seg, i.disp, get_reg<Bits>(cpu, EAX)); }

// MOVZX / MOVSX reg, r/m8|r/m16 (0F B6 B7 BE BF)
template <unsigned SrcBits, bool Signed, unsigned Bits, bool Mem>
void op_movx(Cpu& cpu, const Insn& i) {
  u32 v = read_rm<SrcBits, Mem>(cpu, i);
  set_reg<Bits>(cpu, i.reg, Signed ? sign_extend<SrcBits>(v) : v);
}

// LEA reg, m (8D): the offset only, truncated to the operand size.
template <unsigned Bits, bool Mem>
void op_lea(Cpu& cpu, const Insn& i) { set_reg<Bits>(cpu, i.reg, effective_address(cpu, i)); }

// XCHG r/m, reg (86 87); XCHG eAX, reg (91-97); NOP is XCHG eAX, eAX (90)
template <unsigned Bits, bool Mem>
void op_xchg_rm_r(Cpu& cpu, const Insn& i) {
  u32 a = read_rm<Bits, Mem>(cpu, i);
  write_rm<Bits, Mem>(cpu, i, get_reg<Bits>(cpu, i.reg));
  set_reg<Bits>(cpu, i.reg, a);
}
template <unsigned Bits, bool Mem>
void op_xchg_acc_r(Cpu& cpu, const Insn& i) {
  u8 r = i.opcode & 7;
  u32 a = get_reg<Bits>(cpu, EAX);
  set_reg<Bits>(cpu, EAX, get_reg<Bits>(cpu, r));
  set_reg<Bits>(cpu, r, a);
}
template <unsigned Bits, bool Mem>
void op_nop(Cpu&, const Insn&) {}

// XLAT (D7): AL = [seg:eBX + AL]
template <unsigned Bits, bool Mem>
void op_xlat(Cpu& cpu, const Insn& i) {
  u32 addr = (cpu.m_regs[EBX] + (cpu.m_regs[EAX] & 0xFF)) & i.ea_mask;
  set_reg<8>(cpu, EAX, read_mem<8>(cpu, i.seg, addr));
}

// PUSH reg (50-57), POP reg (58-5F), PUSH imm (68 6A), PUSH r/m (FF /6), POP r/m (8F /0)
template <unsigned Bits, bool Mem>
void op_push_r(Cpu& cpu, const Insn& i) { cpu.push(get_reg<Bits>(cpu, i.opcode & 7), Bits / 8); }
template <unsigned Bits, bool Mem>
void op_pop_r(Cpu& cpu, const Insn& i) { set_reg<Bits>(cpu, i.opcode & 7, cpu.pop(Bits / 8)); }
template <unsigned Bits, bool Mem>
void op_push_imm(Cpu& cpu, const Insn& i) { cpu.push(i.imm & width_mask<Bits>(), Bits / 8); }
template <unsigned Bits, bool Mem>
void op_push_rm(Cpu& cpu, const Insn& i) { cpu.push(read_rm<Bits, Mem>(cpu, i), Bits / 8); }
// POP r/m: an ESP-based destination address is computed after ESP is incremented.
template <unsigned Bits, bool Mem>
void op_pop_rm(Cpu& cpu, const Insn& i) {
  u32 old_esp = cpu.m_regs[ESP];
  u32 v = cpu.pop(Bits / 8);
  try {
    write_rm<Bits, Mem>(cpu, i, v);
  } catch (const CpuFault&) {
    cpu.m_regs[ESP] = old_esp;
    throw;
  }
}

// PUSHA / POPA (60 61). POPA skips the saved eSP. When the whole frame lies in one
// writable (readable) RAM page the eight slots are moved in one go; otherwise each slot
// goes through push/pop, which fault exactly as the SDM says.
template <unsigned Bits>
inline u8* stack_block(Cpu& cpu, u32 sp, bool write) {
  if (!cpu.m_seg[SS].default_big()) return nullptr;  // 16-bit stacks wrap: slow path
  const SegmentCache& s = cpu.m_seg[SS];
  i64 limit = write ? s.write_max : s.read_max;
  if (i64(sp) + 8 * (Bits / 8) - 1 > limit) return nullptr;
  u32 linear = s.base + sp;
  if ((linear & 0xFFF) + 8 * (Bits / 8) > 0x1000) return nullptr;
  u8* p = write ? cpu.tlb_write_ptr(linear, cpu.user_access()) : cpu.tlb_read_ptr(linear, cpu.user_access());
  if (p) ++cpu.m_counters.tlb_hits;
  return p;
}

template <unsigned Bits, bool Mem>
void op_pusha(Cpu& cpu, const Insn&) {
  u32 saved_esp = cpu.m_regs[ESP];
  u32 sp = saved_esp - 8 * (Bits / 8);
  if (u8* p = stack_block<Bits>(cpu, sp, true)) {
    for (int r = EDI, k = 0; r >= EAX; --r, ++k)
      store_host<Bits>(p + k * (Bits / 8), r == ESP ? saved_esp : cpu.m_regs[r]);
    cpu.m_regs[ESP] = sp;
    return;
  }
  try {
    for (u8 r = EAX; r <= EDI; ++r) cpu.push(r == ESP ? saved_esp & width_mask<Bits>() : get_reg<Bits>(cpu, r), Bits / 8);
  } catch (const CpuFault&) {
    cpu.m_regs[ESP] = saved_esp;
    throw;
  }
}
template <unsigned Bits, bool Mem>
void op_popa(Cpu& cpu, const Insn&) {
  u32 saved[8];
  u32 saved_esp = cpu.m_regs[ESP];
  if (const u8* p = stack_block<Bits>(cpu, saved_esp, false)) {
    for (int r = EDI, k = 0; r >= EAX; --r, ++k) saved[r] = load_host<Bits>(p + k * (Bits / 8));
    cpu.m_regs[ESP] = saved_esp + 8 * (Bits / 8);
  } else {
    try {
      for (int r = EDI; r >= EAX; --r) saved[r] = cpu.pop(Bits / 8);
    } catch (const CpuFault&) {
      cpu.m_regs[ESP] = saved_esp;
      throw;
    }
  }
  for (u8 r = EAX; r <= EDI; ++r)
    if (r != ESP) set_reg<Bits>(cpu, r, saved[r]);
}

// LEAVE (C9): eSP = eBP (by stack size), then POP eBP.
template <unsigned Bits, bool Mem>
void op_leave(Cpu& cpu, const Insn&) {
  u32 saved_esp = cpu.m_regs[ESP];
  cpu.set_stack_pointer(cpu.m_regs[EBP]);
  try {
    set_reg<Bits>(cpu, EBP, cpu.pop(Bits / 8));
  } catch (const CpuFault&) {
    cpu.m_regs[ESP] = saved_esp;
    throw;
  }
}

// ENTER imm16, imm8 (C8): build a stack frame with `level` (mod 32) display entries.
void op_enter_impl(Cpu& cpu, const Insn& i, unsigned bytes);
template <unsigned Bits, bool Mem>
void op_enter(Cpu& cpu, const Insn& i) { op_enter_impl(cpu, i, Bits / 8); }

// LAHF (9F), SAHF (9E): SF ZF AF PF CF <-> AH
template <unsigned Bits, bool Mem>
void op_lahf(Cpu& cpu, const Insn&) { *cpu.reg8_ptr(4) = u8(cpu.m_flags.arith() | EFLAGS_FIXED1); }
template <unsigned Bits, bool Mem>
void op_sahf(Cpu& cpu, const Insn&) {
  constexpr u32 kMask = EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF | EFLAGS_CF;
  cpu.m_flags.update(kMask, *cpu.reg8_ptr(4));
}

// CLC STC CMC (F8 F9 F5), CLD STD (FC FD)
template <unsigned Bits, bool Mem>
void op_clc(Cpu& cpu, const Insn&) { cpu.m_flags.set_cf(false); }
template <unsigned Bits, bool Mem>
void op_stc(Cpu& cpu, const Insn&) { cpu.m_flags.set_cf(true); }
template <unsigned Bits, bool Mem>
void op_cmc(Cpu& cpu, const Insn&) { cpu.m_flags.set_cf(!cpu.m_flags.cf()); }
template <unsigned Bits, bool Mem>
void op_cld(Cpu& cpu, const Insn&) { cpu.m_eflags &= ~EFLAGS_DF; }
template <unsigned Bits, bool Mem>
void op_std(Cpu& cpu, const Insn&) { cpu.m_eflags |= EFLAGS_DF; }

// PUSHF (9C), POPF (9D): privilege rules in Cpu::write_eflags_checked (exec_system.cpp).
void op_pushf_impl(Cpu& cpu, unsigned bytes);
void op_popf_impl(Cpu& cpu, unsigned bytes);
template <unsigned Bits, bool Mem>
void op_pushf(Cpu& cpu, const Insn&) { op_pushf_impl(cpu, Bits / 8); }
template <unsigned Bits, bool Mem>
void op_popf(Cpu& cpu, const Insn&) { op_popf_impl(cpu, Bits / 8); }

// PUSH sreg / POP sreg (06 07 0E 16 17 1E 1F, 0F A0 A1 A8 A9). The segment is in imm2
// (set by the opcode table). A 32-bit push of a segment register writes 4 bytes with the
// selector in the low word.
void op_push_sreg_impl(Cpu& cpu, SegReg s, unsigned bytes);
void op_pop_sreg_impl(Cpu& cpu, SegReg s, unsigned bytes);
template <SegReg S, unsigned Bits, bool Mem>
void op_push_sreg(Cpu& cpu, const Insn&) { op_push_sreg_impl(cpu, S, Bits / 8); }
template <SegReg S, unsigned Bits, bool Mem>
void op_pop_sreg(Cpu& cpu, const Insn&) { op_pop_sreg_impl(cpu, S, Bits / 8); }

// MOV r/m16, sreg (8C); MOV sreg, r/m16 (8E). A register destination with a 32-bit
// operand size receives the zero-extended selector.
void op_mov_rm_sreg_impl(Cpu& cpu, const Insn& i, unsigned bytes);
void op_mov_sreg_rm_impl(Cpu& cpu, const Insn& i);
template <unsigned Bits, bool Mem>
void op_mov_rm_sreg(Cpu& cpu, const Insn& i) { op_mov_rm_sreg_impl(cpu, i, Mem ? 2 : Bits / 8); }
template <unsigned Bits, bool Mem>
void op_mov_sreg_rm(Cpu& cpu, const Insn& i) { op_mov_sreg_rm_impl(cpu, i); }

// LDS LES LSS LFS LGS reg, m16:16|m16:32 (C5 C4 0F B2 0F B4 0F B5)
void op_load_far_pointer_impl(Cpu& cpu, const Insn& i, SegReg s, unsigned bytes);
template <SegReg S, unsigned Bits, bool Mem>
void op_load_far_pointer(Cpu& cpu, const Insn& i) { op_load_far_pointer_impl(cpu, i, S, Bits / 8); }

// BOUND reg, m (62): #BR when the signed index is outside [lower, upper].
template <unsigned Bits, bool Mem>
void op_bound(Cpu& cpu, const Insn& i) {
  u32 addr = effective_address(cpu, i);
  i32 lower = i32(sign_extend<Bits>(read_mem<Bits>(cpu, i.seg, addr)));
  i32 upper = i32(sign_extend<Bits>(read_mem<Bits>(cpu, i.seg, (addr + Bits / 8) & i.ea_mask)));
  i32 index = i32(sign_extend<Bits>(get_reg<Bits>(cpu, i.reg)));
  if (index < lower || index > upper) cpu.raise(kBR);
}

}  // namespace vmlab
