// String instructions (MOVS CMPS SCAS LODS STOS INS OUTS) with REP/REPE/REPNE.
//
// The source is seg:eSI (segment overridable), the destination ES:eDI (never
// overridable); eSI/eDI/eCX are 16- or 32-bit by address size; DF picks the direction.
// Registers are updated after every element, so a fault in the middle leaves a state
// the instruction can restart from (EIP still points at it), exactly as the hardware.
//
// A REP instruction runs at most kRepChunk elements per execution and then re-executes
// itself (EIP unchanged), so interrupts and timers are not held off by long strings.
// Every element counts as one retired instruction, as QEMU's icount and Bochs do.
#pragma once
#include "cpu/exec_common.h"

namespace vmlab {

constexpr u32 kRepChunk = 4096;

enum StringOp : unsigned { kMovs, kCmps, kScas, kLods, kStos, kIns, kOuts };

template <unsigned Op, unsigned Bits>
inline void string_element(Cpu& cpu, const Insn& i, u32 mask, i32 step) {
  u32 si = cpu.m_regs[ESI] & mask, di = cpu.m_regs[EDI] & mask;
  if constexpr (Op == kMovs) {
    write_mem<Bits>(cpu, ES, di, read_mem<Bits>(cpu, i.seg, si));
  } else if constexpr (Op == kCmps) {
    u32 a = read_mem<Bits>(cpu, i.seg, si), b = read_mem<Bits>(cpu, ES, di);
    cpu.m_flags.set_sub<Bits>(a, b, (a - b) & width_mask<Bits>());
  } else if constexpr (Op == kScas) {
    u32 a = get_reg<Bits>(cpu, EAX), b = read_mem<Bits>(cpu, ES, di);
    cpu.m_flags.set_sub<Bits>(a, b, (a - b) & width_mask<Bits>());
  } else if constexpr (Op == kLods) {
    set_reg<Bits>(cpu, EAX, read_mem<Bits>(cpu, i.seg, si));
  } else if constexpr (Op == kStos) {
    write_mem<Bits>(cpu, ES, di, get_reg<Bits>(cpu, EAX));
  } else if constexpr (Op == kIns) {
    // The destination is probed before the port is read: a faulting INS must not
    // consume device data.
    write_mem<Bits>(cpu, ES, di, read_mem<Bits>(cpu, ES, di));
    write_mem<Bits>(cpu, ES, di, cpu.port_in(u16(cpu.m_regs[EDX]), Bits / 8));
  } else {
    cpu.port_out(u16(cpu.m_regs[EDX]), read_mem<Bits>(cpu, i.seg, si), Bits / 8);
  }
  constexpr bool kUsesSi = Op == kMovs || Op == kCmps || Op == kLods || Op == kOuts;
  constexpr bool kUsesDi = Op != kLods && Op != kOuts;
  if (kUsesSi) cpu.m_regs[ESI] = (cpu.m_regs[ESI] & ~mask) | ((si + step) & mask);
  if (kUsesDi) cpu.m_regs[EDI] = (cpu.m_regs[EDI] & ~mask) | ((di + step) & mask);
}

template <unsigned Op, unsigned Bits, bool Mem>
void op_string(Cpu& cpu, const Insn& i) {
  if constexpr (Op == kIns || Op == kOuts)
    if (!cpu.check_io_permission(u16(cpu.m_regs[EDX]), Bits / 8)) return;
  u32 mask = i.addr32() ? 0xFFFFFFFF : 0xFFFF;
  i32 step = (cpu.m_eflags & EFLAGS_DF) ? -i32(Bits / 8) : i32(Bits / 8);
  if (!i.rep()) {
    string_element<Op, Bits>(cpu, i, mask, step);
    return;
  }
  constexpr bool kConditional = Op == kCmps || Op == kScas;
  bool repe = i.flags & INSN_REP;
  for (u32 n = 0;; ++n) {
    u32 count = cpu.m_regs[ECX] & mask;
    if (count == 0) return;
    if (n == kRepChunk) {  // come back to this instruction after pending events
      cpu.m_next_eip = cpu.m_eip;
      cpu.m_block_exit = true;
      return;
    }
    if (n) ++cpu.m_counters.instructions;  // each element beyond the first retires too
    string_element<Op, Bits>(cpu, i, mask, step);
    cpu.m_regs[ECX] = (cpu.m_regs[ECX] & ~mask) | ((count - 1) & mask);
    if (kConditional && cpu.m_flags.zf() != repe) return;
    if (cpu.m_block_exit && (Op == kIns || Op == kOuts)) {  // a device asked to stop
      if ((cpu.m_regs[ECX] & mask) != 0) cpu.m_next_eip = cpu.m_eip;
      return;
    }
  }
}

}  // namespace vmlab
