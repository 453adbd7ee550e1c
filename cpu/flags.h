// Lazy arithmetic flags.
//
// Most instructions write CF, PF, AF, ZF, SF and OF, and most of those values are never
// read. So an instruction records two words and the flags are derived when asked:
//
//   result  the result, sign-extended to 32 bits:   ZF = result == 0,  SF = bit 31,
//           PF = even parity of the low byte
//   aux     31: CF    30: CF xor OF    3: AF
//
// For addition the carry-out vector  cout = (a & b) | ((a | b) & ~r)  holds, in bit i,
// the carry out of bit i; for subtraction the borrow-out vector is
// (~a & b) | ((~a | b) & r). CF is the carry out of the top bit, OF is the carry into the
// top bit xor the carry out of it, AF is the carry out of bit 3:
//
//      aux = (cout << (32 - N)) & 0xC0000000  |  cout & 8        (N = operand bits)
//
// POPF, SAHF, IRET and friends can set any combination (ZF=1 with SF=1, say), which the
// pair cannot express; they switch to `concrete` mode where the six bits are stored as is.
#pragma once
#include "core/types.h"
#include "cpu/cpu_state.h"

namespace vmlab {

template <unsigned Bits>
constexpr u32 sign_extend(u32 value) {
  if constexpr (Bits == 32) return value;
  else return static_cast<u32>(static_cast<i32>(value << (32 - Bits)) >> (32 - Bits));
}

template <unsigned Bits>
constexpr u32 width_mask() {
  return Bits == 32 ? 0xFFFFFFFFu : (1u << Bits) - 1;
}

struct LazyFlags {
  u32 result = 0;
  u32 aux = 0;
  u32 concrete = 0;  // EFLAGS_ARITH bits, valid when !lazy
  bool lazy = false;

  bool cf() const { return lazy ? aux >> 31 : (concrete & EFLAGS_CF) != 0; }
  bool zf() const { return lazy ? result == 0 : (concrete & EFLAGS_ZF) != 0; }
  bool sf() const { return lazy ? result >> 31 : (concrete & EFLAGS_SF) != 0; }
  bool of() const { return lazy ? ((aux >> 31) ^ (aux >> 30)) & 1 : (concrete & EFLAGS_OF) != 0; }
  bool pf() const { return lazy ? !__builtin_parity(result & 0xFF) : (concrete & EFLAGS_PF) != 0; }
  bool af() const { return lazy ? (aux >> 3) & 1 : (concrete & EFLAGS_AF) != 0; }

  // The six arithmetic bits as they appear in EFLAGS.
  u32 arith() const {
    if (!lazy) return concrete;
    return (cf() ? EFLAGS_CF : 0) | (pf() ? EFLAGS_PF : 0) | (af() ? EFLAGS_AF : 0) |
           (zf() ? EFLAGS_ZF : 0) | (sf() ? EFLAGS_SF : 0) | (of() ? EFLAGS_OF : 0);
  }
  void set_arith(u32 eflags) {
    concrete = eflags & EFLAGS_ARITH;
    lazy = false;
  }
  // Change some arithmetic bits, keep the others.
  void update(u32 mask, u32 values) { set_arith((arith() & ~mask) | (values & mask)); }
  // Rotates, BT, CLC/STC/CMC change only CF (and OF): the lazy pair can absorb that
  // without computing the other four flags.
  void set_cf_of(bool cf_value, bool of_value) {
    if (lazy) aux = (aux & 8) | (u32(cf_value) << 31) | (u32(cf_value ^ of_value) << 30);
    else concrete = (concrete & ~(EFLAGS_CF | EFLAGS_OF)) | (cf_value ? EFLAGS_CF : 0) | (of_value ? EFLAGS_OF : 0);
  }
  void set_cf(bool cf_value) { set_cf_of(cf_value, of()); }

  template <unsigned Bits>
  void set_add(u32 a, u32 b, u32 r) {
    u32 cout = (a & b) | ((a | b) & ~r);
    set_from_vector<Bits>(r, cout);
  }
  template <unsigned Bits>
  void set_sub(u32 a, u32 b, u32 r) {
    u32 bout = (~a & b) | ((~a | b) & r);
    set_from_vector<Bits>(r, bout);
  }
  // AND, OR, XOR, TEST: CF = OF = 0, AF undefined (0 here, as on the hardware we checked).
  template <unsigned Bits>
  void set_logic(u32 r) {
    result = sign_extend<Bits>(r);
    aux = 0;
    lazy = true;
  }
  // INC/DEC: like ADD/SUB with 1, but CF is preserved.
  template <unsigned Bits>
  void set_inc(u32 a, u32 r) { set_keep_cf<Bits>(r, (a & 1) | ((a | 1) & ~r)); }
  template <unsigned Bits>
  void set_dec(u32 a, u32 r) { set_keep_cf<Bits>(r, (~a & 1) | ((~a | 1) & r)); }
  // Shifts, rotates, multiplies: explicit CF and OF; SF/ZF/PF from the result; AF = 0.
  template <unsigned Bits>
  void set_result_cf_of(u32 r, bool cf_value, bool of_value) {
    result = sign_extend<Bits>(r);
    aux = (u32(cf_value) << 31) | (u32(cf_value ^ of_value) << 30);
    lazy = true;
  }

 private:
  template <unsigned Bits>
  void set_from_vector(u32 r, u32 carries) {
    result = sign_extend<Bits>(r & width_mask<Bits>());
    aux = ((carries << (32 - Bits)) & 0xC0000000u) | (carries & 8);
    lazy = true;
  }
  template <unsigned Bits>
  void set_keep_cf(u32 r, u32 carries) {
    bool old_cf = cf();
    bool of_value = ((carries >> (Bits - 1)) ^ (carries >> (Bits - 2))) & 1;
    result = sign_extend<Bits>(r & width_mask<Bits>());
    aux = (u32(old_cf) << 31) | (u32(old_cf ^ of_value) << 30) | (carries & 8);
    lazy = true;
  }
};

}  // namespace vmlab
