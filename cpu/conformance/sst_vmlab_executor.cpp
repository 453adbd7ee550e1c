// The SstExecutor that runs SingleStepTests on vmlab's CPU.
#include <fmt/format.h>

#include <algorithm>

#include "core/bus.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/physical_memory.h"
#include "core/virtual_clock.h"
#include "cpu/conformance/sst_runner.h"
#include "cpu/cpu.h"

namespace vmlab {
namespace {

// vmlab's CPU on the bench the suite was captured on: real mode, 16 MiB, A20 on.
// One machine serves every test; execute() first erases what the previous test left.
class VmlabSstExecutor final : public SstExecutor {
 public:
  VmlabSstExecutor()
      : m_clock(m_counters.instructions),
        m_events(m_clock),
        m_memory(kRamBytes),
        m_bus(m_events, m_counters),
        m_cpu(m_memory, m_bus, m_events, m_counters, m_clock) {
    m_events.subscribe([this](const Event& e) {
      if (e.kind == EventKind::Exception) m_exceptions.push_back(SstException{u8(e.a), e.c});
    });
  }

  SstState execute(const SstTest& test) override {
    forget_previous_test();
    m_exceptions.clear();
    SstState state;
    state.error = load(test);
    if (state.error.empty()) state.error = run_to_hlt();
    observe(test, state);
    state.exceptions = m_exceptions;
    return state;
  }

 private:
  static constexpr u64 kRamBytes = 16u << 20;
  // The instruction, an exception it raises, the HLT: a few steps. More means the CPU
  // went astray (a jump that missed its HLT, a fault loop).
  static constexpr int kMaxSteps = 8;
  // Every write of a real-mode test goes through a segment: at most 64 KiB above its base
  // (plus the bytes of an access straddling offset 0xFFFF).
  static constexpr u32 kSegmentWindow = 0x10000 + 4;

  struct GprSlot {
    SstReg sst;
    Reg reg;
  };
  struct SegSlot {
    SstReg sst;
    SegReg seg;
  };
  static constexpr GprSlot kGprs[] = {{SstReg::ax, EAX}, {SstReg::bx, EBX}, {SstReg::cx, ECX},
                                      {SstReg::dx, EDX}, {SstReg::sp, ESP}, {SstReg::bp, EBP},
                                      {SstReg::si, ESI}, {SstReg::di, EDI}};
  static constexpr SegSlot kSegs[] = {{SstReg::cs, CS}, {SstReg::ss, SS}, {SstReg::ds, DS}, {SstReg::es, ES}};

  // Reset the CPU and load the test's registers and RAM. Returns an error, or "".
  std::string load(const SstTest& test) {
    m_cpu.reset();
    m_cpu.set_a20(true);
    for (const SegSlot& s : kSegs) {
      m_cpu.load_segment_real(s.seg, test.initial_reg(s.sst));
      m_dirty_bases.push_back(u32{test.initial_reg(s.sst)} << 4);
    }
    for (const GprSlot& g : kGprs) m_cpu.set_reg(g.reg, test.initial_reg(g.sst));
    m_cpu.set_eip(test.initial_reg(SstReg::ip));
    m_cpu.set_eflags((test.initial_reg(SstReg::flags) & ~kSstFlagsIgnored) | EFLAGS_FIXED1);
    for (const SstRamByte& b : test.initial_ram) {
      if (!m_memory.contains(b.addr, 1))
        return fmt::format("initial RAM address 0x{:X} is beyond 16 MiB", b.addr);
      m_memory.write(b.addr, &b.value, 1);
      m_dirty_bytes.push_back(b.addr);
    }
    return "";
  }

  // Step until the HLT after the instruction (or at the target it reached) has executed.
  std::string run_to_hlt() {
    for (int i = 0; i < kMaxSteps && !m_cpu.halted(); ++i)
      if (m_cpu.step() == StopReason::Shutdown) return fmt::format("CPU shut down: {}", m_cpu.shutdown_reason());
    if (m_cpu.halted()) return "";
    return fmt::format("did not reach HLT within {} steps (stopped at CS:IP {:04X}:{:04X})", kMaxSteps,
                       m_cpu.seg(CS).selector, m_cpu.eip());
  }

  void observe(const SstTest& test, SstState& state) {
    for (const GprSlot& g : kGprs) state.regs[static_cast<size_t>(g.sst)] = m_cpu.reg(g.reg);
    for (const SegSlot& s : kSegs) {
      state.regs[static_cast<size_t>(s.sst)] = m_cpu.seg(s.seg).selector;
      m_dirty_bases.push_back(m_cpu.seg(s.seg).base);
    }
    state.regs[static_cast<size_t>(SstReg::ip)] = m_cpu.eip();
    state.regs[static_cast<size_t>(SstReg::flags)] = m_cpu.get_eflags();
    for (const SstRamByte& b : test.final_ram) {
      u8 value = 0;
      if (m_memory.contains(b.addr, 1)) m_memory.read(b.addr, &value, 1);
      state.ram.push_back(value);
      m_dirty_bytes.push_back(b.addr);
    }
  }

  // Zero every byte the previous test could have written: clearing all 16 MiB per test
  // would cost more than running the whole suite.
  void forget_previous_test() {
    std::sort(m_dirty_bases.begin(), m_dirty_bases.end());
    m_dirty_bases.erase(std::unique(m_dirty_bases.begin(), m_dirty_bases.end()), m_dirty_bases.end());
    for (u32 base : m_dirty_bases)
      if (base < kRamBytes)
        m_memory.fill(base, 0, static_cast<u32>(std::min<u64>(kSegmentWindow, kRamBytes - base)));
    for (u32 addr : m_dirty_bytes)
      if (addr < kRamBytes) m_memory.fill(addr, 0, 1);
    m_dirty_bases.clear();
    m_dirty_bytes.clear();
  }

  Counters m_counters;
  VirtualClock m_clock;
  EventStream m_events;
  PhysicalMemory m_memory;
  Bus m_bus;
  Cpu m_cpu;
  std::vector<u32> m_dirty_bases;  // segment bases the last test ran with
  std::vector<u32> m_dirty_bytes;  // RAM addresses the last test listed
  std::vector<SstException> m_exceptions;
};

}  // namespace

std::unique_ptr<SstExecutor> make_vmlab_sst_executor() { return std::make_unique<VmlabSstExecutor>(); }

}  // namespace vmlab
