// What the debugger needs to know about the instruction at a linear address: how long it
// is, whether Step over runs across it, whether it returns from a function, and where a
// direct branch goes. It is decoded by the CPU's own decoder (cpu/decoder.h, the one
// opcode table), from guest memory read without side effects through the guest's own
// page tables (Session::translate).
#pragma once
#include <optional>
#include <vector>

#include "cpu/insn.h"

namespace vmlab::gui {

struct Session;

struct CodeAt {
  Insn insn;       // as the CPU decodes it (opcode, ModRM.reg, prefixes, immediate)
  u32 linear = 0;  // where it is
  u32 next = 0;    // linear address of the instruction after it
};

// The instruction at `linear` in the current code segment; nullopt when its bytes do not
// map or do not decode.
std::optional<CodeAt> code_at(const Session& s, u32 linear);

// CALL (any form), INT n / INT3 / INTO / INT1, or a REP/REPNE string instruction: what
// Step over runs across, to the instruction after it.
bool is_stepped_over(const Insn& insn);
// RET, RETF or IRET: what ends a function (or a handler) for Step out.
bool is_return(const Insn& insn);
// The linear target of a JMP, Jcc, CALL, LOOP or JCXZ with a relative operand; nullopt
// for every other instruction (indirect and far branches included).
std::optional<u32> direct_target(const Session& s, const CodeAt& code);

// The starts of up to `count` instructions that end exactly at `target`, oldest first. x86
// cannot be decoded backwards, so this decodes forwards from a point before `target`:
// the start of the kernel symbol `target` is in, when it is at most kMaxSymbolDistance
// bytes back (exact: the compiler put an instruction there), else the farthest of the 64
// bytes before it from which decoding lands exactly on `target` (the usual debugger
// guess, right whenever the code before is code). Empty when nothing lands there.
std::vector<u32> instructions_before(const Session& s, u32 target, size_t count);

}  // namespace vmlab::gui
