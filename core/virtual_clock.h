// Virtual time and the timer queue. No host clock anywhere in the simulation.
//
// Time is in simulated cycles:  now = instructions retired x CPI + charged cycles,
// where charged cycles are what the cost model prices for events (exits, faults,
// walks) plus time skipped while the CPU is halted. Timers (devices) schedule
// callbacks at absolute cycle times; the run loop never runs the CPU past the next
// deadline (it plans a slice of instructions at the CPI, and an alarm stops the CPU
// after an instruction whose charged cycles reach the deadline first), so a timer fires
// at the same instruction on every run, however the run is cut.
#pragma once
#include <functional>
#include <queue>
#include <unordered_set>
#include <vector>

#include "core/cost_model.h"
#include "core/types.h"

namespace vmlab {

// The virtual CPU clock: one cycle is one nanosecond of guest time. Devices convert
// their own rates (the 8254's 1.193182 MHz, a UART's baud rate, the LAPIC bus clock)
// with this constant, in integer arithmetic, so timing is identical on every host.
constexpr u64 kVirtualHz = 1'000'000'000;

class VirtualClock {
 public:
  explicit VirtualClock(const u64& instructions_retired) : m_instructions(instructions_retired) {}

  u64 now() const { return m_instructions * m_cpi + m_charged; }
  // Skip time (a halted CPU waiting for its next timer).
  void charge(u64 cycles) {
    m_charged += cycles;
    check_alarm();
  }
  // Charge one event at the price the cost model gives `key`, and count it, so that a
  // run can be re-priced later: cycles = instructions x CPI + halted time
  // + the sum over keys of count x price.
  void charge(CostKey key, u64 count = 1) {
    if (m_priced) (*m_priced)[size_t(key)] += count;
    m_charged += count * m_prices[size_t(key)];
    check_alarm();
  }
  // Call `on_alarm` once the clock reaches `when` through charged cycles (the run loop's
  // next deadline: instructions alone reach it at the end of the planned slice).
  void set_alarm(u64 when) { m_alarm = when; }
  std::function<void()> on_alarm;
  u64 price(CostKey key) const { return m_prices[size_t(key)]; }
  u64 cpi() const { return m_cpi; }
  void set_cpi(u64 cpi) { m_cpi = cpi; }
  // Prices from a cost model (all zero until set: events then cost no time).
  void set_prices(const std::array<u64, kCostKeyCount>& prices) { m_prices = prices; }
  // Where charge(CostKey) counts events (Counters::priced); nullptr counts nowhere.
  void count_priced_in(std::array<u64, kCostKeyCount>* counts) { m_priced = counts; }

 private:
  void check_alarm() {
    if (now() >= m_alarm && on_alarm) {
      m_alarm = ~0ull;  // once
      on_alarm();
    }
  }

  const u64& m_instructions;
  u64 m_alarm = ~0ull;
  u64 m_cpi = 1;
  u64 m_charged = 0;
  std::array<u64, kCostKeyCount> m_prices{};
  std::array<u64, kCostKeyCount>* m_priced = nullptr;
};

using TimerId = u64;

class EventQueue {
 public:
  static constexpr u64 kNever = ~0ull;

  // Run `callback` once the clock reaches `when` (absolute cycles). Callbacks may
  // schedule and cancel timers, including scheduling themselves again (periodic timers).
  TimerId schedule(u64 when, std::function<void()> callback);
  // Called by schedule() when the new timer is due before every other pending one. A
  // device usually schedules from inside an instruction (a port write) while the CPU runs
  // a slice that ends at the old deadline; the Machine uses this to make the CPU stop after
  // the current instruction, so the new timer fires at exactly its cycle.
  std::function<void(u64 when)> on_earlier_deadline;
  // A cancelled timer never fires. Cancelling a timer that already fired, was already
  // cancelled, or never existed does nothing.
  void cancel(TimerId id);
  // Earliest pending deadline, or kNever.
  u64 next_deadline();
  // Fire every timer due at or before `now`, in (time, scheduling order) order. A timer
  // that a callback schedules at or before `now` fires in this same call.
  void run_due(u64 now);
  bool empty();

 private:
  struct Timer {
    u64 when;
    TimerId id;
    std::function<void()> callback;
    bool operator>(const Timer& other) const {
      return when != other.when ? when > other.when : id > other.id;
    }
  };
  void drop_cancelled();

  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> m_heap;
  // Ids scheduled and neither fired nor cancelled. A heap entry whose id is missing
  // here was cancelled: it stays in the heap until it reaches the top.
  std::unordered_set<TimerId> m_pending;
  TimerId m_next_id = 1;
};

}  // namespace vmlab
