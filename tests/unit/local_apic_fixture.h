// Test bench for the local APIC: a Bus with the APIC page at 0xFEE00000, a clock and
// timer queue the test advances, and recorders for the APIC's outputs (INTR changes,
// EOI broadcasts, NMIs).
#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "core/bus.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/virtual_clock.h"
#include "devices/local_apic.h"

namespace vmlab::lapic_test {

constexpr u8 kId = 2;

class LocalApicTest : public ::testing::Test {
 protected:
  LocalApicTest() {
    apic.attach(bus);
    apic.on_intr_changed = [this] { ++intr_changes; };
    apic.on_eoi = [this](u8 vector) { eois.push_back(vector); };
    apic.on_nmi = [this] { ++nmis; };
  }

  void write(u32 offset, u32 value) { bus.mmio_write(LocalApic::kBase + offset, value, 4); }
  u32 read(u32 offset) { return bus.mmio_read(LocalApic::kBase + offset, 4); }
  void enable(u8 spurious = 0xFF) { write(LAPIC_SVR, SVR_APIC_ENABLE | spurious); }
  // The ESR shows errors only after a write latches them.
  u32 latch_esr() {
    write(LAPIC_ESR, 0);
    return read(LAPIC_ESR);
  }
  // What the CPU does when it takes an interrupt: INTA, then the handler's EOI.
  u8 take() { return apic.intr_acknowledge(); }
  void eoi() { write(LAPIC_EOI, 0); }
  // Let virtual time pass the way the run loop does: every timer due fires.
  void advance(u64 cycles) {
    clock.charge(cycles);
    timers.run_due(clock.now());
  }
  u64 counter(const char* name) { return counters.device(name); }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  EventQueue timers;
  LocalApic apic{kId, clock, timers, counters};
  int intr_changes = 0;
  int nmis = 0;
  std::vector<u8> eois;
};

}  // namespace vmlab::lapic_test
