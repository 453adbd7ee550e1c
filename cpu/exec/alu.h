// Integer arithmetic and logic (SDM Vol. 2: ADD ADC SUB SBB CMP AND OR XOR TEST INC DEC
// NEG NOT), multiply and divide (MUL IMUL DIV IDIV), sign extension (CBW CWDE CWD CDQ)
// and decimal adjust (DAA DAS AAA AAS AAM AAD).
#pragma once
#include "cpu/exec_common.h"

namespace vmlab {

// The eight classic ALU operations, in opcode order (00-3F, and group 1 /0../7).
enum AluOp : unsigned { kAdd, kOr, kAdc, kSbb, kAnd, kSub, kXor, kCmp };

// Compute `a op b` and set the flags in `f`; returns the result (CMP's is discarded).
// Memory forms compute into a copy of the flags and commit it after the store, because
// a store that faults must leave the flags as they were.
template <unsigned Op, unsigned Bits>
inline u32 alu(LazyFlags& f, u32 a, u32 b) {
  constexpr u32 M = width_mask<Bits>();
  u32 r;
  if constexpr (Op == kAdd) { r = (a + b) & M; f.set_add<Bits>(a, b, r); }
  else if constexpr (Op == kAdc) { r = (a + b + f.cf()) & M; f.set_add<Bits>(a, b, r); }
  else if constexpr (Op == kSub || Op == kCmp) { r = (a - b) & M; f.set_sub<Bits>(a, b, r); }
  else if constexpr (Op == kSbb) { r = (a - b - f.cf()) & M; f.set_sub<Bits>(a, b, r); }
  else if constexpr (Op == kAnd) { r = a & b; f.set_logic<Bits>(r); }
  else if constexpr (Op == kOr) { r = a | b; f.set_logic<Bits>(r); }
  else { r = a ^ b; f.set_logic<Bits>(r); }
  return r;
}

// ALU r/m, reg  (00 01 08 09 ... 38 39)
template <unsigned Op, unsigned Bits, bool Mem>
void op_alu_rm_r(Cpu& cpu, const Insn& i) {
  if constexpr (Mem && Op != kCmp) {
    if (u8* p = rmw_pointer<Bits>(cpu, i.seg, effective_address(cpu, i))) {
      store_host<Bits>(p, alu<Op, Bits>(cpu.m_flags, load_host<Bits>(p), get_reg<Bits>(cpu, i.reg)));
      return;
    }
  }
  u32 a = read_rm<Bits, Mem>(cpu, i);
  u32 b = get_reg<Bits>(cpu, i.reg);
  if constexpr (!Mem || Op == kCmp) {
    u32 r = alu<Op, Bits>(cpu.m_flags, a, b);
    if constexpr (Op != kCmp) write_rm<Bits, Mem>(cpu, i, r);
  } else {
    LazyFlags f = cpu.m_flags;
    u32 r = alu<Op, Bits>(f, a, b);
    write_rm<Bits, Mem>(cpu, i, r);
    cpu.m_flags = f;
  }
}

// ALU reg, r/m  (02 03 0A 0B ... 3A 3B)
template <unsigned Op, unsigned Bits, bool Mem>
void op_alu_r_rm(Cpu& cpu, const Insn& i) {
  u32 r = alu<Op, Bits>(cpu.m_flags, get_reg<Bits>(cpu, i.reg), read_rm<Bits, Mem>(cpu, i));
  if constexpr (Op != kCmp) set_reg<Bits>(cpu, i.reg, r);
}

// ALU AL/eAX, imm  (04 05 0C 0D ... 3C 3D)
template <unsigned Op, unsigned Bits, bool Mem>
void op_alu_acc_imm(Cpu& cpu, const Insn& i) {
  u32 r = alu<Op, Bits>(cpu.m_flags, get_reg<Bits>(cpu, EAX), i.imm & width_mask<Bits>());
  if constexpr (Op != kCmp) set_reg<Bits>(cpu, EAX, r);
}

// Group 1: ALU r/m, imm  (80 81 83 /op)
template <unsigned Op, unsigned Bits, bool Mem>
void op_alu_rm_imm(Cpu& cpu, const Insn& i) {
  if constexpr (Mem && Op != kCmp) {
    if (u8* p = rmw_pointer<Bits>(cpu, i.seg, effective_address(cpu, i))) {
      store_host<Bits>(p, alu<Op, Bits>(cpu.m_flags, load_host<Bits>(p), i.imm & width_mask<Bits>()));
      return;
    }
  }
  u32 a = read_rm<Bits, Mem>(cpu, i);
  if constexpr (!Mem || Op == kCmp) {
    u32 r = alu<Op, Bits>(cpu.m_flags, a, i.imm & width_mask<Bits>());
    if constexpr (Op != kCmp) write_rm<Bits, Mem>(cpu, i, r);
  } else {
    LazyFlags f = cpu.m_flags;
    u32 r = alu<Op, Bits>(f, a, i.imm & width_mask<Bits>());
    write_rm<Bits, Mem>(cpu, i, r);
    cpu.m_flags = f;
  }
}

// TEST r/m, reg (84 85); TEST r/m, imm (F6/F7 /0); TEST AL/eAX, imm (A8 A9)
template <unsigned Bits, bool Mem>
void op_test_rm_r(Cpu& cpu, const Insn& i) {
  cpu.m_flags.set_logic<Bits>(read_rm<Bits, Mem>(cpu, i) & get_reg<Bits>(cpu, i.reg));
}
template <unsigned Bits, bool Mem>
void op_test_rm_imm(Cpu& cpu, const Insn& i) {
  cpu.m_flags.set_logic<Bits>(read_rm<Bits, Mem>(cpu, i) & i.imm & width_mask<Bits>());
}
template <unsigned Bits, bool Mem>
void op_test_acc_imm(Cpu& cpu, const Insn& i) {
  cpu.m_flags.set_logic<Bits>(get_reg<Bits>(cpu, EAX) & i.imm & width_mask<Bits>());
}

// INC/DEC r16/r32 (40-4F)
template <unsigned Bits, bool Mem>
void op_inc_r(Cpu& cpu, const Insn& i) {
  u8 r = i.opcode & 7;
  u32 a = get_reg<Bits>(cpu, r);
  u32 v = (a + 1) & width_mask<Bits>();
  cpu.m_flags.set_inc<Bits>(a, v);
  set_reg<Bits>(cpu, r, v);
}
template <unsigned Bits, bool Mem>
void op_dec_r(Cpu& cpu, const Insn& i) {
  u8 r = i.opcode & 7;
  u32 a = get_reg<Bits>(cpu, r);
  u32 v = (a - 1) & width_mask<Bits>();
  cpu.m_flags.set_dec<Bits>(a, v);
  set_reg<Bits>(cpu, r, v);
}

// INC/DEC r/m (FE/FF /0 /1), NOT (F6/F7 /2), NEG (F6/F7 /3)
template <unsigned Bits, bool Mem>
void op_inc_rm(Cpu& cpu, const Insn& i) {
  if constexpr (Mem) {
    if (u8* p = rmw_pointer<Bits>(cpu, i.seg, effective_address(cpu, i))) {
      u32 a = load_host<Bits>(p), v = (a + 1) & width_mask<Bits>();
      store_host<Bits>(p, v);
      cpu.m_flags.set_inc<Bits>(a, v);
      return;
    }
  }
  u32 a = read_rm<Bits, Mem>(cpu, i);
  u32 v = (a + 1) & width_mask<Bits>();
  write_rm<Bits, Mem>(cpu, i, v);
  cpu.m_flags.set_inc<Bits>(a, v);
}
template <unsigned Bits, bool Mem>
void op_dec_rm(Cpu& cpu, const Insn& i) {
  if constexpr (Mem) {
    if (u8* p = rmw_pointer<Bits>(cpu, i.seg, effective_address(cpu, i))) {
      u32 a = load_host<Bits>(p), v = (a - 1) & width_mask<Bits>();
      store_host<Bits>(p, v);
      cpu.m_flags.set_dec<Bits>(a, v);
      return;
    }
  }
  u32 a = read_rm<Bits, Mem>(cpu, i);
  u32 v = (a - 1) & width_mask<Bits>();
  write_rm<Bits, Mem>(cpu, i, v);
  cpu.m_flags.set_dec<Bits>(a, v);
}
template <unsigned Bits, bool Mem>
void op_not_rm(Cpu& cpu, const Insn& i) {
  write_rm<Bits, Mem>(cpu, i, ~read_rm<Bits, Mem>(cpu, i) & width_mask<Bits>());
}
template <unsigned Bits, bool Mem>
void op_neg_rm(Cpu& cpu, const Insn& i) {
  u32 a = read_rm<Bits, Mem>(cpu, i);
  u32 v = (0 - a) & width_mask<Bits>();
  write_rm<Bits, Mem>(cpu, i, v);
  cpu.m_flags.set_sub<Bits>(0, a, v);
}

// MUL / IMUL r/m (F6/F7 /4 /5): AX = AL * r/m8, DX:AX, EDX:EAX.
// CF = OF = 1 when the high half is significant; SF, ZF, AF, PF undefined (set from
// the low half here).
template <unsigned Bits, bool Signed>
inline void multiply_acc(Cpu& cpu, u32 src) {
  u64 a = get_reg<Bits>(cpu, EAX), b = src;
  u64 product;
  bool overflow;
  if constexpr (Signed) {
    i64 p = i64(i32(sign_extend<Bits>(u32(a)))) * i64(i32(sign_extend<Bits>(u32(b))));
    product = u64(p);
    overflow = p != i64(i32(sign_extend<Bits>(u32(product & width_mask<Bits>()))));
  } else {
    product = a * b;
    overflow = (product >> Bits) != 0;
  }
  u32 lo = u32(product) & width_mask<Bits>();
  u32 hi = u32(product >> Bits) & width_mask<Bits>();
  if constexpr (Bits == 8) {
    set_reg<16>(cpu, EAX, lo | (hi << 8));
  } else {
    set_reg<Bits>(cpu, EAX, lo);
    set_reg<Bits>(cpu, EDX, hi);
  }
  cpu.m_flags.set_result_cf_of<Bits>(lo, overflow, overflow);
}
template <unsigned Bits, bool Mem>
void op_mul_rm(Cpu& cpu, const Insn& i) { multiply_acc<Bits, false>(cpu, read_rm<Bits, Mem>(cpu, i)); }
template <unsigned Bits, bool Mem>
void op_imul_rm(Cpu& cpu, const Insn& i) { multiply_acc<Bits, true>(cpu, read_rm<Bits, Mem>(cpu, i)); }

// IMUL r, r/m (0F AF); IMUL r, r/m, imm (69, 6B): truncated signed product.
template <unsigned Bits>
inline u32 imul_trunc(Cpu& cpu, u32 a, u32 b) {
  i64 p = i64(i32(sign_extend<Bits>(a))) * i64(i32(sign_extend<Bits>(b)));
  u32 lo = u32(p) & width_mask<Bits>();
  bool overflow = p != i64(i32(sign_extend<Bits>(lo)));
  cpu.m_flags.set_result_cf_of<Bits>(lo, overflow, overflow);
  return lo;
}
template <unsigned Bits, bool Mem>
void op_imul_r_rm(Cpu& cpu, const Insn& i) {
  set_reg<Bits>(cpu, i.reg, imul_trunc<Bits>(cpu, get_reg<Bits>(cpu, i.reg), read_rm<Bits, Mem>(cpu, i)));
}
template <unsigned Bits, bool Mem>
void op_imul_r_rm_imm(Cpu& cpu, const Insn& i) {
  set_reg<Bits>(cpu, i.reg, imul_trunc<Bits>(cpu, read_rm<Bits, Mem>(cpu, i), i.imm & width_mask<Bits>()));
}

// DIV / IDIV r/m (F6/F7 /6 /7): #DE on a zero divisor or a quotient that does not fit.
// Flags are undefined; they are left unchanged here.
template <unsigned Bits, bool Signed>
inline void divide_acc(Cpu& cpu, u32 divisor) {
  if (divisor == 0) cpu.raise(kDE);
  u64 dividend = Bits == 8 ? get_reg<16>(cpu, EAX)
                           : (u64(get_reg<Bits>(cpu, EDX)) << Bits) | get_reg<Bits>(cpu, EAX);
  u32 q, rem;
  if constexpr (Signed) {
    i64 n = Bits == 32 ? i64(dividend) : i64(dividend << (64 - 2 * Bits)) >> (64 - 2 * Bits);
    i64 d = i32(sign_extend<Bits>(divisor));
    if (n == INT64_MIN && d == -1) cpu.raise(kDE);
    i64 quotient = n / d;
    i64 min = -(i64(1) << (Bits - 1)), max = (i64(1) << (Bits - 1)) - 1;
    if (quotient < min || quotient > max) cpu.raise(kDE);
    q = u32(quotient) & width_mask<Bits>();
    rem = u32(n % d) & width_mask<Bits>();
  } else {
    u64 quotient = dividend / divisor;
    if (quotient > width_mask<Bits>()) cpu.raise(kDE);
    q = u32(quotient);
    rem = u32(dividend % divisor);
  }
  if constexpr (Bits == 8) {
    set_reg<16>(cpu, EAX, q | (rem << 8));
  } else {
    set_reg<Bits>(cpu, EAX, q);
    set_reg<Bits>(cpu, EDX, rem);
  }
}
template <unsigned Bits, bool Mem>
void op_div_rm(Cpu& cpu, const Insn& i) { divide_acc<Bits, false>(cpu, read_rm<Bits, Mem>(cpu, i)); }
template <unsigned Bits, bool Mem>
void op_idiv_rm(Cpu& cpu, const Insn& i) { divide_acc<Bits, true>(cpu, read_rm<Bits, Mem>(cpu, i)); }

// CBW / CWDE (98), CWD / CDQ (99)
template <unsigned Bits, bool Mem>
void op_cbw(Cpu& cpu, const Insn&) {
  if constexpr (Bits == 16) set_reg<16>(cpu, EAX, sign_extend<8>(cpu.m_regs[EAX] & 0xFF));
  else cpu.m_regs[EAX] = sign_extend<16>(cpu.m_regs[EAX] & 0xFFFF);
}
template <unsigned Bits, bool Mem>
void op_cwd(Cpu& cpu, const Insn&) {
  bool negative = get_reg<Bits>(cpu, EAX) & sign_bit<Bits>();
  set_reg<Bits>(cpu, EDX, negative ? 0xFFFFFFFF : 0);
}

// Decimal adjust (SDM Vol. 2 DAA/DAS/AAA/AAS/AAM/AAD pseudo-code).
void op_daa(Cpu& cpu, const Insn& i);
void op_das(Cpu& cpu, const Insn& i);
void op_aaa(Cpu& cpu, const Insn& i);
void op_aas(Cpu& cpu, const Insn& i);
void op_aam(Cpu& cpu, const Insn& i);
void op_aad(Cpu& cpu, const Insn& i);

}  // namespace vmlab
