// Pit8254Counter, tick by tick: the count and OUT of each mode as the 8254 datasheet's
// waveforms give them, GATE, NULL COUNT, new counts mid-cycle, and the CLK <-> cycle
// conversion. Patterns are written as strings, one character per tick: H/L for OUT.
#include "devices/pit8254_counter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "devices/pit8254_clock.h"

namespace vmlab {
namespace {

constexpr u64 kNever = Pit8254Counter::kNever;

std::string outs(const Pit8254Counter& c, u64 from, u64 to) {
  std::string s;
  for (u64 t = from; t < to; ++t) s += c.out_at(t) ? 'H' : 'L';
  return s;
}

std::vector<u32> counts(const Pit8254Counter& c, u64 from, u64 to) {
  std::vector<u32> v;
  for (u64 t = from; t < to; ++t) v.push_back(c.count_at(t));
  return v;
}

// next_out_change must name exactly the first tick at which OUT differs (found by
// walking every tick of [from, to] backwards), or lie beyond `to` when OUT holds until then.
void expect_changes_predicted(const Pit8254Counter& c, u64 from, u64 to) {
  u64 first_change = kNever;  // first change after t, for the t of the loop below
  for (u64 t = to; t-- > from;) {
    if (c.out_at(t + 1) != c.out_at(t)) first_change = t + 1;
    u64 predicted = c.next_out_change(t);
    if (first_change != kNever) ASSERT_EQ(predicted, first_change) << "from tick " << t;
    else ASSERT_GT(predicted, to) << "from tick " << t;
  }
}

Pit8254Counter programmed(u8 mode, bool gate = true, bool bcd = false) {
  Pit8254Counter c;
  c.reset(gate);
  c.program(mode, bcd, 0);
  return c;
}

TEST(PitClock, EdgesLandOnFloorOfKTimes1e9OverF) {
  EXPECT_EQ(pit_tick_offset(1), 838u);
  EXPECT_EQ(pit_tick_offset(11932), 10'000'150u);
  EXPECT_EQ(pit_tick_offset(kPitInputHz), 1'000'000'000u);
  for (u64 k = 1; k < 3 * kPitInputHz; ++k) {
    u64 at = pit_tick_offset(k);
    ASSERT_EQ(at, k * 1'000'000'000 / kPitInputHz);
    ASSERT_EQ(pit_ticks_elapsed(at), k);
    ASSERT_EQ(pit_ticks_elapsed(at - 1), k - 1);
  }
  // Far into a run: still exact, no drift, no overflow.
  u64 k = 1'000'000'000'000;
  unsigned __int128 exact = static_cast<unsigned __int128>(k) * 1'000'000'000 / kPitInputHz;
  EXPECT_EQ(pit_tick_offset(k), static_cast<u64>(exact));
  EXPECT_EQ(pit_ticks_elapsed(pit_tick_offset(k)), k);
  EXPECT_EQ(pit_ticks_elapsed(1'000'000'000'000'000), 1'193'182'000'000u);
}

TEST(PitCounter, ResetStateIsStoppedWithOutLow) {
  Pit8254Counter c;
  c.reset(true);
  EXPECT_EQ(c.mode(), 0);
  EXPECT_EQ(c.count_register(), 0u);
  EXPECT_EQ(outs(c, 0, 5), "LLLLL");
  EXPECT_EQ(counts(c, 0, 3), (std::vector<u32>{0, 0, 0}));
  EXPECT_TRUE(c.null_count_at(100));
  EXPECT_EQ(c.next_out_change(0), kNever);
}

TEST(PitCounter, Mode0OutRisesNPlusOneEdgesAfterTheWriteAndStaysHigh) {
  Pit8254Counter c = programmed(0);
  c.write_count(5, 10);
  // Edge 11 loads 5, edges 12..16 count it to 0: OUT rises at 16 and stays.
  EXPECT_EQ(outs(c, 10, 20), "LLLLLLHHHH");
  EXPECT_EQ(counts(c, 11, 18), (std::vector<u32>{5, 4, 3, 2, 1, 0, 0xFFFF}));
  EXPECT_EQ(c.next_out_change(10), 16u);
  EXPECT_EQ(c.next_out_change(16), kNever);
  expect_changes_predicted(c, 10, 70000);
}

TEST(PitCounter, Mode0NewCountRestartsAndDropsOut) {
  Pit8254Counter c = programmed(0);
  c.write_count(3, 0);  // TC at 4
  EXPECT_TRUE(c.out_at(5));
  c.write_count(4, 6);  // OUT low at once, load at 7, TC at 11
  EXPECT_EQ(outs(c, 6, 13), "LLLLLHH");
  // First byte of a two-byte count: counting stops, OUT low, until the second byte.
  c.suspend_for_second_byte(20);
  EXPECT_EQ(c.count_at(30), c.count_at(20));
  EXPECT_FALSE(c.out_at(30));
  c.write_count(2, 30);
  EXPECT_EQ(outs(c, 30, 35), "LLLHH");
}

TEST(PitCounter, Mode0GateLowPausesCountingButNotTheLoad) {
  Pit8254Counter c = programmed(0, /*gate=*/false);
  c.write_count(3, 0);
  EXPECT_EQ(counts(c, 1, 5), (std::vector<u32>{3, 3, 3, 3}));
  c.set_gate(true, 5);  // counts on edges 6, 7, 8
  EXPECT_EQ(counts(c, 5, 9), (std::vector<u32>{3, 2, 1, 0}));
  EXPECT_EQ(outs(c, 5, 9), "LLLH");
  c.set_gate(false, 9);
  EXPECT_EQ(c.count_at(50), 0xFFFFu);
  EXPECT_TRUE(c.out_at(50));  // GATE has no effect on OUT in mode 0
}

TEST(PitCounter, Mode2PeriodNWithOneLowTick) {
  Pit8254Counter c = programmed(2);
  EXPECT_TRUE(c.out_at(0));  // initial OUT high
  c.write_count(4, 0);
  EXPECT_EQ(counts(c, 1, 10), (std::vector<u32>{4, 3, 2, 1, 4, 3, 2, 1, 4}));
  EXPECT_EQ(outs(c, 0, 13), "HHHHLHHHLHHHL");
  expect_changes_predicted(c, 0, 200);
}

TEST(PitCounter, Mode2NewCountWaitsForTheEndOfTheCycle) {
  Pit8254Counter c = programmed(2);
  c.write_count(6, 0);  // low at 6, reload at 7
  c.write_count(3, 2);
  EXPECT_TRUE(c.null_count_at(6));
  EXPECT_FALSE(c.null_count_at(7));
  EXPECT_EQ(counts(c, 2, 11), (std::vector<u32>{5, 4, 3, 2, 1, 3, 2, 1, 3}));
  EXPECT_EQ(outs(c, 2, 14), "HHHHLHHLHHLH");
  expect_changes_predicted(c, 2, 100);
}

TEST(PitCounter, Mode2GateLowForcesOutHighAndRisingEdgeReloads) {
  Pit8254Counter c = programmed(2);
  c.write_count(5, 0);  // low at 5
  c.set_gate(false, 5);  // during the low tick: OUT high at once
  EXPECT_TRUE(c.out_at(5));
  EXPECT_EQ(c.count_at(20), 1u);
  EXPECT_EQ(c.next_out_change(5), kNever);
  c.set_gate(true, 20);  // reload at 21, low at 25
  EXPECT_EQ(counts(c, 21, 26), (std::vector<u32>{5, 4, 3, 2, 1}));
  EXPECT_EQ(c.next_out_change(20), 25u);
}

TEST(PitCounter, Mode2IllegalCountOfOneHoldsOutLow) {
  Pit8254Counter c = programmed(2);
  c.write_count(1, 0);
  EXPECT_EQ(outs(c, 0, 6), "HLLLLL");
  EXPECT_EQ(c.next_out_change(1), kNever);
}

TEST(PitCounter, Mode3EvenCountHalvesAreEqual) {
  Pit8254Counter c = programmed(3);
  c.write_count(4, 0);
  EXPECT_EQ(counts(c, 1, 9), (std::vector<u32>{4, 2, 4, 2, 4, 2, 4, 2}));
  EXPECT_EQ(outs(c, 1, 9), "HHLLHHLL");
  expect_changes_predicted(c, 0, 100);
}

TEST(PitCounter, Mode3OddCountIsHighOneTickLonger) {
  Pit8254Counter c = programmed(3);
  c.write_count(5, 0);
  // High half: N-1 loaded, down by 2 to 0 (3 ticks); low half: N-1 down to 2 (2 ticks).
  EXPECT_EQ(counts(c, 1, 11), (std::vector<u32>{4, 2, 0, 4, 2, 4, 2, 0, 4, 2}));
  EXPECT_EQ(outs(c, 1, 11), "HHHLLHHHLL");
  expect_changes_predicted(c, 0, 100);
}

TEST(PitCounter, Mode3CountOfZeroIs65536AndOfOneStaysHigh) {
  Pit8254Counter c = programmed(3);
  c.write_count(0x10000, 0);
  EXPECT_EQ(counts(c, 1, 4), (std::vector<u32>{0, 0xFFFE, 0xFFFC}));
  EXPECT_EQ(c.next_out_change(0), 1u + 32768);
  EXPECT_EQ(c.next_out_change(1 + 32768), 1u + 65536);
  Pit8254Counter one = programmed(3);
  one.write_count(1, 0);
  EXPECT_EQ(outs(one, 0, 5), "HHHHH");
  EXPECT_EQ(one.next_out_change(0), kNever);
}

TEST(PitCounter, Mode3NewCountTakesEffectAtTheNextHalfCycle) {
  Pit8254Counter c = programmed(3);
  c.write_count(10, 0);  // high 1..5, low from 6
  c.write_count(4, 3);   // this half ends as planned, then halves of 2
  EXPECT_EQ(outs(c, 3, 14), "HHHLLHHLLHH");
  EXPECT_EQ(counts(c, 3, 8), (std::vector<u32>{6, 4, 2, 4, 2}));
  EXPECT_TRUE(c.null_count_at(5));
  EXPECT_FALSE(c.null_count_at(6));
  // A new count of 1 in the low half: that half ends, OUT then stays high.
  c.write_count(1, 10);
  EXPECT_EQ(outs(c, 10, 16), "LLHHHH");
  EXPECT_EQ(c.next_out_change(10), 12u);
  EXPECT_EQ(c.next_out_change(12), kNever);
}

TEST(PitCounter, Mode1GateEdgeStartsARetriggerableOneShot) {
  Pit8254Counter c = programmed(1, /*gate=*/false);
  c.write_count(3, 0);
  EXPECT_EQ(outs(c, 0, 5), "HHHHH");  // armed, waiting for a trigger
  EXPECT_EQ(c.next_out_change(0), kNever);
  c.set_gate(true, 5);  // load at 6: OUT low for 3 ticks
  EXPECT_EQ(outs(c, 5, 11), "HLLLHH");
  c.set_gate(false, 11);
  c.set_gate(true, 12);  // trigger again: low 13..15
  EXPECT_EQ(outs(c, 12, 14), "HL");
  c.set_gate(false, 14);
  c.set_gate(true, 14);  // retrigger inside the pulse: it restarts at 15, low until 18
  EXPECT_EQ(outs(c, 14, 20), "LLLLHH");
  expect_changes_predicted(c, 14, 40);
}

TEST(PitCounter, Mode4StrobesOnceAtTerminalCount) {
  Pit8254Counter c = programmed(4);
  c.write_count(3, 0);
  EXPECT_EQ(outs(c, 0, 8), "HHHHLHHH");
  EXPECT_EQ(c.count_at(5), 0xFFFFu);
  EXPECT_EQ(c.next_out_change(5), kNever);  // no strobe on the wrap
  c.write_count(2, 10);                     // software retrigger
  EXPECT_EQ(outs(c, 10, 15), "HHHLH");
  expect_changes_predicted(c, 10, 70000);
}

TEST(PitCounter, Mode5StrobesNPlusOneEdgesAfterTheTrigger) {
  Pit8254Counter c = programmed(5, /*gate=*/false);
  c.write_count(3, 0);
  EXPECT_EQ(c.next_out_change(0), kNever);
  c.set_gate(true, 4);  // load at 5, strobe at 8
  EXPECT_EQ(outs(c, 4, 10), "HHHHLH");
  expect_changes_predicted(c, 4, 20);
}

TEST(PitCounter, BcdCountsInDecimal) {
  Pit8254Counter c = programmed(0, true, /*bcd=*/true);
  EXPECT_EQ(c.modulus(), 10000u);
  c.write_count(10000, 0);  // a written 0 in BCD
  EXPECT_EQ(counts(c, 1, 4), (std::vector<u32>{0, 9999, 9998}));
  EXPECT_EQ(c.next_out_change(0), 10001u);
}

TEST(PitCounter, ControlWordFreezesTheCountAndSetsInitialOut) {
  Pit8254Counter c = programmed(2);
  c.write_count(100, 0);
  u32 at_10 = c.count_at(10);
  c.program(0, false, 10);
  EXPECT_EQ(c.count_at(500), at_10);
  EXPECT_FALSE(c.out_at(500));
  EXPECT_TRUE(c.null_count_at(500));
  EXPECT_EQ(c.count_register(), 0u);
  c.program(3, false, 500);
  EXPECT_TRUE(c.out_at(500));
  EXPECT_EQ(c.next_out_change(500), kNever);
}

TEST(PitCounter, TwoWritesWithinOneTickLoadTheLatter) {
  Pit8254Counter c = programmed(2);
  c.write_count(50, 7);
  c.write_count(4, 7);
  EXPECT_EQ(counts(c, 8, 12), (std::vector<u32>{4, 3, 2, 1}));
}

}  // namespace
}  // namespace vmlab
