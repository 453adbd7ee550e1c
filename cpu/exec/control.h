// Control transfers within the code segment: Jcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE,
// JCXZ/JECXZ; far transfers and software interrupts go through Cpu (exec_system.cpp,
// interrupts.cpp) because they load CS with protected-mode checks.
#pragma once
#include "cpu/exec_common.h"

namespace vmlab {

// Jcc rel8 / rel16 / rel32 (70-7F, 0F 80-8F)
template <unsigned CC, unsigned Bits, bool Mem>
void op_jcc(Cpu& cpu, const Insn& i) {
  if (condition(cpu, CC)) jump_near(cpu, cpu.m_next_eip + i.imm, Bits == 32);
}
// JMP rel8 / rel (EB E9)
template <unsigned Bits, bool Mem>
void op_jmp_rel(Cpu& cpu, const Insn& i) { jump_near(cpu, cpu.m_next_eip + i.imm, Bits == 32); }
// JMP r/m (FF /4)
template <unsigned Bits, bool Mem>
void op_jmp_rm(Cpu& cpu, const Insn& i) { jump_near(cpu, read_rm<Bits, Mem>(cpu, i), Bits == 32); }

// CALL rel (E8): push the return address, then jump. The target is checked before the
// push so that a #GP leaves the stack untouched.
template <unsigned Bits, bool Mem>
void op_call_rel(Cpu& cpu, const Insn& i) {
  u32 ret = cpu.m_next_eip;
  u32 target = (ret + i.imm) & width_mask<Bits>();
  if (target > cpu.m_seg[CS].limit) cpu.raise(kGP, 0);
  cpu.push(ret, Bits / 8);
  cpu.m_next_eip = target;
}
// CALL r/m (FF /2)
template <unsigned Bits, bool Mem>
void op_call_rm(Cpu& cpu, const Insn& i) {
  u32 target = read_rm<Bits, Mem>(cpu, i);
  if (target > cpu.m_seg[CS].limit) cpu.raise(kGP, 0);
  cpu.push(cpu.m_next_eip, Bits / 8);
  cpu.m_next_eip = target;
}

// RET (C3), RET imm16 (C2)
template <bool Imm, unsigned Bits, bool Mem>
void op_ret(Cpu& cpu, const Insn& i) {
  u32 saved_esp = cpu.m_regs[ESP];
  u32 target = cpu.pop(Bits / 8);
  if (target > cpu.m_seg[CS].limit) {
    cpu.m_regs[ESP] = saved_esp;
    cpu.raise(kGP, 0);
  }
  if constexpr (Imm) cpu.set_stack_pointer(cpu.stack_pointer() + (i.imm & 0xFFFF));
  cpu.m_next_eip = target;
}

// LOOP (E2), LOOPE (E1), LOOPNE (E0), JCXZ/JECXZ (E3): the count register is CX or ECX
// by address size.
template <unsigned Kind, unsigned Bits, bool Mem>
void op_loop(Cpu& cpu, const Insn& i) {
  u32 mask = i.addr32() ? 0xFFFFFFFF : 0xFFFF;
  u32 count = cpu.m_regs[ECX] & mask;
  bool take;
  if constexpr (Kind == 3) {
    take = count == 0;
  } else {
    count = (count - 1) & mask;
    cpu.m_regs[ECX] = (cpu.m_regs[ECX] & ~mask) | count;
    take = count != 0;
    if constexpr (Kind == 1) take = take && cpu.m_flags.zf();
    if constexpr (Kind == 0) take = take && !cpu.m_flags.zf();
  }
  if (take) jump_near(cpu, cpu.m_next_eip + i.imm, Bits == 32);
}

// Far transfers: JMP ptr (EA), CALL ptr (9A), JMP/CALL m16:16|32 (FF /5, /3), RETF (CB CA)
template <bool Call, unsigned Bits, bool Mem>
void op_far_ptr(Cpu& cpu, const Insn& i) { cpu.far_jump_or_call(i.imm2, i.imm, Bits / 8, Call); }
template <bool Call, unsigned Bits, bool Mem>
void op_far_rm(Cpu& cpu, const Insn& i) {
  u32 addr = effective_address(cpu, i);
  u32 offset = read_mem<Bits>(cpu, i.seg, addr);
  u16 selector = u16(read_mem<16>(cpu, i.seg, (addr + Bits / 8) & i.ea_mask));
  cpu.far_jump_or_call(selector, offset, Bits / 8, Call);
}
template <bool Imm, unsigned Bits, bool Mem>
void op_retf(Cpu& cpu, const Insn& i) { cpu.far_return(false, Bits / 8, Imm ? u16(i.imm) : 0); }
template <unsigned Bits, bool Mem>
void op_iret(Cpu& cpu, const Insn&) { cpu.far_return(true, Bits / 8, 0); }

// INT imm8 (CD), INT3 (CC), INTO (CE), INT1/ICEBP (F1)
template <unsigned Bits, bool Mem>
void op_int(Cpu& cpu, const Insn& i) { cpu.interrupt(u8(i.imm), Cpu::IntSource::Software, false, 0); }
template <unsigned Bits, bool Mem>
void op_int3(Cpu& cpu, const Insn&) { cpu.interrupt(kBP, Cpu::IntSource::Software, false, 0); }
template <unsigned Bits, bool Mem>
void op_into(Cpu& cpu, const Insn&) {
  if (cpu.m_flags.of()) cpu.interrupt(kOF, Cpu::IntSource::Software, false, 0);
}
template <unsigned Bits, bool Mem>
void op_icebp(Cpu& cpu, const Insn&) { cpu.interrupt(kDB, Cpu::IntSource::Icebp, false, 0); }

}  // namespace vmlab
