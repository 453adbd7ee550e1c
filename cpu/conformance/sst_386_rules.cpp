#include "cpu/conformance/sst_386_rules.h"

#include <fmt/format.h>

#include "cpu/conformance/sst_runner.h"

namespace vmlab {
namespace {

bool is_prefix(u8 b) {
  return b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65 || b == 0x66 ||
         b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3;
}

// SDM Vol. 2, LOCK: "ADD, ADC, AND, BTC, BTR, BTS, CMPXCHG, CMPXCHG8B, DEC, INC, NEG,
// NOT, OR, SBB, SUB, XOR, XADD, and XCHG", in their forms whose destination is memory.
// `opcode` is the byte after the prefixes (0x0F for two-byte opcodes, then `second`),
// `reg` is ModRM.reg.
bool lockable(u8 opcode, u8 second, u8 reg) {
  switch (opcode) {
    case 0x00: case 0x01: case 0x08: case 0x09: case 0x10: case 0x11: case 0x18: case 0x19:
    case 0x20: case 0x21: case 0x28: case 0x29: case 0x30: case 0x31:  // ALU r/m, reg (not CMP)
    case 0x86: case 0x87:                                              // XCHG
      return true;
    case 0x80: case 0x81: case 0x82: case 0x83: return reg != 7;       // group 1 except CMP
    case 0xF6: case 0xF7: return reg == 2 || reg == 3;                 // NOT, NEG
    case 0xFE: case 0xFF: return reg == 0 || reg == 1;                 // INC, DEC
    case 0x0F:
      switch (second) {
        case 0xAB: case 0xB3: case 0xBB:              // BTS BTR BTC r/m, reg
        case 0xB0: case 0xB1: case 0xC0: case 0xC1:   // CMPXCHG, XADD
          return true;
        case 0xBA: return reg >= 5;                   // BTS BTR BTC r/m, imm8
        case 0xC7: return reg == 1;                   // CMPXCHG8B
        default: return false;
      }
    default:
      return false;
  }
}

}  // namespace

std::optional<Sst386Rule> sst_386_rule(std::span<const u8> bytes) {
  size_t k = 0;
  bool lock = false;
  while (k < bytes.size() && is_prefix(bytes[k])) lock |= bytes[k++] == 0xF0;
  if (!lock || k >= bytes.size()) return std::nullopt;
  u8 opcode = bytes[k];
  u8 second = opcode == 0x0F && k + 1 < bytes.size() ? bytes[k + 1] : 0;
  size_t modrm_at = k + (opcode == 0x0F ? 2 : 1);
  u8 modrm = modrm_at < bytes.size() ? bytes[modrm_at] : 0xC0;
  bool memory = (modrm >> 6) != 3;
  if (lockable(opcode, second, (modrm >> 3) & 7) && memory) return std::nullopt;
  return Sst386Rule{"LOCK on an instruction that is not a lockable memory read-modify-write raises #UD", 6};
}

std::vector<std::string> check_386_rule(const Sst386Rule& rule, const SstTest& test, const SstState& got) {
  u32 ip = test.initial_reg(SstReg::ip);
  SstException expected{rule.vector, ip};
  if (!got.exceptions.empty() && got.exceptions.front() == expected) return {};
  std::string seen = got.exceptions.empty()
                         ? "no exception"
                         : fmt::format("vector {} at IP {:04X}", got.exceptions.front().vector,
                                       got.exceptions.front().ip);
  return {fmt::format("386 rule: {}: expected vector {} at IP {:04X}, got {}", rule.description, rule.vector,
                      ip, seen)};
}

}  // namespace vmlab
