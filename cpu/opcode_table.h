// The one opcode table: shared by the decoder, the interpreter and the disassembly
// helpers, so they can never disagree on what an opcode is or how long it is.
//
// 512 primary entries: 0x00-0xFF one-byte opcodes, 0x100-0x1FF for 0F xx. Group opcodes
// (80-83, C0/C1, D0-D3, F6/F7, FE/FF, 8F, C6/C7, 0F 00, 0F 01, 0F BA, 0F C7) point to 8
// sub-entries selected by ModRM.reg; each sub-entry has its own immediate form (F6 /0 TEST
// takes an immediate, F6 /2 NOT does not).
//
// An entry with no mnemonic is an invalid opcode: it decodes (so lengths are known) and
// raises #UD when executed.
#pragma once
#include "cpu/insn.h"

namespace vmlab {

// What follows the opcode (and ModRM/SIB/displacement, if any).
enum class Imm : u8 {
  None,
  Ib,     // imm8, zero-extended
  Ibs,    // imm8, sign-extended to the operand size
  Iw,     // imm16
  Iz,     // imm16 or imm32 by operand size
  IwIb,   // ENTER: imm16 then imm8 (imm8 goes to imm2)
  Ap,     // far pointer: offset (16/32 by operand size) then selector (imm2)
  Moffs,  // A0-A3: offset (16/32 by address size) into disp
  Jb,     // rel8, sign-extended
  Jz,     // rel16 / rel32 by operand size
};

// Attribute bits.
constexpr u8 OP_ENDS_BLOCK = 1u << 0;  // may change EIP or machine state: last in its block
constexpr u8 OP_PREFIX = 1u << 1;      // a prefix byte, not an instruction
constexpr u8 OP_LOCKABLE = 1u << 2;     // LOCK allowed (with a memory destination)
constexpr u8 OP_FORCE_REG = 1u << 3;    // ModRM.mod is ignored and read as 11 (MOV CRn/DRn)

struct HandlerSet {
  Handler h[2][2];  // [operand size 32][memory operand]
};

struct OpcodeEntry {
  const char* mnemonic = nullptr;  // nullptr: invalid opcode (#UD)
  bool modrm = false;
  Imm imm = Imm::None;
  u8 attrs = 0;
  HandlerSet handlers{};
  const OpcodeEntry* group = nullptr;  // 8 entries by ModRM.reg
};

// Entry for a primary opcode (0x00-0xFF, or 0x100 | second byte after 0F).
const OpcodeEntry& opcode_entry(u16 opcode);

// Handler for invalid opcodes and invalid forms: raises #UD.
void op_invalid(Cpu& cpu, const Insn& i);

}  // namespace vmlab
