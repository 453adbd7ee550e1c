// Operand access shared by the instruction handlers (exec_*.cpp).
//
// Handlers are templates on the operand width in bits (8, 16, 32) and on whether the
// ModRM operand is memory; the opcode table picks the instance at decode time, so a
// handler never tests the operand size or the addressing form at run time.
#pragma once
#include <type_traits>

#include "core/counters.h"
#include "cpu/cpu.h"
#include "cpu/memory_inl.h"

namespace vmlab {

template <unsigned Bits>
using UInt = std::conditional_t<Bits == 8, u8, std::conditional_t<Bits == 16, u16, u32>>;

// Effective address of the instruction's memory operand (see insn.h).
inline u32 effective_address(const Cpu& cpu, const Insn& i) {
  return (cpu.m_regs[i.base] + (cpu.m_regs[i.index] << i.scale) + i.disp) & i.ea_mask;
}

template <unsigned Bits>
inline u32 get_reg(Cpu& cpu, u8 r) {
  if constexpr (Bits == 8) return *cpu.reg8_ptr(r);
  else if constexpr (Bits == 16) return cpu.m_regs[r] & 0xFFFF;
  else return cpu.m_regs[r];
}

template <unsigned Bits>
inline void set_reg(Cpu& cpu, u8 r, u32 value) {
  if constexpr (Bits == 8) *cpu.reg8_ptr(r) = u8(value);
  else if constexpr (Bits == 16) *cpu.reg16_ptr(r) = u16(value);
  else cpu.m_regs[r] = value;
}

template <unsigned Bits>
inline u32 read_mem(Cpu& cpu, u8 seg, u32 offset) {
  return cpu.read<UInt<Bits>>(seg, offset);
}

template <unsigned Bits>
inline void write_mem(Cpu& cpu, u8 seg, u32 offset, u32 value) {
  cpu.write<UInt<Bits>>(seg, offset, UInt<Bits>(value));
}

// The r/m operand: a register (ModRM.rm) or memory at the effective address.
template <unsigned Bits, bool Mem>
inline u32 read_rm(Cpu& cpu, const Insn& i) {
  if constexpr (Mem) return read_mem<Bits>(cpu, i.seg, effective_address(cpu, i));
  else return get_reg<Bits>(cpu, i.rm);
}

template <unsigned Bits, bool Mem>
inline void write_rm(Cpu& cpu, const Insn& i, u32 value) {
  if constexpr (Mem) write_mem<Bits>(cpu, i.seg, effective_address(cpu, i), value);
  else set_reg<Bits>(cpu, i.rm, value);
}

// Read-modify-write fast path: a host pointer for an operand that may be written without
// any fault (segment writable and inside the limit, TLB write hit on a RAM page), or
// nullptr. Once a handler holds the pointer nothing can fault, so it may update flags
// and registers directly.
template <unsigned Bits>
__attribute__((always_inline)) inline u8* rmw_pointer(Cpu& cpu, u8 seg, u32 offset) {
  const SegmentCache& s = cpu.m_seg[seg];
  if (VMLAB_UNLIKELY(i64(offset) + i64(Bits / 8 - 1) > s.write_max)) return nullptr;
  u32 linear = s.base + offset;
  const TlbEntry& e = cpu.m_tlb.entry(cpu.user_access(), linear);
  if (VMLAB_UNLIKELY(e.write_tag != (linear & ~0xFFFu) || (linear & 0xFFF) > 0x1000 - Bits / 8)) return nullptr;
  ++cpu.m_counters.tlb_hits;
  return reinterpret_cast<u8*>(uintptr_t(linear) + e.addend);
}

template <unsigned Bits>
inline u32 load_host(const u8* p) {
  UInt<Bits> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <unsigned Bits>
inline void store_host(u8* p, u32 value) {
  UInt<Bits> v = UInt<Bits>(value);
  std::memcpy(p, &v, sizeof v);
}

template <unsigned Bits>
constexpr u32 sign_bit() {
  return 1u << (Bits - 1);
}

// Operand size of the instruction in bytes (2 or 4) for stack and string operations.
inline unsigned op_bytes(const Insn& i) { return i.op32() ? 4 : 2; }

// Jump within the current code segment: the target is truncated to 16 bits for 16-bit
// operand size and checked against the CS limit (#GP(0) if beyond).
void jump_near(Cpu& cpu, u32 target, bool op32);

// Conditions for Jcc, SETcc, CMOVcc, by the low nibble of the opcode (SDM Vol. 2, B.1.4.7).
// The handlers are instantiated per condition code, so the switch folds away.
__attribute__((always_inline)) inline bool condition(const Cpu& cpu, unsigned cc) {
  const LazyFlags& f = cpu.m_flags;
  bool r;
  switch (cc >> 1) {
    case 0: r = f.of(); break;                        // O
    case 1: r = f.cf(); break;                        // B / C
    case 2: r = f.zf(); break;                        // E / Z
    case 3: r = f.cf() || f.zf(); break;              // BE
    case 4: r = f.sf(); break;                        // S
    case 5: r = f.pf(); break;                        // P
    case 6: r = f.sf() != f.of(); break;              // L
    default: r = f.zf() || (f.sf() != f.of()); break; // LE
  }
  return r ^ (cc & 1);
}

}  // namespace vmlab
