// System instructions: interrupt flag, port I/O, HLT, control/debug registers,
// descriptor tables, LAR/LSL/VERR/VERW/ARPL, CPUID, RDTSC, MSRs, SYSENTER/SYSEXIT,
// cache and TLB control. Implemented in exec_system.cpp and exec_descriptor.cpp; the
// templates here only adapt them to the opcode table's handler shape.
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

// Adapters to the table's template shape <Bits, Mem>.
#define VMLAB_PLAIN_HANDLER(name, fn)           \
  template <unsigned Bits, bool Mem>            \
  void name(Cpu& cpu, const Insn& i) { fn(cpu, i); }
VMLAB_PLAIN_HANDLER(h_cli, op_cli)
VMLAB_PLAIN_HANDLER(h_sti, op_sti)
VMLAB_PLAIN_HANDLER(h_hlt, op_hlt)
VMLAB_PLAIN_HANDLER(h_mov_r_cr, op_mov_r_cr)
VMLAB_PLAIN_HANDLER(h_mov_cr_r, op_mov_cr_r)
VMLAB_PLAIN_HANDLER(h_mov_r_dr, op_mov_r_dr)
VMLAB_PLAIN_HANDLER(h_mov_dr_r, op_mov_dr_r)
VMLAB_PLAIN_HANDLER(h_clts, op_clts)
VMLAB_PLAIN_HANDLER(h_invd, op_invd)
VMLAB_PLAIN_HANDLER(h_cpuid, op_cpuid)
VMLAB_PLAIN_HANDLER(h_rdtsc, op_rdtsc)
VMLAB_PLAIN_HANDLER(h_rdmsr, op_rdmsr)
VMLAB_PLAIN_HANDLER(h_wrmsr, op_wrmsr)
VMLAB_PLAIN_HANDLER(h_sysenter, op_sysenter)
VMLAB_PLAIN_HANDLER(h_sysexit, op_sysexit)
VMLAB_PLAIN_HANDLER(h_sldt_str, op_sldt_str)
VMLAB_PLAIN_HANDLER(h_lldt, op_lldt)
VMLAB_PLAIN_HANDLER(h_ltr, op_ltr)
VMLAB_PLAIN_HANDLER(h_verr_verw, op_verr_verw)
VMLAB_PLAIN_HANDLER(h_sgdt_sidt, op_sgdt_sidt)
VMLAB_PLAIN_HANDLER(h_lgdt_lidt, op_lgdt_lidt)
VMLAB_PLAIN_HANDLER(h_smsw, op_smsw)
VMLAB_PLAIN_HANDLER(h_lmsw, op_lmsw)
VMLAB_PLAIN_HANDLER(h_invlpg, op_invlpg)
VMLAB_PLAIN_HANDLER(h_lar_lsl, op_lar_lsl)
VMLAB_PLAIN_HANDLER(h_arpl, op_arpl)
VMLAB_PLAIN_HANDLER(h_ud, op_invalid)
#undef VMLAB_PLAIN_HANDLER

// IN AL/eAX, imm8 (E4 E5); IN AL/eAX, DX (EC ED); OUT imm8 (E6 E7); OUT DX (EE EF)
template <bool Dx, unsigned Bits, bool Mem>
void op_in(Cpu& cpu, const Insn& i) { op_in_impl(cpu, Dx ? u16(cpu.m_regs[EDX]) : u16(i.imm), Bits / 8); }
template <bool Dx, unsigned Bits, bool Mem>
void op_out(Cpu& cpu, const Insn& i) { op_out_impl(cpu, Dx ? u16(cpu.m_regs[EDX]) : u16(i.imm), Bits / 8); }

}  // namespace vmlab
