// A conformance case (one instruction or a small code island, and the machine state
// around it) and an engine's outcome for it.
//
// The memory layout and the wire format the host runner reads are in case_format.h;
// this is the C++ view the generator, the engines and the comparison share.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "core/types.h"
#include "cpu/cpu_state.h"
#include "tests/conformance/oracle/case_format.h"

namespace vmlab::conformance {

constexpr u32 kDataBase = VMLAB_ORACLE_DATA_BASE;
constexpr u32 kDataSize = VMLAB_ORACLE_DATA_SIZE;
constexpr u32 kStackBase = VMLAB_ORACLE_STACK_BASE;
constexpr u32 kStackSize = VMLAB_ORACLE_STACK_SIZE;
constexpr u32 kCodeBase = VMLAB_ORACLE_CODE_BASE;
constexpr u32 kCodeSize = VMLAB_ORACLE_CODE_SIZE;
constexpr u32 kCodeMax = VMLAB_ORACLE_CODE_MAX;
constexpr u8 kCodeFill = VMLAB_ORACLE_CODE_FILL;

// The EFLAGS bits a case sets and the engines compare: the six arithmetic flags and DF.
constexpr u32 kComparedFlags = EFLAGS_ARITH | EFLAGS_DF;
static_assert(kComparedFlags == VMLAB_ORACLE_EFLAGS_INPUT_MASK);
// Every engine starts a case with IF set and bit 1 set, as a Linux user process runs.
constexpr u32 kFixedFlags = EFLAGS_IF | EFLAGS_FIXED1;

using DataImage = std::array<u8, kDataSize>;
using StackImage = std::array<u8, kStackSize>;

struct Case {
  std::string form;    // the opcode form, e.g. "ADD r/m32, r32": failures are grouped by it
  std::string detail;  // this instance: operand kinds and prefixes, e.g. "mem a16 ES: lock"
  std::vector<u8> code;  // at kCodeBase; the case ends when EIP reaches kCodeBase + size
  std::array<u32, 8> regs{};  // EAX ECX EDX EBX ESP EBP ESI EDI
  u32 eflags = 0;             // kComparedFlags bits only
  u32 undefined_flags = 0;    // EFLAGS bits the SDM leaves undefined after this case
  u8 undefined_regs = 0;      // bit r: the SDM leaves GPR r undefined after this case
  DataImage data{};
  StackImage stack{};

  u32 end_address() const { return kCodeBase + static_cast<u32>(code.size()); }
};

// What one engine did with one case.
struct Outcome {
  bool completed = false;  // reached the end address; otherwise `error` says why not
  std::string error;
  std::array<u32, 8> regs{};
  u32 eflags = 0;
  DataImage data{};
  StackImage stack{};
};

}  // namespace vmlab::conformance
