// Instruction decoder: bytes -> Insn, driven by the opcode table.
//
// Prefixes (any order, each group at most meaningfully once; the last segment override
// wins), opcode (one byte, or 0F + one byte), ModRM, SIB, displacement and immediates, as
// in SDM Vol. 2, chapter 2. More than 15 bytes raises #GP(0), as on the 386 and later.
#pragma once
#include <cstddef>

#include "cpu/insn.h"

namespace vmlab {

// Supplies instruction bytes one at a time; throws CpuFault if a byte cannot be fetched
// (page fault, CS limit).
class ByteFetcher {
 public:
  virtual ~ByteFetcher() = default;
  virtual u8 next() = 0;
};

// Decode one instruction. `code32` is CS.D. Fills every field of `insn`, including the
// handler (op_invalid for undefined opcodes).
void decode_instruction(Insn& insn, ByteFetcher& fetch, bool code32);

// Length of the instruction at `bytes` (for disassembly helpers and tests): the number of
// bytes decode_instruction would consume, or 0 if `available` bytes are not enough or
// the instruction would exceed 15 bytes. Undefined opcodes have a length too.
unsigned instruction_length(const u8* bytes, size_t available, bool code32);

// Mnemonic from the opcode table ("add", "jcc", ...), or "(bad)".
const char* instruction_mnemonic(const Insn& insn);

}  // namespace vmlab
