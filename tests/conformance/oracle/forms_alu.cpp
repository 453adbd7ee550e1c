// The eight two-operand ALU operations in all their encodings (SDM Vol. 2: ADD, OR, ADC,
// SBB, AND, SUB, XOR, CMP; opcode map rows 00-3F and Immediate Group 1, 80-83).
#include "tests/conformance/oracle/forms.h"
#include "tests/conformance/oracle/undefined_flags.h"

namespace vmlab::conformance {
namespace {

// ModRM reg-field order of Group 1 = the order of the 00-3F rows.
constexpr const char* kAluNames[8] = {"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP"};
constexpr unsigned kCmp = 7;

u32 alu_undefined(unsigned op) {
  bool logic = op == 1 || op == 4 || op == 6;
  return logic ? kUndefinedLogic : 0;
}

// OP r/m, r (00/01 + 8*op): the r/m operand is the destination, lockable in memory.
bool alu_rm_reg(CaseBuilder& b, unsigned op, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  if (op != kCmp) b.maybe_lock(rm);
  b.emit_byte(static_cast<u8>(8 * op + (size == 1 ? 0 : 1)));
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  b.undefined_flags(alu_undefined(op));
  return true;
}

// OP r, r/m (02/03 + 8*op).
bool alu_reg_rm(CaseBuilder& b, unsigned op, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  b.emit_byte(static_cast<u8>(8 * op + (size == 1 ? 2 : 3)));
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  b.undefined_flags(alu_undefined(op));
  return true;
}

// OP AL/AX/EAX, imm (04/05 + 8*op).
bool alu_acc_imm(CaseBuilder& b, unsigned op, unsigned size) {
  operand_size(b, size);
  b.emit_byte(static_cast<u8>(8 * op + (size == 1 ? 4 : 5)));
  b.emit_imm(b.edge(size), size);
  b.undefined_flags(alu_undefined(op));
  return true;
}

// Group 1: OP r/m, imm (80 ib, 81 iw/id, 83 ib sign-extended, 82 = 80 outside 64-bit mode).
bool alu_group1(CaseBuilder& b, unsigned op, unsigned size, u8 opcode) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  if (op != kCmp) b.maybe_lock(rm);
  b.emit_byte(opcode);
  b.emit_modrm(rm, static_cast<u8>(op));
  unsigned imm_size = opcode == 0x81 ? size : 1;
  b.emit_imm(b.edge(imm_size), imm_size);
  b.undefined_flags(alu_undefined(op));
  return true;
}

}  // namespace

void add_alu_forms(FormList& forms) {
  for (unsigned op = 0; op < 8; ++op) {
    std::string name = kAluNames[op];
    for (unsigned size : {1u, 2u, 4u}) {
      forms.push_back({sized(name + " r/m#, r#", size), kDefaultCount,
                       [=](CaseBuilder& b) { return alu_rm_reg(b, op, size); }});
      forms.push_back({sized(name + " r#, r/m#", size), kDefaultCount,
                       [=](CaseBuilder& b) { return alu_reg_rm(b, op, size); }});
      forms.push_back({name + " " + accumulator(size) + ", imm" + bits(size), kDefaultCount,
                       [=](CaseBuilder& b) { return alu_acc_imm(b, op, size); }});
      u8 opcode = size == 1 ? 0x80 : 0x81;
      forms.push_back({sized(name + " r/m#, imm#", size), kDefaultCount,
                       [=](CaseBuilder& b) { return alu_group1(b, op, size, opcode); }});
      if (size != 1)
        forms.push_back({sized(name + " r/m#, imm8 (83)", size), kDefaultCount,
                         [=](CaseBuilder& b) { return alu_group1(b, op, size, 0x83); }});
    }
    forms.push_back({name + " r/m8, imm8 (82)", kDefaultCount / 2,
                     [=](CaseBuilder& b) { return alu_group1(b, op, 1, 0x82); }});
  }
}

}  // namespace vmlab::conformance
