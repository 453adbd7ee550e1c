// One 8254 counter as a function of time: its counting element (CE), GATE input and
// OUT pin in modes 0-5, measured in CLK ticks (devices/pit8254_clock.h).
//
// Nothing runs per tick. The counter keeps a Snapshot of its state at one tick
// (m_start) and computes the count and OUT at any later tick in closed form from the
// rule of its mode. Every input (control word, new count, GATE edge) first "rebases"
// (takes the snapshot at the current tick) and then changes the state, so a closed
// form only ever covers "nothing happens from m_start on".
//
// Ticks. "Tick n" is the state once CLK edge n has been processed. An input arriving
// between edge n and edge n+1 is applied at tick n, and a count it writes moves from the
// count register (CR) into the CE at edge n+1: the datasheet's "loaded on the next CLK
// pulse". Between the write and that edge the counter shows m_before.
//
// Counts are numbers here, not register bytes: the CR holds N = 1..65536 (1..10000 in
// BCD; a written 0 means the largest), the CE holds 0..modulus-1. Encoding bytes and
// BCD digits is the register interface's job (devices/pit8254.cpp).
//
// Mode rules, for an initial count N (8254 datasheet, "Mode Definitions"):
//   0  interrupt on terminal count: OUT low from the count write until the CE reaches 0
//      (N+1 edges later); GATE low pauses counting.
//   1  hardware one-shot: a GATE rising edge loads the CE and drives OUT low for N ticks.
//   2  rate generator: OUT low for the one tick the CE holds 1, then reload; period N.
//   3  square wave: OUT high for ceil(N/2) ticks, low for floor(N/2); the CE counts by 2.
//   4  software strobe: OUT low for one tick when the CE reaches 0 (N+1 edges after the write).
//   5  hardware strobe: like 4, started by a GATE rising edge.
// In modes 2 and 3 GATE low stops counting and forces OUT high; its rising edge reloads.
// Modes 0, 1, 4, 5 keep counting past 0 (wrapping), but OUT reacts only to the first 0.
#pragma once
#include "core/types.h"

namespace vmlab {

class Pit8254Counter {
 public:
  static constexpr u64 kNever = ~0ull;

  // The state this model gives an unprogrammed counter: mode 0, binary, no count
  // written, CE 0, OUT low. The datasheet leaves power-on state undefined.
  void reset(bool gate);

  // A control word selecting `mode` (0-5) and BCD: OUT goes to its initial level
  // (low in mode 0, high otherwise), the CE stops and keeps its value, and the counter
  // waits for a count.
  void program(u8 mode, bool bcd, u64 tick);
  // A complete count N (1..modulus) reached the CR at `tick`. What happens then is the
  // mode's rule: restart (0, 4), first start (2, 3), next reload (2, 3), next trigger (1, 5).
  void write_count(u32 count, u64 tick);
  // Mode 0 only: the first byte of a two-byte count stops counting and drives OUT low
  // until the second byte arrives.
  void suspend_for_second_byte(u64 tick);
  // The GATE input changed level at `tick`.
  void set_gate(bool level, u64 tick);

  // Ticks must not go backwards between calls (virtual time does not).
  u32 count_at(u64 tick) const { return at(tick).value; }
  bool out_at(u64 tick) const { return at(tick).out; }
  // NULL COUNT of the status byte: the last count written has not reached the CE yet.
  bool null_count_at(u64 tick) const { return tick < m_cr_load_tick; }
  // The first tick after `tick` at which OUT differs from out_at(tick), or kNever if it
  // stays as it is until the next input.
  u64 next_out_change(u64 tick) const;

  u8 mode() const { return m_mode; }
  bool bcd() const { return m_modulus == kBcdModulus; }
  u32 modulus() const { return m_modulus; }
  bool gate() const { return m_gate; }
  // N as last written (1..modulus), or 0 if no count was written since the control word.
  u32 count_register() const { return m_cr_valid ? m_cr : 0; }

 private:
  static constexpr u32 kBinaryModulus = 0x10000;
  static constexpr u32 kBcdModulus = 10000;

  // Everything the closed forms need to know at one tick.
  struct Snapshot {
    u32 value = 0;         // CE, 0..modulus-1
    bool out = false;      // OUT pin
    bool armed = false;    // modes 0, 1, 4, 5: the CE has not reached 0 since its load
    u32 cycle = 0;         // modes 2, 3: the N in use for this cycle / half-cycle
    u32 pos = 0;           // modes 2, 3: ticks already spent in it
    bool high_half = true; // mode 3: which half of the square wave
  };

  bool loaded() const { return m_start != kNever; }
  bool one_shot() const { return m_mode != 2 && m_mode != 3; }
  Snapshot at(u64 tick) const;
  Snapshot one_shot_at(u64 elapsed, u64 since_start) const;
  Snapshot rate_generator_at(u64 elapsed) const;
  Snapshot square_wave_at(u64 elapsed) const;
  u64 candidate_change(u64 tick) const;
  u64 next_reload(u64 tick) const;
  void rebase(u64 tick);
  void load_next_tick(u64 tick, bool out_until_then);
  void trigger(u64 tick);
  u64 ticks_to_terminal(u32 value) const { return value == 0 ? m_modulus : value; }
  static u32 half_length(u32 n, bool high) { return high ? (n + 1) / 2 : n / 2; }

  u8 m_mode = 0;
  u32 m_modulus = kBinaryModulus;
  u32 m_cr = kBinaryModulus;
  bool m_cr_valid = false;
  bool m_gate = false;
  bool m_counting = false;      // the CE decrements on edges after m_start
  u64 m_start = kNever;         // kNever: nothing loaded since the control word
  Snapshot m_state;             // the state at m_start
  Snapshot m_before;            // what the counter shows before m_start (frozen)
  u64 m_cr_load_tick = kNever;  // when the last written count reaches the CE
};

}  // namespace vmlab
