// EFLAGS bits the Intel SDM leaves undefined after an instruction.
//
// The engines are compared on CF PF AF ZF SF OF and DF minus these bits. Each mask is
// taken from the "Flags Affected" section of the instruction's page in the Intel SDM
// Vol. 2 (the paraphrase beside it says what that section specifies). Real processors do
// produce *some* value for these bits and Intel and AMD differ; an emulator need not
// match either, which is why they are masked rather than compared.
#pragma once
#include "core/types.h"
#include "cpu/cpu_state.h"

namespace vmlab::conformance {

// AND, OR, XOR, TEST: OF and CF cleared, SF ZF PF from the result; AF undefined.
constexpr u32 kUndefinedLogic = EFLAGS_AF;
// MUL, IMUL (one-, two- and three-operand forms): CF and OF say whether the high half
// of the product is significant; SF ZF AF PF undefined.
constexpr u32 kUndefinedMultiply = EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF;
// DIV, IDIV: CF OF SF ZF AF PF all undefined.
constexpr u32 kUndefinedDivide = EFLAGS_ARITH;
// BSF, BSR: ZF set when the source is zero; CF OF SF AF PF undefined.
constexpr u32 kUndefinedBitScan = EFLAGS_CF | EFLAGS_OF | EFLAGS_SF | EFLAGS_AF | EFLAGS_PF;
// BT, BTS, BTR, BTC: CF receives the selected bit; ZF unaffected; OF SF AF PF undefined.
constexpr u32 kUndefinedBitTest = EFLAGS_OF | EFLAGS_SF | EFLAGS_AF | EFLAGS_PF;
// AAA, AAS: AF and CF report the adjustment; OF SF ZF PF undefined.
constexpr u32 kUndefinedAsciiAdjust = EFLAGS_OF | EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF;
// DAA, DAS: CF and AF report the adjustment, SF ZF PF from the result; OF undefined.
constexpr u32 kUndefinedDecimalAdjust = EFLAGS_OF;
// AAM, AAD: SF ZF PF from the result in AL; OF AF CF undefined.
constexpr u32 kUndefinedAsciiMulDiv = EFLAGS_OF | EFLAGS_AF | EFLAGS_CF;

// Group 2 operations in ModRM reg-field order (SDM Vol. 2, Table A-6); /6 is not an
// architected encoding and is never generated.
enum class ShiftOp : u8 { Rol = 0, Ror = 1, Rcl = 2, Rcr = 3, Shl = 4, Shr = 5, Sar = 7 };

// Undefined flags after a shift or rotate of a `size`-byte operand by `count`
// (the count as encoded or in CL; the processor masks it to 5 bits).
//   ROL ROR RCL RCR: a masked count of 0 affects no flag; OF is defined only for a
//     masked count of 1 (SDM "RCL/RCR/ROL/ROR", Flags Affected). CF is always defined.
//   SHL SHR SAR: a masked count of 0 affects no flag; otherwise AF is undefined, OF is
//     defined only for a count of 1, and for SHL/SHR CF is undefined when the count is
//     at least the operand width (SDM "SAL/SAR/SHL/SHR", Flags Affected).
constexpr u32 undefined_after_shift(ShiftOp op, unsigned size, u32 count) {
  u32 masked = count & 31;
  if (masked == 0) return 0;
  u32 undefined = masked == 1 ? 0 : EFLAGS_OF;
  bool rotate = op == ShiftOp::Rol || op == ShiftOp::Ror || op == ShiftOp::Rcl || op == ShiftOp::Rcr;
  if (rotate) return undefined;
  undefined |= EFLAGS_AF;
  if ((op == ShiftOp::Shl || op == ShiftOp::Shr) && masked >= 8 * size) undefined |= EFLAGS_CF;
  return undefined;
}

// SHLD, SHRD (SDM "SHLD"/"SHRD", Flags Affected): a masked count of 0 affects no flag;
// a count above the operand width leaves every flag (and the destination) undefined;
// otherwise AF is undefined and OF is defined only for a count of 1.
constexpr bool double_shift_result_undefined(unsigned size, u32 count) { return (count & 31) > 8 * size; }
constexpr u32 undefined_after_double_shift(unsigned size, u32 count) {
  u32 masked = count & 31;
  if (masked == 0) return 0;
  if (double_shift_result_undefined(size, count)) return EFLAGS_ARITH;
  return EFLAGS_AF | (masked == 1 ? 0 : EFLAGS_OF);
}

}  // namespace vmlab::conformance
