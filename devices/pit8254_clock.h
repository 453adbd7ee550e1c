// The 8254's input clock (CLK) on the PC, converted to and from virtual cycles.
//
// All three counters share one 1,193,182 Hz clock (the 14.31818 MHz system crystal
// divided by 12). With one virtual cycle per nanosecond, CLK edge k (k >= 1) happens at
//
//     epoch + floor(k * 1e9 / 1193182)     cycles,
//
// where the epoch is when the PIT was reset. Both conversions are computed from the
// epoch, never by adding a rounded period per tick, so edge 1,193,182 lands exactly one
// virtual second after the epoch and no error accumulates.
//
// The argument is split into whole seconds and a remainder so that every product stays
// below 2^51: plain u64 arithmetic, exact for any time a run can reach.
#pragma once
#include "core/types.h"
#include "core/virtual_clock.h"

namespace vmlab {

constexpr u64 kPitInputHz = 1'193'182;

// How many CLK edges (k >= 1) have happened at or before `elapsed` cycles after the
// epoch. Edge k has happened iff floor(k * 1e9 / F) <= elapsed, i.e. k * 1e9 < (elapsed + 1) * F.
constexpr u64 pit_ticks_elapsed(u64 elapsed) {
  u64 seconds = elapsed / kVirtualHz;
  u64 rest = elapsed % kVirtualHz;
  return seconds * kPitInputHz + ((rest + 1) * kPitInputHz - 1) / kVirtualHz;
}

// Cycles from the epoch to CLK edge `tick`: floor(tick * 1e9 / F).
constexpr u64 pit_tick_offset(u64 tick) {
  u64 seconds = tick / kPitInputHz;
  u64 rest = tick % kPitInputHz;
  return seconds * kVirtualHz + rest * kVirtualHz / kPitInputHz;
}

static_assert(pit_tick_offset(kPitInputHz) == kVirtualHz, "one second of CLK is 1e9 cycles");
static_assert(pit_ticks_elapsed(pit_tick_offset(1)) == 1, "edge 1 has happened at its own cycle");
static_assert(pit_ticks_elapsed(pit_tick_offset(1) - 1) == 0, "and not one cycle earlier");

}  // namespace vmlab
