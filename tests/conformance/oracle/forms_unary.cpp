// One-operand arithmetic and TEST: INC, DEC, NOT, NEG (SDM Vol. 2, Groups 3/4/5 and
// 40-4F) and TEST in its three encodings (84/85, A8/A9, Group 3 /0).
#include "tests/conformance/oracle/forms.h"
#include "tests/conformance/oracle/undefined_flags.h"

namespace vmlab::conformance {
namespace {

// INC/DEC r16/r32 with the register in the opcode (40+r, 48+r).
bool inc_dec_short(CaseBuilder& b, bool dec, unsigned size) {
  operand_size(b, size);
  b.emit_byte(static_cast<u8>((dec ? 0x48 : 0x40) + b.rng().below(8)));
  return true;
}

// Group 3 (F6/F7) or Group 4/5 (FE/FF) read-modify-write forms: NOT, NEG, INC, DEC.
bool group_rmw(CaseBuilder& b, u8 opcode8, u8 reg_field, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  if (b.rng().chance(10)) b.put(rm, size, 0);  // NEG 0 is the one case that clears CF
  b.maybe_lock(rm);
  b.emit_byte(static_cast<u8>(size == 1 ? opcode8 : opcode8 + 1));
  b.emit_modrm(rm, reg_field);
  return true;
}

// TEST r/m, r (84/85).
bool test_rm_reg(CaseBuilder& b, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  b.emit_byte(size == 1 ? 0x84 : 0x85);
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  b.undefined_flags(kUndefinedLogic);
  return true;
}

// TEST AL/AX/EAX, imm (A8/A9).
bool test_acc_imm(CaseBuilder& b, unsigned size) {
  operand_size(b, size);
  b.emit_byte(size == 1 ? 0xA8 : 0xA9);
  b.emit_imm(b.edge(size), size);
  b.undefined_flags(kUndefinedLogic);
  return true;
}

// TEST r/m, imm (F6/F7 /0).
bool test_rm_imm(CaseBuilder& b, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  b.emit_byte(size == 1 ? 0xF6 : 0xF7);
  b.emit_modrm(rm, 0);
  b.emit_imm(b.edge(size), size);
  b.undefined_flags(kUndefinedLogic);
  return true;
}

}  // namespace

void add_unary_forms(FormList& forms) {
  for (unsigned size : {2u, 4u}) {
    forms.push_back({"INC r" + bits(size) + " (40+r)", kDefaultCount,
                     [=](CaseBuilder& b) { return inc_dec_short(b, false, size); }});
    forms.push_back({"DEC r" + bits(size) + " (48+r)", kDefaultCount,
                     [=](CaseBuilder& b) { return inc_dec_short(b, true, size); }});
  }
  for (unsigned size : {1u, 2u, 4u}) {
    forms.push_back({sized("INC r/m#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return group_rmw(b, 0xFE, 0, size); }});
    forms.push_back({sized("DEC r/m#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return group_rmw(b, 0xFE, 1, size); }});
    forms.push_back({sized("NOT r/m#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return group_rmw(b, 0xF6, 2, size); }});
    forms.push_back({sized("NEG r/m#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return group_rmw(b, 0xF6, 3, size); }});
    forms.push_back({sized("TEST r/m#, r#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return test_rm_reg(b, size); }});
    forms.push_back({std::string("TEST ") + accumulator(size) + ", imm" + bits(size), kDefaultCount,
                     [=](CaseBuilder& b) { return test_acc_imm(b, size); }});
    forms.push_back({sized("TEST r/m#, imm#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return test_rm_imm(b, size); }});
  }
}

}  // namespace vmlab::conformance
