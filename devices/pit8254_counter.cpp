#include "devices/pit8254_counter.h"

#include <algorithm>

namespace vmlab {

void Pit8254Counter::reset(bool gate) {
  m_mode = 0;
  m_modulus = kBinaryModulus;
  m_cr = kBinaryModulus;
  m_cr_valid = false;
  m_gate = gate;
  m_counting = false;
  m_start = kNever;
  m_state = Snapshot{};
  m_before = Snapshot{};
  m_cr_load_tick = kNever;
}

// The datasheet calls the CE undefined between a control word and the first count; this
// model holds the value it had (reduced into the new number system), which is defined,
// deterministic, and what a guest reading too early would most plausibly see.
void Pit8254Counter::program(u8 mode, bool bcd, u64 tick) {
  u32 value = count_at(tick);
  m_mode = mode;
  m_modulus = bcd ? kBcdModulus : kBinaryModulus;
  m_before = Snapshot{};
  m_before.value = value % m_modulus;
  m_before.out = mode != 0;
  m_start = kNever;
  m_cr_valid = false;
  m_cr_load_tick = kNever;
}

// If a load is already waiting for the next edge (two counts written within one tick),
// that load simply takes the newer CR. Otherwise the mode decides: modes 0 and 4 restart
// from the new count (mode 0 also drops OUT at once), modes 2 and 3 start if this is the
// first count and otherwise finish the current (half-)cycle first, modes 1 and 5 keep the
// count for their next trigger.
void Pit8254Counter::write_count(u32 count, u64 tick) {
  rebase(tick);  // everything up to now happened under the old CR
  m_cr = (count == 0 || count > m_modulus) ? m_modulus : count;
  m_cr_valid = true;
  if (loaded() && tick < m_start) {
    m_state.value = m_cr % m_modulus;
    m_state.cycle = m_cr;
    m_cr_load_tick = m_start;
    return;
  }
  m_cr_load_tick = kNever;
  switch (m_mode) {
    case 0: load_next_tick(tick, false); break;
    case 4: load_next_tick(tick, out_at(tick)); break;
    case 1:
    case 5: break;
    default:
      if (!loaded()) {
        load_next_tick(tick, true);
        break;
      }
      m_cr_load_tick = next_reload(tick);
  }
}

// Mode 0 per the datasheet: the first byte of a two-byte count halts the counter and
// pulls OUT low at once, without waiting for CLK. The second byte restarts it (write_count).
void Pit8254Counter::suspend_for_second_byte(u64 tick) {
  if (m_mode != 0) return;
  Snapshot frozen;
  frozen.value = count_at(tick);
  frozen.out = false;
  m_before = frozen;
  m_start = kNever;
  if (m_cr_load_tick > tick) m_cr_load_tick = kNever;
}

// GATE is sampled as a level in modes 0 and 4 (count enable), as a rising edge in modes
// 1 and 5 (trigger), and as both in modes 2 and 3 (low: stop and force OUT high;
// rising: reload). A falling edge in mode 2/3 cancels the reload a pending CR was
// waiting for; the rising edge's reload takes it instead.
void Pit8254Counter::set_gate(bool level, u64 tick) {
  if (level == m_gate) return;
  m_gate = level;
  switch (m_mode) {
    case 0:
    case 4:
      rebase(tick);
      m_counting = level;
      break;
    case 1:
    case 5:
      if (level) trigger(tick);
      break;
    default:
      if (level) {
        trigger(tick);
        break;
      }
      rebase(tick);
      m_counting = false;
      if (m_cr_load_tick > tick && loaded() && tick >= m_start) m_cr_load_tick = kNever;
  }
}

// A trigger loads the CE from the CR at the next edge; with no count written since the
// control word there is nothing to load, and the edge is ignored.
void Pit8254Counter::trigger(u64 tick) {
  if (m_cr_valid) load_next_tick(tick, out_at(tick));
}

// Arrange for the CR to be copied into the CE at edge tick+1, showing the current count
// and `out_until_then` until that edge.
void Pit8254Counter::load_next_tick(u64 tick, bool out_until_then) {
  Snapshot before;
  before.value = count_at(tick);
  before.out = out_until_then;
  m_before = before;
  m_start = tick + 1;
  m_state = Snapshot{};
  m_state.value = m_cr % m_modulus;
  m_state.armed = true;
  m_state.cycle = m_cr;
  m_state.out = m_mode != 0 && m_mode != 1;  // 0 and 1 hold OUT low until TC
  m_counting = m_mode == 1 || m_mode == 5 || m_gate;
  m_cr_load_tick = std::min(m_cr_load_tick, m_start);
}

// Make `tick` the new m_start without changing anything the counter shows.
void Pit8254Counter::rebase(u64 tick) {
  if (!loaded() || tick <= m_start) return;
  m_state = at(tick);
  m_start = tick;
}

Pit8254Counter::Snapshot Pit8254Counter::at(u64 tick) const {
  if (tick < m_start) return m_before;
  u64 since_start = tick - m_start;
  u64 elapsed = m_counting ? since_start : 0;
  if (m_mode == 2) return rate_generator_at(elapsed);
  if (m_mode == 3) return square_wave_at(elapsed);
  return one_shot_at(elapsed, since_start);
}

// Modes 0, 1, 4, 5: the CE counts down from m_state.value and wraps past 0. Only the
// first arrival at 0 after a load (terminal count, TC) moves OUT: modes 0 and 1 raise it
// for good, modes 4 and 5 pulse it low for that one tick. The strobe ends on the next
// edge even if GATE stopped the count meanwhile, hence since_start rather than elapsed.
Pit8254Counter::Snapshot Pit8254Counter::one_shot_at(u64 elapsed, u64 since_start) const {
  Snapshot s = m_state;
  s.value = static_cast<u32>((m_state.value + m_modulus - elapsed % m_modulus) % m_modulus);
  u64 to_terminal = ticks_to_terminal(m_state.value);
  s.armed = m_state.armed && elapsed < to_terminal;
  if (m_mode == 0 || m_mode == 1) {
    s.out = !s.armed;
  } else if (since_start > 0) {
    s.out = !(m_state.armed && elapsed == to_terminal);
  }
  return s;
}

// Mode 2: the CE runs N, N-1, ..., 1 and is reloaded from the CR on the edge after 1;
// OUT is low while the CE holds 1. A cycle under way finishes with the N it began with.
Pit8254Counter::Snapshot Pit8254Counter::rate_generator_at(u64 elapsed) const {
  Snapshot s = m_state;
  if (!m_counting) {
    s.out = true;
    return s;
  }
  u64 pos = m_state.pos + elapsed;
  u32 n = m_state.cycle;
  if (pos >= n) {
    pos = (pos - n) % m_cr;
    n = m_cr;
  }
  s.cycle = n;
  s.pos = static_cast<u32>(pos);
  s.value = (n - s.pos) % m_modulus;
  s.out = s.pos != n - 1;
  return s;
}

// Mode 3: each half-cycle loads N into the CE (N-1 when N is odd) and drops it by 2 per
// edge. For odd N the high half lasts one edge longer, the one on which the CE shows 0:
// high ceil(N/2) edges, low floor(N/2). A new CR is taken at the next half-cycle boundary.
// With N = 1 the low half is empty and OUT stays high.
Pit8254Counter::Snapshot Pit8254Counter::square_wave_at(u64 elapsed) const {
  Snapshot s = m_state;
  if (!m_counting) {
    s.out = true;
    return s;
  }
  u64 pos = m_state.pos + elapsed;
  u32 n = m_state.cycle;
  bool high = m_state.high_half;
  if (pos >= half_length(n, high)) {
    pos -= half_length(n, high);
    high = !high;
    n = m_cr;
    pos %= n;
    if (pos >= half_length(n, high)) {
      pos -= half_length(n, high);
      high = !high;
    }
  }
  s.cycle = n;
  s.pos = static_cast<u32>(pos);
  s.high_half = high;
  s.out = high;
  s.value = ((n & ~1u) - 2 * s.pos) % m_modulus;
  return s;
}

u64 Pit8254Counter::next_out_change(u64 tick) const {
  if (!loaded()) return kNever;
  bool now = out_at(tick);
  if (tick < m_start) {
    if (out_at(m_start) != now) return m_start;
    tick = m_start;
  }
  u64 next = candidate_change(tick);
  return next != kNever && out_at(next) != now ? next : kNever;
}

// The earliest tick after `tick` (>= m_start) at which the mode's rule could move OUT.
// next_out_change checks that OUT really differs there (it does not when, say, a new
// CR of 1 makes the next half-cycle of a square wave empty).
u64 Pit8254Counter::candidate_change(u64 tick) const {
  Snapshot s = at(tick);
  switch (m_mode) {
    case 0:
    case 1:
      return m_counting && s.armed ? tick + ticks_to_terminal(s.value) : kNever;
    case 4:
    case 5:
      if (!s.out) return tick + 1;
      return m_counting && s.armed ? tick + ticks_to_terminal(s.value) : kNever;
    case 2:
      if (!m_counting) return kNever;
      return s.out ? tick + (s.cycle - 1 - s.pos) : tick + 1;
    default:
      if (!m_counting) return kNever;
      return tick + (half_length(s.cycle, s.high_half) - s.pos);
  }
}

// Modes 2 and 3: the edge at which the CR is next copied into the CE (the end of the
// current cycle, or half-cycle in mode 3); kNever while GATE holds the counter.
u64 Pit8254Counter::next_reload(u64 tick) const {
  if (!m_counting) return kNever;
  Snapshot s = at(tick);
  u32 left = m_mode == 2 ? s.cycle - s.pos : half_length(s.cycle, s.high_half) - s.pos;
  return tick + left;
}

}  // namespace vmlab
