// Human-readable disassembly of a case's bytes (Capstone), for failure reports only: the
// engines never depend on it.
#pragma once
#include <string>
#include <vector>

#include "core/types.h"

namespace vmlab::conformance {

// "add eax, ebx; jmp 0xc005" for the bytes at `address`, or a note when Capstone cannot
// decode them.
std::string disassemble(const std::vector<u8>& code, u32 address);

}  // namespace vmlab::conformance
