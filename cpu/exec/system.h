// System instructions: interrupt flag, port I/O, HLT, control/debug registers,
// descriptor tables, LAR/LSL/VERR/VERW/ARPL, CPUID, RDTSC, MSRs, SYSENTER/SYSEXIT,
// cache and TLB control. Implemented in exec_system.cpp and exec_descriptor.cpp.
#pragma once
#include "cpu/exec_common.h"

namespace vmlab {

void op_invalid(Cpu& cpu, const Insn& i);  // opcode_table.h
void op_cli(Cpu& cpu, const Insn& i);
void op_sti(Cpu& cpu, const Insn& i);
void op_hlt(Cpu& cpu, const Insn& i);
void op_in_impl(Cpu& cpu, u16 port, unsigned bytes);
void op_out_impl(Cpu& cpu, u16 port, unsigned bytes);
void op_mov_r_cr(Cpu& cpu, const Insn& i);
void op_mov_cr_r(Cpu& cpu, const Insn& i);
void op_mov_r_dr(Cpu& cpu, const Insn& i);
void op_mov_dr_r(Cpu& cpu, const Insn& i);
void op_clts(Cpu& cpu, const Insn& i);
void op_invd(Cpu& cpu, const Insn& i);
void op_cpuid(Cpu& cpu, const Insn& i);
void op_rdtsc(Cpu& cpu, const Insn& i);
void op_rdmsr(Cpu& cpu, const Insn& i);
void op_wrmsr(Cpu& cpu, const Insn& i);
void op_sysenter(Cpu& cpu, const Insn& i);
void op_sysexit(Cpu& cpu, const Insn& i);
void op_sldt_str(Cpu& cpu, const Insn& i);   // 0F 00 /0 /1
void op_lldt(Cpu& cpu, const Insn& i);       // 0F 00 /2
void op_ltr(Cpu& cpu, const Insn& i);        // 0F 00 /3
void op_verr_verw(Cpu& cpu, const Insn& i);  // 0F 00 /4 /5
void op_sgdt_sidt(Cpu& cpu, const Insn& i);  // 0F 01 /0 /1
void op_lgdt_lidt(Cpu& cpu, const Insn& i);  // 0F 01 /2 /3
void op_smsw(Cpu& cpu, const Insn& i);       // 0F 01 /4
void op_lmsw(Cpu& cpu, const Insn& i);       // 0F 01 /6
void op_invlpg(Cpu& cpu, const Insn& i);     // 0F 01 /7
void op_lar_lsl(Cpu& cpu, const Insn& i);    // 0F 02, 0F 03
void op_arpl(Cpu& cpu, const Insn& i);       // 63

// The memory-operand forms (VM in the opcode table) need the template shape <Bits, Mem>;
// the other system handlers are plain functions the table names directly.
#define VMLAB_PLAIN_HANDLER(name, fn)           \
  template <unsigned Bits, bool Mem>            \
  void name(Cpu& cpu, const Insn& i) { fn(cpu, i); }
VMLAB_PLAIN_HANDLER(h_sgdt_sidt, op_sgdt_sidt)
VMLAB_PLAIN_HANDLER(h_lgdt_lidt, op_lgdt_lidt)
VMLAB_PLAIN_HANDLER(h_invlpg, op_invlpg)
#undef VMLAB_PLAIN_HANDLER

// IN AL/eAX, imm8 (E4 E5); IN AL/eAX, DX (EC ED); OUT imm8 (E6 E7); OUT DX (EE EF)
template <bool Dx, unsigned Bits, bool Mem>
void op_in(Cpu& cpu, const Insn& i) { op_in_impl(cpu, Dx ? u16(cpu.m_regs[EDX]) : u16(i.imm), Bits / 8); }
template <bool Dx, unsigned Bits, bool Mem>
void op_out(Cpu& cpu, const Insn& i) { op_out_impl(cpu, Dx ? u16(cpu.m_regs[EDX]) : u16(i.imm), Bits / 8); }

}  // namespace vmlab
