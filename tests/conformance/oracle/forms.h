// The catalogue of opcode forms the conformance generator covers.
//
// A Form is one SDM opcode form ("ADD r/m32, r32", "SHL r/m8, CL") with a build function
// that fills a CaseBuilder with one random instance of it. The forms_*.cpp files each add
// one family; generator.cpp turns the catalogue into cases.
//
// Not generated, on purpose: instructions whose result depends on the environment
// rather than on the architecture (CPUID, RDTSC, segment register loads and stores,
// which see Linux's selectors in the host runner but vmlab's flat ones), privileged and
// I/O instructions (they fault in the host runner), and x87/MMX/SSE.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "tests/conformance/oracle/case_builder.h"

namespace vmlab::conformance {

struct Form {
  std::string name;
  unsigned count;  // cases to generate
  // Builds one case. Returning false discards it and the generator tries again with
  // fresh random values (forms whose valid inputs are a subset, like DIV without #DE).
  std::function<bool(CaseBuilder&)> build;
};
using FormList = std::vector<Form>;

constexpr unsigned kDefaultCount = 12;

void add_alu_forms(FormList& forms);              // forms_alu.cpp
void add_unary_forms(FormList& forms);            // forms_unary.cpp
void add_multiply_divide_forms(FormList& forms);  // forms_muldiv.cpp
void add_shift_forms(FormList& forms);            // forms_shift.cpp
void add_bit_forms(FormList& forms);              // forms_bit.cpp
void add_move_forms(FormList& forms);             // forms_move.cpp
void add_exchange_forms(FormList& forms);         // forms_exchange.cpp
void add_stack_forms(FormList& forms);            // forms_stack.cpp
void add_branch_forms(FormList& forms);           // forms_branch.cpp
void add_string_forms(FormList& forms);           // forms_string.cpp
void add_misc_forms(FormList& forms);             // forms_misc.cpp
void add_flag_chain_forms(FormList& forms);       // forms_flag_chain.cpp

// Every form above, in a fixed order.
FormList all_forms();

// --- Helpers shared by the forms_*.cpp files ---

// Operand size in bytes -> the SDM's suffix: 1 -> "8", 2 -> "16", 4 -> "32".
inline std::string bits(unsigned size) { return std::to_string(8 * size); }

// Replace every '#' in `pattern` with the operand width: ("ADD r/m#, r#", 2) -> "ADD r/m16, r16".
std::string sized(const std::string& pattern, unsigned size);

// Add the operand-size prefix (0x66) for 16-bit operands.
inline void operand_size(CaseBuilder& b, unsigned size) {
  if (size == 2) {
    b.prefix(0x66);
    b.note("o16");
  }
}

// The register that accumulator forms name for a size: AL, AX or EAX.
inline const char* accumulator(unsigned size) { return size == 1 ? "AL" : size == 2 ? "AX" : "EAX"; }

// Condition-code mnemonics in encoding order (SDM Vol. 1, Table B-1).
extern const char* const kConditionNames[16];

}  // namespace vmlab::conformance
