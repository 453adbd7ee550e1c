#include "devices/local_apic_timer.h"

#include <utility>

namespace vmlab {

LocalApicTimer::LocalApicTimer(const VirtualClock& clock, EventQueue& queue,
                               std::function<void()> on_expire)
    : m_clock(clock), m_queue(queue), m_on_expire(std::move(on_expire)) {}

// The queue holds a callback that points at this timer: it must not outlive it.
LocalApicTimer::~LocalApicTimer() { stop(); }

void LocalApicTimer::reset() {
  stop();
  m_initial = 0;
  m_dcr = 0;
  m_periodic = false;
}

// Divide configuration register, Figure 10-10: the code is bits 3,1,0 read as a 3-bit
// number; codes 0-6 divide by 2^(code+1), code 7 divides by 1.
u32 LocalApicTimer::divisor() const {
  u32 code = ((m_dcr >> 1) & 4) | (m_dcr & 3);
  return code == 7 ? 1 : 2u << code;
}

// A write of the initial count copies it to the current count and starts counting
// down now; 0 stops the timer (SDM 10.5.4).
void LocalApicTimer::write_initial_count(u32 count) {
  stop();
  m_initial = count;
  if (count != 0) start(m_clock.now(), count);
}

// Compute the count from the time elapsed since the base. In periodic mode an expiry
// that is due but not yet fired has already reloaded the count, so the value wraps.
u32 LocalApicTimer::current_count() const {
  if (!m_running) return 0;
  u64 ticks = (m_clock.now() - m_base) / cycles_per_count();
  if (ticks < m_count_at_base) return u32(m_count_at_base - ticks);
  if (!m_periodic) return 0;
  return u32(m_initial - (ticks - m_count_at_base) % m_initial);
}

// Keep the current count and go on counting from it at the new rate. Expiries that
// are already due fire first, at the old rate, so none is lost or moved.
void LocalApicTimer::write_divide_configuration(u32 value) {
  u64 now = m_clock.now();
  expire_due(now);
  if (!m_running) {
    m_dcr = value;
    return;
  }
  u32 count = current_count();
  m_dcr = value;
  m_queue.cancel(m_event);
  m_event = 0;
  start(now, count);
}

// The next expiry follows the new mode; one that is already due follows the old one.
void LocalApicTimer::set_periodic(bool periodic) {
  expire_due(m_clock.now());
  m_periodic = periodic;
}

void LocalApicTimer::start(u64 base, u32 count) {
  m_running = true;
  m_base = base;
  m_count_at_base = count;
  m_deadline = base + u64(count) * cycles_per_count();
  arm();
}

void LocalApicTimer::stop() {
  m_running = false;
  if (m_event != 0) m_queue.cancel(m_event);
  m_event = 0;
}

void LocalApicTimer::arm() {
  if (m_event != 0) m_queue.cancel(m_event);
  m_event = m_queue.schedule(m_deadline, [this] {
    m_event = 0;
    expire_due(m_clock.now());
  });
}

// Fire every expiry at or before `now`. A periodic timer restarts from its deadline,
// not from `now`, so its period never drifts even when the run loop is late.
void LocalApicTimer::expire_due(u64 now) {
  bool fired = false;
  while (m_running && m_deadline <= now) {
    fired = true;
    if (m_periodic) {
      m_base = m_deadline;
      m_count_at_base = m_initial;
      m_deadline += u64(m_initial) * cycles_per_count();
    } else {
      m_running = false;
    }
    if (m_on_expire) m_on_expire();
  }
  if (fired && m_running) arm();
  if (fired && !m_running && m_event != 0) {
    m_queue.cancel(m_event);
    m_event = 0;
  }
}

}  // namespace vmlab
