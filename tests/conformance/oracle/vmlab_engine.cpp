#include "tests/conformance/oracle/vmlab_engine.h"

#include <cstdio>

#include "cpu/cpu.h"

namespace vmlab::conformance {
namespace {

// Enough RAM for the three pages (all below 64 KiB); the rest stays zero and untouched.
constexpr u64 kRamSize = 1u << 20;
// No island runs more than a few dozen instructions; this only stops a runaway case.
constexpr u64 kInstructionBudget = 10000;

const char* stop_reason_name(StopReason why) {
  switch (why) {
    case StopReason::Budget: return "instruction budget used up";
    case StopReason::Halted: return "halted";
    case StopReason::StopRequest: return "stop requested";
    case StopReason::Shutdown: return "shutdown (triple fault)";
    case StopReason::MonitorTrap: return "trap into a monitor";
  }
  return "?";
}

std::string hex(u32 value) {
  char text[16];
  std::snprintf(text, sizeof text, "%08X", value);
  return text;
}

}  // namespace

VmlabEngine::VmlabEngine() : m_memory(kRamSize) {
  // Keep the first exception of each case: with no IDT it ends in a triple fault, and
  // the first vector is what tells a student which instruction vmlab rejected.
  m_events.subscribe([this](const Event& e) {
    if (e.kind == EventKind::Exception && m_first_exception.empty())
      m_first_exception = "vector " + std::to_string(e.a) + " at EIP " + hex(e.c);
  });
}

VmlabEngine::~VmlabEngine() = default;

// The three pages of the case; the code page gets INT3 filler and a HLT terminator.
void VmlabEngine::load_memory(const Case& c) {
  m_memory.fill(kCodeBase, kCodeFill, kCodeSize);
  m_memory.write(kCodeBase, c.code.data(), static_cast<u32>(c.code.size()));
  const u8 hlt = 0xF4;  // at CPL 0 HLT halts the CPU and run() returns Halted
  m_memory.write(c.end_address(), &hlt, 1);
  m_memory.write(kDataBase, c.data.data(), kDataSize);
  m_memory.write(kStackBase, c.stack.data(), kStackSize);
}

// A fresh CPU in flat protected mode (CPL 0, paging off) runs the case to its HLT.
Outcome VmlabEngine::run_one(const Case& c) {
  load_memory(c);
  m_first_exception.clear();
  Cpu cpu(m_memory, m_bus, m_events, m_counters, m_clock);
  cpu.enter_flat_protected_mode();
  for (int r = 0; r < 8; ++r) cpu.set_reg(static_cast<Reg>(r), c.regs[r]);
  cpu.set_eflags(c.eflags | kFixedFlags);
  cpu.set_eip(kCodeBase);
  StopReason why = cpu.run(kInstructionBudget);

  Outcome o;
  // The terminator is the only HLT on the code page; whether a halted CPU reports EIP at
  // the HLT or after it is not what this test is about, so both count as the end.
  bool at_end = cpu.eip() == c.end_address() || cpu.eip() == c.end_address() + 1;
  o.completed = why == StopReason::Halted && at_end;
  if (!o.completed) {
    o.error = std::string("vmlab stopped: ") + stop_reason_name(why) + " at EIP " + hex(cpu.eip());
    if (!m_first_exception.empty()) o.error += "; first exception: " + m_first_exception;
    if (why == StopReason::Shutdown) o.error += " (" + cpu.shutdown_reason() + ")";
  }
  for (int r = 0; r < 8; ++r) o.regs[r] = cpu.reg(static_cast<Reg>(r));
  o.eflags = cpu.get_eflags();
  m_memory.read(kDataBase, o.data.data(), kDataSize);
  m_memory.read(kStackBase, o.stack.data(), kStackSize);
  return o;
}

std::vector<Outcome> VmlabEngine::run(const std::vector<Case>& cases) {
  std::vector<Outcome> outcomes;
  outcomes.reserve(cases.size());
  for (const Case& c : cases) outcomes.push_back(run_one(c));
  return outcomes;
}

}  // namespace vmlab::conformance
