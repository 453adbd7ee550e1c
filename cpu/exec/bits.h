// Shifts and rotates (group 2: ROL ROR RCL RCR SHL SHR SAR), double shifts (SHLD SHRD),
// bit tests (BT BTS BTR BTC), bit scans (BSF BSR), SETcc, CMOVcc, BSWAP, XADD, CMPXCHG,
// CMPXCHG8B.
#pragma once
#include "cpu/exec_common.h"

namespace vmlab {

enum ShiftOp : unsigned { kRol, kRor, kRcl, kRcr, kShl, kShr, kSal, kSar };

// Rotate or shift `v` by `count` (already masked to 5 bits, non-zero) and set flags as
// the SDM's pseudo-code does. Rotates change only CF and OF; shifts set SF, ZF, PF from
// the result. The SDM defines OF only for 1-bit counts; for other counts it is computed
// as the last single-bit step would, which is what the hardware data shows.
template <unsigned Op, unsigned Bits>
inline u32 shift(LazyFlags& f, u32 v, unsigned count) {
  constexpr u32 M = width_mask<Bits>();
  constexpr u32 msb = sign_bit<Bits>();
  u32 r;
  bool cf;
  if constexpr (Op == kRol || Op == kRor) {
    unsigned n = count % Bits;
    r = u32(Op == kRol ? ((u64(v) << n) | (u64(v) >> (Bits - n))) : ((u64(v) >> n) | (u64(v) << (Bits - n)))) & M;
    if (n == 0) r = v;
    cf = Op == kRol ? (r & 1) : (r & msb) != 0;
    bool of = Op == kRol ? (((r & msb) != 0) != cf) : (((r ^ (r << 1)) & msb) != 0);
    f.set_cf_of(cf, of);
    return r;
  } else if constexpr (Op == kRcl || Op == kRcr) {
    // The count is taken modulo Bits + 1 for the rotation, but a non-zero masked count
    // still updates OF (hardware computes it from the final state).
    unsigned n = Bits == 32 ? count : count % (Bits + 1);
    r = v;
    cf = f.cf();
    if (n != 0) {
      constexpr unsigned W = Bits + 1;
      u64 wide = (u64(cf) << Bits) | v;  // CF:value, Bits+1 bits
      u64 wmask = (u64(1) << W) - 1;
      if (Op == kRcl) wide = ((wide << n) | (wide >> (W - n))) & wmask;
      else wide = ((wide >> n) | (wide << (W - n))) & wmask;
      r = u32(wide) & M;
      cf = (wide >> Bits) & 1;
    }
    // OF as the last single-bit step defines it: RCL: MSB(result) xor CF;
    // RCR: the two top bits of the result differ.
    bool of = Op == kRcl ? (((r & msb) != 0) != cf) : (((r ^ (r << 1)) & msb) != 0);
    f.set_cf_of(cf, of);
    return r;
  } else if constexpr (Op == kShl || Op == kSal) {
    r = u32(u64(v) << count) & M;
    cf = count <= Bits ? (u64(v) >> (Bits - count)) & 1 : 0;
    f.set_result_cf_of<Bits>(r, cf, ((r & msb) != 0) != cf);
    return r;
  } else if constexpr (Op == kShr) {
    r = u32(u64(v) >> count);
    cf = (u64(v) >> (count - 1)) & 1;
    // OF of the last single-bit step: the top bit of the operand before it.
    f.set_result_cf_of<Bits>(r, cf, ((u64(v) >> (count - 1)) & msb) != 0);
    return r;
  } else {  // SAR
    i64 s = i32(sign_extend<Bits>(v));
    unsigned n = count > 63 ? 63 : count;
    r = u32(s >> n) & M;
    cf = (s >> (n - 1)) & 1;
    f.set_result_cf_of<Bits>(r, cf, false);
    return r;
  }
}

// Group 2 forms. Kind: 0 = by 1 (D0 D1), 1 = by CL (D2 D3), 2 = by imm8 (C0 C1).
template <unsigned Op, unsigned Kind, unsigned Bits, bool Mem>
void op_shift(Cpu& cpu, const Insn& i) {
  unsigned count = Kind == 0 ? 1 : (Kind == 1 ? cpu.m_regs[ECX] & 0x1F : i.imm & 0x1F);
  u32 v = read_rm<Bits, Mem>(cpu, i);
  if (count == 0) return;  // no flags change, no write
  if constexpr (!Mem) {
    set_reg<Bits>(cpu, i.rm, shift<Op, Bits>(cpu.m_flags, v, count));
  } else {
    LazyFlags f = cpu.m_flags;
    u32 r = shift<Op, Bits>(f, v, count);
    write_rm<Bits, Mem>(cpu, i, r);
    cpu.m_flags = f;
  }
}

// SHLD / SHRD r/m, reg, imm8|CL (0F A4 A5 AC AD). Counts above the operand width
// (16-bit forms) give undefined results; they shift the 32-bit concatenation here.
template <bool Left, bool ByCl, unsigned Bits, bool Mem>
void op_shxd(Cpu& cpu, const Insn& i) {
  unsigned count = (ByCl ? cpu.m_regs[ECX] : i.imm) & 0x1F;
  u32 dest = read_rm<Bits, Mem>(cpu, i);
  if (count == 0) return;
  u64 src = get_reg<Bits>(cpu, i.reg);
  constexpr u32 M = width_mask<Bits>();
  u32 r;
  bool cf;
  if constexpr (Left) {
    u64 wide = (u64(dest) << Bits) | src;       // dest:src
    u64 shifted = wide << count;
    r = u32(shifted >> Bits) & M;
    cf = (wide >> (2 * Bits - count)) & 1;
  } else {
    u64 wide = (src << Bits) | dest;             // src:dest
    r = u32(wide >> count) & M;
    cf = (wide >> (count - 1)) & 1;
  }
  bool of = ((r ^ dest) & sign_bit<Bits>()) != 0;
  LazyFlags f = cpu.m_flags;
  f.set_result_cf_of<Bits>(r, cf, of);
  write_rm<Bits, Mem>(cpu, i, r);
  cpu.m_flags = f;
}

// BT family. Op: 0 BT, 1 BTS, 2 BTR, 3 BTC. The register form with a memory operand
// addresses the bit string beyond the operand: the signed bit offset selects the
// word/dword (SDM Vol. 2, BT, "Bit(BitBase, BitOffset)").
enum BitOp : unsigned { kBt, kBts, kBtr, kBtc };
template <unsigned Op, unsigned Bits>
inline u32 bit_apply(Cpu& cpu, u32 v, unsigned bit) {
  bool old = (v >> bit) & 1;
  cpu.m_flags.set_cf(old);
  if constexpr (Op == kBts) return v | (1u << bit);
  else if constexpr (Op == kBtr) return v & ~(1u << bit);
  else if constexpr (Op == kBtc) return v ^ (1u << bit);
  else return v;
}
template <unsigned Op, bool Imm, unsigned Bits, bool Mem>
void op_bt(Cpu& cpu, const Insn& i) {
  if constexpr (!Mem || Imm) {
    unsigned bit = (Imm ? i.imm : get_reg<Bits>(cpu, i.reg)) & (Bits - 1);
    u32 v = read_rm<Bits, Mem>(cpu, i);
    LazyFlags saved = cpu.m_flags;
    u32 r = bit_apply<Op, Bits>(cpu, v, bit);
    if constexpr (Op != kBt) {
      LazyFlags f = cpu.m_flags;
      cpu.m_flags = saved;
      write_rm<Bits, Mem>(cpu, i, r);
      cpu.m_flags = f;
    }
  } else {
    i32 offset = Bits == 32 ? i32(get_reg<32>(cpu, i.reg)) : i32(i16(get_reg<16>(cpu, i.reg)));
    i32 unit = offset >> (Bits == 32 ? 5 : 4);  // arithmetic shift: floor division
    u32 addr = (effective_address(cpu, i) + u32(unit) * (Bits / 8)) & i.ea_mask;
    unsigned bit = u32(offset) & (Bits - 1);
    u32 v = read_mem<Bits>(cpu, i.seg, addr);
    LazyFlags saved = cpu.m_flags;
    u32 r = bit_apply<Op, Bits>(cpu, v, bit);
    if constexpr (Op != kBt) {
      LazyFlags f = cpu.m_flags;
      cpu.m_flags = saved;
      write_mem<Bits>(cpu, i.seg, addr, r);
      cpu.m_flags = f;
    }
  }
}

// BSF / BSR (0F BC BD): ZF = source is zero; the destination is left unchanged then.
template <bool Reverse, unsigned Bits, bool Mem>
void op_bsf(Cpu& cpu, const Insn& i) {
  u32 v = read_rm<Bits, Mem>(cpu, i);
  if (v == 0) {
    cpu.m_flags.update(EFLAGS_ZF, EFLAGS_ZF);
    return;
  }
  set_reg<Bits>(cpu, i.reg, Reverse ? 31 - __builtin_clz(v) : __builtin_ctz(v));
  cpu.m_flags.update(EFLAGS_ZF, 0);
}

// SETcc r/m8 (0F 90-9F)
template <unsigned CC, unsigned Bits, bool Mem>
void op_setcc(Cpu& cpu, const Insn& i) {
  write_rm<8, Mem>(cpu, i, condition(cpu, CC) ? 1 : 0);
}

// CMOVcc r, r/m (0F 40-4F): the source is read (and may fault) whatever the condition.
template <unsigned CC, unsigned Bits, bool Mem>
void op_cmovcc(Cpu& cpu, const Insn& i) {
  u32 v = read_rm<Bits, Mem>(cpu, i);
  if (condition(cpu, CC)) set_reg<Bits>(cpu, i.reg, v);
}

// BSWAP r32 (0F C8+r). With a 16-bit operand the result is undefined; it is zero here,
// as on the Intel processors we checked against.
template <unsigned Bits, bool Mem>
void op_bswap(Cpu& cpu, const Insn& i) {
  u8 r = i.opcode & 7;
  if constexpr (Bits == 32) cpu.m_regs[r] = __builtin_bswap32(cpu.m_regs[r]);
  else set_reg<16>(cpu, r, 0);
}

// XADD r/m, reg (0F C0 C1)
template <unsigned Bits, bool Mem>
void op_xadd(Cpu& cpu, const Insn& i) {
  u32 dest = read_rm<Bits, Mem>(cpu, i);
  u32 src = get_reg<Bits>(cpu, i.reg);
  u32 sum = (dest + src) & width_mask<Bits>();
  LazyFlags f = cpu.m_flags;
  f.set_add<Bits>(dest, src, sum);
  if constexpr (Mem) {  // the store may fault: touch the register only after it
    write_rm<Bits, Mem>(cpu, i, sum);
    set_reg<Bits>(cpu, i.reg, dest);
  } else {              // SDM order: SRC = DEST, then DEST = sum (xadd eax, eax gives the sum)
    set_reg<Bits>(cpu, i.reg, dest);
    write_rm<Bits, Mem>(cpu, i, sum);
  }
  cpu.m_flags = f;
}

// CMPXCHG r/m, reg (0F B0 B1): flags as CMP accumulator, destination. The destination is
// written in both cases (with its own value on a mismatch), as the processor does.
template <unsigned Bits, bool Mem>
void op_cmpxchg(Cpu& cpu, const Insn& i) {
  u32 dest = read_rm<Bits, Mem>(cpu, i);
  u32 acc = get_reg<Bits>(cpu, EAX);
  LazyFlags f = cpu.m_flags;
  f.set_sub<Bits>(acc, dest, (acc - dest) & width_mask<Bits>());
  if (acc == dest) {
    write_rm<Bits, Mem>(cpu, i, get_reg<Bits>(cpu, i.reg));
  } else {
    write_rm<Bits, Mem>(cpu, i, dest);
    set_reg<Bits>(cpu, EAX, dest);
  }
  cpu.m_flags = f;
}

// CMPXCHG8B m64 (0F C7 /1)
template <unsigned Bits, bool Mem>
void op_cmpxchg8b(Cpu& cpu, const Insn& i) {
  u32 addr = effective_address(cpu, i);
  u32 lo = read_mem<32>(cpu, i.seg, addr);
  u32 hi = read_mem<32>(cpu, i.seg, (addr + 4) & i.ea_mask);
  bool equal = lo == cpu.m_regs[EAX] && hi == cpu.m_regs[EDX];
  u32 new_lo = equal ? cpu.m_regs[EBX] : lo, new_hi = equal ? cpu.m_regs[ECX] : hi;
  write_mem<32>(cpu, i.seg, addr, new_lo);
  write_mem<32>(cpu, i.seg, (addr + 4) & i.ea_mask, new_hi);
  if (!equal) {
    cpu.m_regs[EAX] = lo;
    cpu.m_regs[EDX] = hi;
  }
  cpu.m_flags.update(EFLAGS_ZF, equal ? EFLAGS_ZF : 0);
}

}  // namespace vmlab
