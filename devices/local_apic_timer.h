// The local APIC timer: a 32-bit down-counter on the divided bus clock (SDM Vol. 3, 10.5.4).
//
// Time base. The timer counts the processor's bus clock through a divider. vmlab
// defines that bus clock as 100 MHz of virtual time: one bus tick is 10 cycles
// (kVirtualHz = 1e9), so with divisor D the count drops by one every 10 * D cycles.
// A guest that calibrates the timer against the 8254 (as Linux does) measures 100 MHz.
//
// Counting. Writing the initial count (re)starts the count-down from that value;
// writing 0 stops the timer. On reaching 0 the timer expires (on_expire runs); in
// periodic mode it reloads the initial count and goes on, in one-shot mode it stays
// at 0. The current count is not stored: it is computed from virtual time on each
// read, and each expiry is an EventQueue timer, so nothing runs between expiries.
//
// Rebasing. A change of divisor while counting keeps the current count and counts on
// at the new rate from the moment of the write (the partial tick is lost; the SDM
// leaves this case open). A change of mode takes effect at the next expiry.
#pragma once
#include <functional>

#include "core/types.h"
#include "core/virtual_clock.h"

namespace vmlab {

class LocalApicTimer {
 public:
  static constexpr u64 kBusHz = 100'000'000;
  static constexpr u64 kCyclesPerBusTick = kVirtualHz / kBusHz;
  static_assert(kVirtualHz % kBusHz == 0, "the bus tick must be a whole number of cycles");

  // on_expire runs from the EventQueue (or from a register write that catches up with
  // an expiry the run loop has not fired yet) each time the count reaches 0.
  LocalApicTimer(const VirtualClock& clock, EventQueue& queue, std::function<void()> on_expire);
  ~LocalApicTimer();
  LocalApicTimer(const LocalApicTimer&) = delete;
  LocalApicTimer& operator=(const LocalApicTimer&) = delete;

  // Stopped, count 0, divide configuration 0 (divide by 2), one-shot.
  void reset();

  void write_initial_count(u32 count);
  u32 initial_count() const { return m_initial; }
  // The count now, from virtual time. 0 when stopped or after a one-shot expiry.
  u32 current_count() const;
  // Bits 0, 1 and 3 select the divisor: 000 = 2, 001 = 4, ..., 110 = 128, 111 = 1.
  void write_divide_configuration(u32 value);
  u32 divide_configuration() const { return m_dcr; }
  u32 divisor() const;
  void set_periodic(bool periodic);
  bool periodic() const { return m_periodic; }

  bool running() const { return m_running; }
  // Cycle time of the next expiry (EventQueue::kNever when stopped); debug views, tests.
  u64 next_expiry() const { return m_running ? m_deadline : EventQueue::kNever; }

 private:
  u64 cycles_per_count() const { return kCyclesPerBusTick * divisor(); }
  void start(u64 base, u32 count);
  void stop();
  void expire_due(u64 now);
  void arm();

  const VirtualClock& m_clock;
  EventQueue& m_queue;
  std::function<void()> m_on_expire;
  u32 m_initial = 0;
  u32 m_dcr = 0;
  bool m_periodic = false;
  // While running, the count was m_count_at_base at cycle m_base and drops by one every
  // cycles_per_count(); it reaches 0 at m_deadline.
  bool m_running = false;
  u64 m_base = 0;
  u32 m_count_at_base = 0;
  u64 m_deadline = 0;
  TimerId m_event = 0;  // 0: nothing scheduled
};

}  // namespace vmlab
