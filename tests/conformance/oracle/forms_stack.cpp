// Stack instructions: PUSH/POP in all encodings, PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE
// (SDM Vol. 2 pages of the same names), with 32- and 16-bit operand sizes on the 32-bit
// stack (SS.B = 1 in every engine). Segment register pushes and pops are not generated:
// see forms.h.
#include "tests/conformance/oracle/forms.h"

namespace vmlab::conformance {
namespace {

// PUSH r (50+r) / POP r (58+r). PUSH ESP pushes the value before the decrement;
// POP ESP loads the popped value.
bool push_pop_reg(CaseBuilder& b, unsigned size, bool pop) {
  operand_size(b, size);
  b.emit_byte(static_cast<u8>((pop ? 0x58 : 0x50) + b.rng().below(8)));
  return true;
}

// PUSH imm (68 iw/id, 6A ib sign-extended to the operand size).
bool push_imm(CaseBuilder& b, unsigned size, bool imm8) {
  operand_size(b, size);
  b.emit_byte(imm8 ? 0x6A : 0x68);
  b.emit_imm(b.edge(imm8 ? 1 : size), imm8 ? 1 : size);
  return true;
}

// PUSH r/m (FF /6) / POP r/m (8F /0). POP computes an ESP-based address after the
// increment (SDM "POP"); the stack area has room on both sides for that.
bool push_pop_rm(CaseBuilder& b, unsigned size, bool pop) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  b.emit_byte(pop ? 0x8F : 0xFF);
  b.emit_modrm(rm, pop ? 0 : 6);
  return true;
}

// PUSHA/PUSHAD (60), POPA/POPAD (61): POPA skips the saved ESP.
bool push_pop_all(CaseBuilder& b, unsigned size, bool pop) {
  operand_size(b, size);
  b.emit_byte(pop ? 0x61 : 0x60);
  return true;
}

// PUSHF/PUSHFD (9C), POPF/POPFD (9D). The popped image keeps the system bits the host
// runner must keep (IF = 1, TF = AC = NT = IOPL = 0) and varies the arithmetic flags,
// DF and the reserved bits 3, 5 and 15 (which POPF ignores) and bit 1 (always reads 1).
bool push_pop_flags(CaseBuilder& b, unsigned size, bool pop) {
  operand_size(b, size);
  if (pop) {
    Rng& rng = b.rng();
    u32 image = (rng.next32() & kComparedFlags) | EFLAGS_IF;
    if (rng.chance(80)) image |= EFLAGS_FIXED1;
    if (rng.chance(30)) image |= rng.next32() & ((1u << 3) | (1u << 5) | (1u << 15));
    b.store(b.reg(ESP), image, size);
  }
  b.emit_byte(pop ? 0x9D : 0x9C);
  return true;
}

// ENTER imm16, imm8 (C8): nesting levels up to 31 copy frame pointers from [EBP - k*size],
// so EBP points into the stack area with room below it. The frame size is kept so that
// the final ESP stays in the stack area too: processors probe the new stack top (the
// host CPU faults on ENTER 0FFFFh, 0 with the page below unmapped), which the SDM's
// operation section does not show.
bool enter(CaseBuilder& b, unsigned size) {
  Rng& rng = b.rng();
  operand_size(b, size);
  u32 ebp = kStackBase + 0x100 + rng.below(kStackSize - 0x104);
  b.pin(EBP, rng.chance(80) ? ebp & ~3u : ebp);
  u32 level = rng.chance(60) ? rng.below(4) : rng.below(256);
  u32 pushed = ((level & 31) + 1) * size;
  u32 room = b.reg(ESP) - kStackBase - pushed - 4;
  b.emit_byte(0xC8);
  b.emit_imm(rng.below(room < 0x300 ? room : 0x300), 2);
  b.emit_imm(level, 1);
  return true;
}

// LEAVE (C9): ESP <- EBP, then pop EBP (BP for 16-bit operands).
bool leave(CaseBuilder& b, unsigned size) {
  Rng& rng = b.rng();
  operand_size(b, size);
  u32 ebp = kStackBase + rng.below(kStackSize - 4);
  b.pin(EBP, rng.chance(80) ? ebp & ~3u : ebp);
  b.emit_byte(0xC9);
  return true;
}

}  // namespace

void add_stack_forms(FormList& forms) {
  for (unsigned size : {2u, 4u}) {
    std::string w = bits(size);
    forms.push_back({"PUSH r" + w + " (50+r)", kDefaultCount,
                     [=](CaseBuilder& b) { return push_pop_reg(b, size, false); }});
    forms.push_back({"POP r" + w + " (58+r)", kDefaultCount,
                     [=](CaseBuilder& b) { return push_pop_reg(b, size, true); }});
    forms.push_back({"PUSH imm" + w, kDefaultCount / 2,
                     [=](CaseBuilder& b) { return push_imm(b, size, false); }});
    forms.push_back({"PUSH imm8 (o" + w + ")", kDefaultCount / 2,
                     [=](CaseBuilder& b) { return push_imm(b, size, true); }});
    forms.push_back({"PUSH r/m" + w, kDefaultCount,
                     [=](CaseBuilder& b) { return push_pop_rm(b, size, false); }});
    forms.push_back({"POP r/m" + w, kDefaultCount,
                     [=](CaseBuilder& b) { return push_pop_rm(b, size, true); }});
    forms.push_back({size == 2 ? "PUSHA" : "PUSHAD", kDefaultCount / 2,
                     [=](CaseBuilder& b) { return push_pop_all(b, size, false); }});
    forms.push_back({size == 2 ? "POPA" : "POPAD", kDefaultCount / 2,
                     [=](CaseBuilder& b) { return push_pop_all(b, size, true); }});
    forms.push_back({size == 2 ? "PUSHF" : "PUSHFD", kDefaultCount / 2,
                     [=](CaseBuilder& b) { return push_pop_flags(b, size, false); }});
    forms.push_back({size == 2 ? "POPF" : "POPFD", kDefaultCount,
                     [=](CaseBuilder& b) { return push_pop_flags(b, size, true); }});
    forms.push_back({"ENTER imm16, imm8 (o" + w + ")", kDefaultCount,
                     [=](CaseBuilder& b) { return enter(b, size); }});
    forms.push_back({"LEAVE (o" + w + ")", kDefaultCount / 2,
                     [=](CaseBuilder& b) { return leave(b, size); }});
  }
}

}  // namespace vmlab::conformance
