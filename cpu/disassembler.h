// Disassembly for humans: Capstone renders the text, our decoder (the one opcode table)
// decides the length, so what a person reads and what the CPU executes cannot drift
// apart silently: a length disagreement is shown instead of hidden.
#pragma once
#include <functional>
#include <string>

#include "core/types.h"

namespace vmlab {

class Cpu;

struct Disassembly {
  unsigned length = 0;   // bytes, as our decoder sees them (0 if not decodable)
  std::string bytes;     // "8b 45 08"
  std::string text;      // "mov eax, dword ptr [ebp + 8]"
};

// Disassemble the instruction at `bytes`, which sits at `address` (so that branch
// targets read as addresses). `code32` selects 32- or 16-bit code.
Disassembly disassemble(const u8* bytes, size_t available, bool code32, u32 address = 0);

// Disassemble the instruction at the CPU's CS:EIP, reading guest memory without side
// effects (no faults, no accessed bits). Text is "(unmapped)" when EIP does not map.
Disassembly disassemble_at_eip(const Cpu& cpu);
// The same through another translation of CS:EIP (a monitor's view of the guest's own
// page tables, where the real CR3 points at shadow tables that may lack the entry):
// `translate(linear, physical)` returns false when the address does not map.
Disassembly disassemble_at_eip(const Cpu& cpu, const std::function<bool(u32, u32&)>& translate);
// The instruction at linear address `linear`, read through `translate` (debug views
// listing the code around EIP). Text is "(unmapped)" when the address does not map.
Disassembly disassemble_linear(const Cpu& cpu, u32 linear, bool code32,
                               const std::function<bool(u32, u32&)>& translate);

}  // namespace vmlab
