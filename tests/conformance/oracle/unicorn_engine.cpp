#include "tests/conformance/oracle/unicorn_engine.h"

#include <unicorn/unicorn.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace vmlab::conformance {
namespace {

// Unicorn register ids in the order of Case::regs (EAX ECX EDX EBX ESP EBP ESI EDI).
constexpr int kGprIds[8] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                            UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI};

// A safety net against a case that loops: no island executes more than a few dozen.
constexpr u64 kInstructionBudget = 100000;

void check(uc_err err, const char* what) {
  if (err != UC_ERR_OK) throw std::runtime_error(std::string("Unicorn: ") + what + ": " + uc_strerror(err));
}

std::string hex(u32 value) {
  char text[16];
  std::snprintf(text, sizeof text, "%08X", value);
  return text;
}

}  // namespace

UnicornEngine::UnicornEngine() {
  check(uc_open(UC_ARCH_X86, UC_MODE_32, &m_uc), "uc_open");
  for (u32 base : {kDataBase, kStackBase, kCodeBase})
    check(uc_mem_map(m_uc, base, 0x1000, UC_PROT_ALL), "uc_mem_map");
}

UnicornEngine::~UnicornEngine() {
  if (m_uc) uc_close(m_uc);
}

// Pages, registers and EFLAGS of the case; the code page ends in HLT at end_address().
void UnicornEngine::load_case(const Case& c) {
  std::array<u8, kCodeSize> page;
  page.fill(kCodeFill);
  std::copy(c.code.begin(), c.code.end(), page.begin());
  page[c.code.size()] = 0xF4;  // HLT at the end address: never executed, emu_start stops first
  check(uc_mem_write(m_uc, kCodeBase, page.data(), page.size()), "writing the code page");
  check(uc_mem_write(m_uc, kDataBase, c.data.data(), c.data.size()), "writing the data buffer");
  check(uc_mem_write(m_uc, kStackBase, c.stack.data(), c.stack.size()), "writing the stack area");
  // The code page was rewritten: translations made from the previous case must go.
  check(uc_ctl_remove_cache(m_uc, kCodeBase, kCodeBase + kCodeSize), "dropping translated code");
  for (int r = 0; r < 8; ++r) check(uc_reg_write(m_uc, kGprIds[r], &c.regs[r]), "writing a register");
  u32 eflags = c.eflags | kFixedFlags;
  check(uc_reg_write(m_uc, UC_X86_REG_EFLAGS, &eflags), "writing EFLAGS");
  u32 eip = kCodeBase;
  check(uc_reg_write(m_uc, UC_X86_REG_EIP, &eip), "writing EIP");
}

// Run until EIP reaches the case's end address; anything else (an exception, the
// budget) leaves the outcome unfinished with the reason.
Outcome UnicornEngine::run_one(const Case& c) {
  load_case(c);
  Outcome o;
  uc_err err = uc_emu_start(m_uc, kCodeBase, c.end_address(), 0, kInstructionBudget);
  u32 eip = 0;
  check(uc_reg_read(m_uc, UC_X86_REG_EIP, &eip), "reading EIP");
  if (err != UC_ERR_OK) o.error = std::string("Unicorn stopped: ") + uc_strerror(err) + " at EIP " + hex(eip);
  else if (eip != c.end_address()) o.error = "Unicorn did not reach the end (EIP " + hex(eip) + ")";
  o.completed = o.error.empty();
  for (int r = 0; r < 8; ++r) check(uc_reg_read(m_uc, kGprIds[r], &o.regs[r]), "reading a register");
  check(uc_reg_read(m_uc, UC_X86_REG_EFLAGS, &o.eflags), "reading EFLAGS");
  check(uc_mem_read(m_uc, kDataBase, o.data.data(), o.data.size()), "reading the data buffer");
  check(uc_mem_read(m_uc, kStackBase, o.stack.data(), o.stack.size()), "reading the stack area");
  return o;
}

std::vector<Outcome> UnicornEngine::run(const std::vector<Case>& cases) {
  std::vector<Outcome> outcomes;
  outcomes.reserve(cases.size());
  for (const Case& c : cases) outcomes.push_back(run_one(c));
  return outcomes;
}

}  // namespace vmlab::conformance
