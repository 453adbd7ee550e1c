// Everything else in the user-mode integer ISA: decimal adjustment (AAA AAS DAA DAS AAM
// AAD), flag instructions (CLC STC CMC CLD STD LAHF SAHF), sign extension of the
// accumulator (CBW CWDE CWD CDQ), XLAT, BOUND and NOP (SDM Vol. 2 pages of the same names).
#include "tests/conformance/oracle/forms.h"
#include "tests/conformance/oracle/undefined_flags.h"

namespace vmlab::conformance {
namespace {

// An instruction of fixed bytes acting on registers and flags only.
bool fixed_bytes(CaseBuilder& b, std::vector<u8> bytes, unsigned size = 4) {
  operand_size(b, size);
  for (u8 byte : bytes) b.emit_byte(byte);
  return true;
}

// AAA (37), AAS (3F), DAA (27), DAS (2F): AL and AF/CF drive the adjustment; AL is
// biased to values around the BCD digit boundaries.
bool decimal_adjust(CaseBuilder& b, u8 opcode, u32 undefined) {
  Rng& rng = b.rng();
  u32 al = rng.chance(50) ? rng.below(256) : rng.pick({0x09u, 0x0Au, 0x0Fu, 0x90u, 0x99u, 0x9Au, 0xF9u, 0xFFu, 0x00u});
  b.put_reg(EAX, 1, al);
  b.emit_byte(opcode);
  b.undefined_flags(undefined);
  return true;
}

// AAM imm8 (D4 ib, the base must be non-zero: zero raises #DE) and AAD imm8 (D5 ib).
bool ascii_muldiv(CaseBuilder& b, bool aam) {
  Rng& rng = b.rng();
  u32 base = rng.chance(50) ? 10 : rng.below(256);
  if (aam && base == 0) base = 1 + rng.below(255);
  b.emit({static_cast<u8>(aam ? 0xD4 : 0xD5), static_cast<u8>(base)});
  b.undefined_flags(kUndefinedAsciiMulDiv);
  return true;
}

// XLAT (D7): AL <- [EBX + zero-extended AL] (BX under the address-size prefix).
bool xlat(CaseBuilder& b) {
  Rng& rng = b.rng();
  bool a16 = rng.chance(30);
  u32 table = kDataBase + rng.below(kDataSize - 256);
  b.pin(EBX, a16 ? (rng.next32() & 0xFFFF0000u) | table : table);
  if (a16) {
    b.prefix(0x67);
    b.note("a16");
  }
  b.maybe_segment_override();
  b.emit_byte(0xD7);
  return true;
}

// BOUND r, m (62): no #BR when the signed index lies within [lower, upper] in memory.
bool bound(CaseBuilder& b, unsigned size) {
  Rng& rng = b.rng();
  operand_size(b, size);
  MemoryRequest request;
  request.size = 2 * size;
  RmOperand rm = b.rm_memory(request);
  u8 index_reg = static_cast<u8>(rng.below(8));
  i64 index = static_cast<i32>(b.get_reg(index_reg, size) << (32 - 8 * size)) >> (32 - 8 * size);
  i64 lower = index - (rng.chance(30) ? 0 : rng.below(1000));
  i64 upper = index + (rng.chance(30) ? 0 : rng.below(1000));
  i64 lowest = -(1ll << (8 * size - 1));
  i64 highest = (1ll << (8 * size - 1)) - 1;
  if (lower < lowest) lower = lowest;
  if (upper > highest) upper = highest;
  b.store(rm.address, static_cast<u64>(lower), size);
  b.store(rm.address + size, static_cast<u64>(upper), size);
  b.emit_byte(0x62);
  b.emit_modrm(rm, index_reg);
  return true;
}

}  // namespace

void add_misc_forms(FormList& forms) {
  forms.push_back({"AAA", kDefaultCount, [](CaseBuilder& b) { return decimal_adjust(b, 0x37, kUndefinedAsciiAdjust); }});
  forms.push_back({"AAS", kDefaultCount, [](CaseBuilder& b) { return decimal_adjust(b, 0x3F, kUndefinedAsciiAdjust); }});
  forms.push_back({"DAA", kDefaultCount, [](CaseBuilder& b) { return decimal_adjust(b, 0x27, kUndefinedDecimalAdjust); }});
  forms.push_back({"DAS", kDefaultCount, [](CaseBuilder& b) { return decimal_adjust(b, 0x2F, kUndefinedDecimalAdjust); }});
  forms.push_back({"AAM imm8", kDefaultCount, [](CaseBuilder& b) { return ascii_muldiv(b, true); }});
  forms.push_back({"AAD imm8", kDefaultCount, [](CaseBuilder& b) { return ascii_muldiv(b, false); }});
  struct Simple {
    const char* name;
    u8 opcode;
    unsigned size;
  };
  for (Simple s : {Simple{"CLC", 0xF8, 4}, Simple{"STC", 0xF9, 4}, Simple{"CMC", 0xF5, 4},
                   Simple{"CLD", 0xFC, 4}, Simple{"STD", 0xFD, 4}, Simple{"LAHF", 0x9F, 4},
                   Simple{"SAHF", 0x9E, 4}, Simple{"CBW", 0x98, 2}, Simple{"CWDE", 0x98, 4},
                   Simple{"CWD", 0x99, 2}, Simple{"CDQ", 0x99, 4}, Simple{"NOP", 0x90, 4}})
    forms.push_back({s.name, kDefaultCount / 2,
                     [=](CaseBuilder& b) { return fixed_bytes(b, {s.opcode}, s.size); }});
  forms.push_back({"XLAT m8", kDefaultCount, [](CaseBuilder& b) { return xlat(b); }});
  for (unsigned size : {2u, 4u})
    forms.push_back({sized("BOUND r#, m#&#", size), kDefaultCount / 2,
                     [=](CaseBuilder& b) { return bound(b, size); }});
}

}  // namespace vmlab::conformance
