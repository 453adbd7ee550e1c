// A decoded instruction: everything the handler needs, computed once at decode time.
//
// The decoder (cpu/decoder.cpp) fills an Insn from the bytes at CS:EIP using the opcode
// table (cpu/opcode_table.h); blocks of Insns are cached per physical page and executed
// many times (decode once, execute many).
//
// Effective address of a memory operand, whatever the address size:
//     ea = (reg[base] + (reg[index] << scale) + disp) & ea_mask
// with base/index = kRegZero when absent and ea_mask = 0xFFFF for 16-bit addressing.
#pragma once
#include "core/types.h"
#include "cpu/cpu_state.h"

namespace vmlab {

class Cpu;
struct Insn;
using Handler = void (*)(Cpu& cpu, const Insn& insn);

// Prefix and form bits in Insn::flags.
constexpr u16 INSN_OPSIZE32 = 1u << 0;   // effective operand size is 32
constexpr u16 INSN_ADDR32 = 1u << 1;     // effective address size is 32
constexpr u16 INSN_MEM = 1u << 2;        // ModRM names a memory operand (mod != 3)
constexpr u16 INSN_REP = 1u << 3;        // F3 prefix (REP / REPE)
constexpr u16 INSN_REPNE = 1u << 4;      // F2 prefix (REPNE)
constexpr u16 INSN_LOCK = 1u << 5;       // F0 prefix
constexpr u16 INSN_SEG_OVERRIDE = 1u << 6;
constexpr u16 INSN_ENDS_BLOCK = 1u << 7; // control transfer or state change: last in its block
constexpr u16 INSN_TWO_BYTE = 1u << 8;   // opcode was 0F xx

struct Insn {
  Handler fn = nullptr;
  u32 disp = 0;       // memory displacement; moffs for A0-A3
  u32 imm = 0;        // first immediate (sign-extended where the SDM says so)
  u16 imm2 = 0;       // second immediate: far-pointer selector, ENTER level, ...
  u16 flags = 0;      // INSN_*
  u16 opcode = 0;     // primary opcode byte; 0x100 | byte for 0F xx
  u8 len = 0;         // total length in bytes, prefixes included
  u8 modrm = 0;
  u8 reg = 0;         // ModRM.reg (register or group extension)
  u8 rm = 0;          // ModRM.rm when mod == 3
  u8 base = kRegZero;
  u8 index = kRegZero;
  u8 scale = 0;
  u8 seg = DS;        // effective segment of the memory operand (after overrides)
  u32 ea_mask = 0xFFFFFFFF;  // 0xFFFF for 16-bit addressing

  bool op32() const { return flags & INSN_OPSIZE32; }
  bool addr32() const { return flags & INSN_ADDR32; }
  bool is_mem() const { return flags & INSN_MEM; }
  bool rep() const { return flags & (INSN_REP | INSN_REPNE); }
};

}  // namespace vmlab
