// vmlab's own CPU as a conformance engine: the subject the two oracles check.
//
// The CPU is built on a private machine (RAM, Bus, events, counters, clock) with no
// devices: cases only touch their three pages. Each case gets a fresh Cpu in flat
// protected mode, so nothing (decoded blocks, TLB entries) carries over from the case
// before and a failure belongs to the case that shows it.
#pragma once
#include <memory>

#include "core/bus.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/physical_memory.h"
#include "core/virtual_clock.h"
#include "tests/conformance/oracle/engine.h"

namespace vmlab {
class Cpu;
}

namespace vmlab::conformance {

class VmlabEngine : public Engine {
 public:
  VmlabEngine();
  ~VmlabEngine() override;
  std::string name() const override { return "vmlab"; }
  std::vector<Outcome> run(const std::vector<Case>& cases) override;

 private:
  void load_memory(const Case& c);
  Outcome run_one(const Case& c);

  Counters m_counters;
  VirtualClock m_clock{m_counters.instructions};
  EventStream m_events{m_clock};
  PhysicalMemory m_memory;
  Bus m_bus{m_events, m_counters};
  std::string m_first_exception;  // "#UD at EIP 0000C000" for the case running now
};

}  // namespace vmlab::conformance
