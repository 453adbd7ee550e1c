// Shifts and rotates (SDM Vol. 2: RCL/RCR/ROL/ROR, SAL/SAR/SHL/SHR, Group 2 at C0/C1,
// D0-D3) and the double-precision shifts SHLD/SHRD.
//
// Counts cover 0 (no flag changes), 1 (OF defined), the operand width and its
// neighbours, values past 31 (the processor masks the count to 5 bits; RCL/RCR then take
// it modulo width+1 for 8- and 16-bit operands) and arbitrary bytes.
#include "tests/conformance/oracle/forms.h"
#include "tests/conformance/oracle/undefined_flags.h"

namespace vmlab::conformance {
namespace {

constexpr ShiftOp kShiftOps[] = {ShiftOp::Rol, ShiftOp::Ror, ShiftOp::Rcl, ShiftOp::Rcr,
                                 ShiftOp::Shl, ShiftOp::Shr, ShiftOp::Sar};

const char* shift_name(ShiftOp op) {
  switch (op) {
    case ShiftOp::Rol: return "ROL";
    case ShiftOp::Ror: return "ROR";
    case ShiftOp::Rcl: return "RCL";
    case ShiftOp::Rcr: return "RCR";
    case ShiftOp::Shl: return "SHL";
    case ShiftOp::Shr: return "SHR";
    case ShiftOp::Sar: return "SAR";
  }
  return "?";
}

u32 pick_count(Rng& rng, unsigned size) {
  switch (rng.below(4)) {
    case 0: case 1: return rng.below(8 * size + 2);
    case 2: return rng.pick({0u, 1u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 32u, 33u});
    default: return rng.below(256);
  }
}

enum class CountFrom : u8 { One, Cl, Imm8 };

// Group 2: OP r/m, 1 (D0/D1), OP r/m, CL (D2/D3), OP r/m, imm8 (C0/C1).
bool shift(CaseBuilder& b, ShiftOp op, unsigned size, CountFrom from) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  u32 count = 1;
  if (from == CountFrom::Cl) {
    if (!b.put_reg(ECX, 1, pick_count(b.rng(), size))) b.note("CL pinned");
    count = b.get_reg(ECX, 1);
  } else if (from == CountFrom::Imm8) {
    count = pick_count(b.rng(), size);
  }
  u8 base = from == CountFrom::One ? 0xD0 : from == CountFrom::Cl ? 0xD2 : 0xC0;
  b.emit_byte(static_cast<u8>(size == 1 ? base : base + 1));
  b.emit_modrm(rm, static_cast<u8>(op));
  if (from == CountFrom::Imm8) b.emit_imm(count, 1);
  b.undefined_flags(undefined_after_shift(op, size, count));
  return true;
}

// SHLD/SHRD r/m, r, imm8 (0F A4 / 0F AC) or r/m, r, CL (0F A5 / 0F AD).
bool double_shift(CaseBuilder& b, bool right, unsigned size, bool by_cl) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  u32 count = pick_count(b.rng(), size);
  // A memory destination cannot be masked when the result is undefined: keep it defined.
  if (rm.memory && double_shift_result_undefined(size, count)) count &= 15;
  if (by_cl) {
    if (!b.put_reg(ECX, 1, count)) b.note("CL pinned");
    count = b.get_reg(ECX, 1);
    if (rm.memory && double_shift_result_undefined(size, count)) return false;
  }
  b.emit({0x0F, static_cast<u8>((right ? 0xAC : 0xA4) + (by_cl ? 1 : 0))});
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  if (!by_cl) b.emit_imm(count, 1);
  b.undefined_flags(undefined_after_double_shift(size, count));
  if (double_shift_result_undefined(size, count)) b.undefined_reg(rm.reg);
  return true;
}

}  // namespace

void add_shift_forms(FormList& forms) {
  for (ShiftOp op : kShiftOps) {
    std::string name = shift_name(op);
    for (unsigned size : {1u, 2u, 4u}) {
      forms.push_back({sized(name + " r/m#, 1", size), kDefaultCount / 2,
                       [=](CaseBuilder& b) { return shift(b, op, size, CountFrom::One); }});
      forms.push_back({sized(name + " r/m#, CL", size), kDefaultCount,
                       [=](CaseBuilder& b) { return shift(b, op, size, CountFrom::Cl); }});
      forms.push_back({sized(name + " r/m#, imm8", size), kDefaultCount,
                       [=](CaseBuilder& b) { return shift(b, op, size, CountFrom::Imm8); }});
    }
  }
  for (unsigned size : {2u, 4u}) {
    for (bool right : {false, true}) {
      std::string name = right ? "SHRD" : "SHLD";
      forms.push_back({sized(name + " r/m#, r#, imm8", size), kDefaultCount,
                       [=](CaseBuilder& b) { return double_shift(b, right, size, false); }});
      forms.push_back({sized(name + " r/m#, r#, CL", size), kDefaultCount,
                       [=](CaseBuilder& b) { return double_shift(b, right, size, true); }});
    }
  }
}

}  // namespace vmlab::conformance
