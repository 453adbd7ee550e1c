// Multiplication and division (SDM Vol. 2: MUL, IMUL in its one-, two- and three-operand
// forms, DIV, IDIV).
//
// Division cases are drawn so that none raises #DE: the quotient is chosen first and the
// dividend built from it, then the final register and memory values are checked once
// more, because the divisor may share a register with the dividend (DIV AH, DIV EDX) or
// with an address (DIV [EAX]).
#include "tests/conformance/oracle/forms.h"
#include "tests/conformance/oracle/undefined_flags.h"

namespace vmlab::conformance {
namespace {

// MUL / IMUL r/m (F6/F7 /4, /5): EDX:EAX (or AX, DX:AX) <- accumulator * r/m.
bool multiply_one(CaseBuilder& b, bool is_signed, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  b.emit_byte(size == 1 ? 0xF6 : 0xF7);
  b.emit_modrm(rm, is_signed ? 5 : 4);
  b.undefined_flags(kUndefinedMultiply);
  return true;
}

// IMUL r, r/m (0F AF), IMUL r, r/m, imm (69 iw/id, 6B ib).
bool multiply_imul(CaseBuilder& b, u8 opcode, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  if (opcode == 0xAF) b.emit({0x0F, 0xAF});
  else b.emit_byte(opcode);
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  if (opcode == 0x69) b.emit_imm(b.edge(size), size);
  if (opcode == 0x6B) b.emit_imm(b.edge(1), 1);
  b.undefined_flags(kUndefinedMultiply);
  return true;
}

i64 sign_extend(u64 value, unsigned bits_wide) {
  u64 sign = 1ull << (bits_wide - 1);
  value &= (sign << 1) - 1;
  return static_cast<i64>((value ^ sign) - sign);
}

// The dividend as the instruction sees it: AX, DX:AX or EDX:EAX.
u64 dividend_of(const CaseBuilder& b, unsigned size) {
  if (size == 1) return b.get_reg(EAX, 2);
  if (size == 2) return (static_cast<u64>(b.get_reg(EDX, 2)) << 16) | b.get_reg(EAX, 2);
  return (static_cast<u64>(b.reg(EDX)) << 32) | b.reg(EAX);
}

void set_dividend(CaseBuilder& b, unsigned size, u64 dividend) {
  if (size == 1) {
    b.put_reg(EAX, 2, static_cast<u32>(dividend));
  } else {
    b.put_reg(EAX, size, static_cast<u32>(dividend));
    b.put_reg(EDX, size, static_cast<u32>(dividend >> (8 * size)));
  }
}

// True when DIV/IDIV with these operands completes without #DE (SDM "DIV", "IDIV":
// divisor zero or quotient outside the destination's range).
bool division_completes(u64 dividend, u32 divisor, bool is_signed, unsigned size) {
  unsigned w = 8 * size;
  if (divisor == 0) return false;
  if (!is_signed) return dividend / divisor < (1ull << w);
  __int128 n = sign_extend(dividend, 2 * w);
  __int128 q = n / sign_extend(divisor, w);
  return q >= -(static_cast<__int128>(1) << (w - 1)) && q < (static_cast<__int128>(1) << (w - 1));
}

// Build a dividend whose quotient by `divisor` fits: quotient and remainder first.
u64 fitting_dividend(Rng& rng, u32 divisor, bool is_signed, unsigned size) {
  unsigned w = 8 * size;
  u64 quotient = rng.edge32() & ((1ull << w) - 1);
  if (!is_signed) return quotient * divisor + rng.below(divisor);
  i64 d = sign_extend(divisor, w);
  i64 q = sign_extend(quotient, w);
  i64 magnitude = static_cast<i64>(rng.next64() % static_cast<u64>(d < 0 ? -d : d));
  i64 product = q * d;
  i64 remainder = product < 0 || (product == 0 && rng.chance(50)) ? -magnitude : magnitude;
  return static_cast<u64>(product + remainder);
}

// DIV / IDIV r/m (F6/F7 /6, /7).
bool divide(CaseBuilder& b, bool is_signed, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  u32 divisor = b.edge(size);
  if (divisor == 0) divisor = 1 + b.rng().below(3);
  b.put(rm, size, divisor);
  divisor = b.get(rm, size);
  if (divisor != 0) set_dividend(b, size, fitting_dividend(b.rng(), divisor, is_signed, size));
  if (!division_completes(dividend_of(b, size), b.get(rm, size), is_signed, size)) return false;
  b.emit_byte(size == 1 ? 0xF6 : 0xF7);
  b.emit_modrm(rm, is_signed ? 7 : 6);
  b.undefined_flags(kUndefinedDivide);
  return true;
}

}  // namespace

void add_multiply_divide_forms(FormList& forms) {
  for (unsigned size : {1u, 2u, 4u}) {
    forms.push_back({sized("MUL r/m#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return multiply_one(b, false, size); }});
    forms.push_back({sized("IMUL r/m#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return multiply_one(b, true, size); }});
    forms.push_back({sized("DIV r/m#", size), 2 * kDefaultCount,
                     [=](CaseBuilder& b) { return divide(b, false, size); }});
    forms.push_back({sized("IDIV r/m#", size), 2 * kDefaultCount,
                     [=](CaseBuilder& b) { return divide(b, true, size); }});
  }
  for (unsigned size : {2u, 4u}) {
    forms.push_back({sized("IMUL r#, r/m#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return multiply_imul(b, 0xAF, size); }});
    forms.push_back({sized("IMUL r#, r/m#, imm#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return multiply_imul(b, 0x69, size); }});
    forms.push_back({sized("IMUL r#, r/m#, imm8", size), kDefaultCount,
                     [=](CaseBuilder& b) { return multiply_imul(b, 0x6B, size); }});
  }
}

}  // namespace vmlab::conformance
