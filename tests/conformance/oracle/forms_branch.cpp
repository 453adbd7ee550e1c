// Control transfers inside a small code island: Jcc, JMP, JCXZ/JECXZ, LOOP/LOOPE/LOOPNE,
// CALL and RET (SDM Vol. 2 pages of the same names).
//
// Every island leaves a trace of the path it took without touching the flags: a
// "LEA ESI, [ESI+1]" on the fall-through path and a "LEA EDI, [EDI+1]" at the branch
// target, so the compared registers show whether the branch was taken and where it went.
// The island always ends at its last byte, where each engine's terminator sits.
//
// With the operand-size prefix a near branch truncates EIP to 16 bits (SDM "Jcc": IP <-
// (EIP + rel16) AND 0FFFFH); the code page lies below 64 KiB so such cases stay inside it.
#include "tests/conformance/oracle/forms.h"

namespace vmlab::conformance {
namespace {

// LEA r32, [r32+1] (8D /r, mod 01, disp8 = 1): the flag-neutral path marker.
constexpr u8 kTakenMark = EDI;
constexpr u8 kFallMark = ESI;
void mark(CaseBuilder& b, u8 r) { b.emit({0x8D, static_cast<u8>(0x40 | (r << 3) | r), 0x01}); }
constexpr u32 kMarkSize = 3;

// An inline operand-size prefix for an instruction in the middle of an island.
bool maybe_o16(CaseBuilder& b, unsigned percent) {
  if (!b.rng().chance(percent)) return false;
  b.emit_byte(0x66);
  b.note("o16");
  return true;
}

// Jcc over the fall-through marker: short (70+cc rel8) or near (0F 80+cc rel16/32).
// A third of the cases branch backwards instead.
bool jcc(CaseBuilder& b, unsigned cc, bool near) {
  bool backward = b.rng().chance(33);
  u32 back_label = 0;
  u32 jump_to_end = 0;
  if (backward) {  // JMP over the target block to the Jcc; the target block jumps to the end.
    b.emit({0xEB, kMarkSize + 2});
    back_label = b.body_size();
    mark(b, kTakenMark);
    b.emit({0xEB, 0x00});
    jump_to_end = b.body_size() - 1;
    b.note("backward");
  }
  bool o16 = maybe_o16(b, 15);
  unsigned rel_size = near ? (o16 ? 2 : 4) : 1;
  if (near) b.emit({0x0F, static_cast<u8>(0x80 + cc)});
  else b.emit_byte(static_cast<u8>(0x70 + cc));
  u32 rel_at = b.body_size();
  b.emit_imm(0, rel_size);
  u32 after = b.body_size();
  mark(b, kFallMark);
  u32 target = backward ? back_label : b.body_size();
  b.patch(rel_at, target - after, rel_size);
  if (backward) b.patch(jump_to_end, b.body_size() - (jump_to_end + 1), 1);
  return true;
}

// JMP rel8 (EB) / rel16/32 (E9) over the fall-through marker.
bool jmp_rel(CaseBuilder& b, bool near) {
  bool o16 = near && maybe_o16(b, 25);
  if (near) b.emit_byte(0xE9);
  else b.emit_byte(0xEB);
  b.emit_imm(kMarkSize, near ? (o16 ? 2 : 4) : 1);
  mark(b, kFallMark);
  return true;
}

// JECXZ/JCXZ (E3), LOOP (E2), LOOPE (E1), LOOPNE (E0) over the fall-through marker. The
// address-size prefix selects CX instead of ECX as the counter.
bool counter_branch(CaseBuilder& b, u8 opcode) {
  Rng& rng = b.rng();
  bool a16 = rng.chance(30);
  u32 count = rng.chance(40) ? rng.pick({0u, 1u, 2u}) : rng.edge32();
  if (a16) count = (rng.next32() & 0xFFFF0000u) | (count & 0xFFFF);
  b.pin(ECX, count);
  if (a16) {
    b.emit_byte(0x67);
    b.note("a16");
  }
  b.emit({opcode, kMarkSize});
  mark(b, kFallMark);
  return true;
}

// The callee block of a CALL island: mark, then RET (C3) or RET imm16 (C2).
void callee(CaseBuilder& b, bool o16) {
  mark(b, kTakenMark);
  if (o16) b.emit_byte(0x66);
  if (b.rng().chance(30)) {
    u32 imm = b.rng().chance(70) ? b.rng().below(0x40) : b.edge(2);
    b.emit_byte(0xC2);
    b.emit_imm(imm, 2);
    b.note("ret-imm16");
    if (imm & 0x8000) b.note("imm16>=8000h");  // see unicorn_exclusions.cpp
  } else {
    b.emit_byte(0xC3);
  }
}

// CALL rel (E8) to a callee that returns to a JMP over itself.
bool call_rel(CaseBuilder& b) {
  bool o16 = maybe_o16(b, 20);
  b.emit_byte(0xE8);
  u32 rel_at = b.body_size();
  b.emit_imm(0, o16 ? 2 : 4);
  u32 after = b.body_size();
  mark(b, kFallMark);
  b.emit({0xEB, 0x00});
  u32 skip_at = b.body_size() - 1;
  u32 callee_at = b.body_size();
  callee(b, o16);
  b.patch(rel_at, callee_at - after, o16 ? 2 : 4);
  b.patch(skip_at, b.body_size() - (skip_at + 1), 1);
  return true;
}

// The r/m operand of an indirect CALL/JMP, holding `target` once it is known.
RmOperand indirect_operand(CaseBuilder& b, unsigned size) {
  if (b.rng().chance(50)) return b.rm_register(b.unpinned_reg());
  MemoryRequest request;
  request.size = size;
  return b.rm_memory(request);
}

// CALL r/m (FF /2) or JMP r/m (FF /4) through a register or memory holding the target.
bool indirect(CaseBuilder& b, bool call) {
  unsigned size = b.rng().chance(20) ? 2 : 4;
  operand_size(b, size);
  RmOperand rm = indirect_operand(b, size);
  b.emit_byte(0xFF);
  b.emit_modrm(rm, call ? 2 : 4);
  mark(b, kFallMark);
  u32 target_at;
  if (call) {
    b.emit({0xEB, 0x00});
    u32 skip_at = b.body_size() - 1;
    target_at = b.body_size();
    callee(b, size == 2);
    b.patch(skip_at, b.body_size() - (skip_at + 1), 1);
  } else {
    target_at = b.body_size();
    mark(b, kTakenMark);
  }
  b.put(rm, size, b.label_address(target_at));  // prefixes are all in place by now
  return true;
}

}  // namespace

void add_branch_forms(FormList& forms) {
  for (unsigned cc = 0; cc < 16; ++cc) {
    forms.push_back({std::string("J") + kConditionNames[cc] + " rel8", kDefaultCount / 2,
                     [=](CaseBuilder& b) { return jcc(b, cc, false); }});
    forms.push_back({std::string("J") + kConditionNames[cc] + " rel32", kDefaultCount / 2,
                     [=](CaseBuilder& b) { return jcc(b, cc, true); }});
  }
  forms.push_back({"JMP rel8", kDefaultCount / 2, [](CaseBuilder& b) { return jmp_rel(b, false); }});
  forms.push_back({"JMP rel32", kDefaultCount / 2, [](CaseBuilder& b) { return jmp_rel(b, true); }});
  forms.push_back({"JECXZ rel8", kDefaultCount, [](CaseBuilder& b) { return counter_branch(b, 0xE3); }});
  forms.push_back({"LOOP rel8", kDefaultCount, [](CaseBuilder& b) { return counter_branch(b, 0xE2); }});
  forms.push_back({"LOOPE rel8", kDefaultCount, [](CaseBuilder& b) { return counter_branch(b, 0xE1); }});
  forms.push_back({"LOOPNE rel8", kDefaultCount, [](CaseBuilder& b) { return counter_branch(b, 0xE0); }});
  forms.push_back({"CALL rel32 / RET", kDefaultCount, [](CaseBuilder& b) { return call_rel(b); }});
  forms.push_back({"CALL r/m32 / RET", kDefaultCount, [](CaseBuilder& b) { return indirect(b, true); }});
  forms.push_back({"JMP r/m32", kDefaultCount, [](CaseBuilder& b) { return indirect(b, false); }});
}

}  // namespace vmlab::conformance
