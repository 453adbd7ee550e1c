// Local APIC timer (SDM Vol. 3, 10.5.4) through the register page: expiry times in
// virtual cycles for one-shot and periodic mode at several divisors (bus clock 100 MHz:
// 10 cycles per tick), the current-count readout, masking, and changes while counting.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/local_apic_fixture.h"

namespace vmlab::lapic_test {
namespace {

constexpr u8 kVector = 0x40;

// The APIC software-enabled, nothing else programmed.
class LocalApicTimerTest : public LocalApicTest {
 protected:
  LocalApicTimerTest() { enable(); }

  void advance_to(u64 when) { advance(when - clock.now()); }
  // Take and retire the timer interrupt; true if it was there.
  bool take_timer() {
    if (!apic.irr().test(kVector)) return false;
    EXPECT_EQ(take(), kVector);
    eoi();
    return true;
  }
  u64 expiries() { return counter("lapic.timer_expiries"); }
};

struct DivideCase {
  u32 dcr;
  u32 divisor;
};

class LocalApicTimerDivideTest : public LocalApicTimerTest,
                                 public ::testing::WithParamInterface<DivideCase> {};

TEST_P(LocalApicTimerDivideTest, OneShotExpiresAfterCountTimesDividedBusTicks) {
  const u64 per_count = 10 * GetParam().divisor;
  clock.charge(12345);  // start at an arbitrary time
  write(LAPIC_DIV_CONF, GetParam().dcr);
  write(LAPIC_LVT_TIMER, kVector);
  const u64 start = clock.now();
  write(LAPIC_INIT_COUNT, 100);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 100u);
  advance(37 * per_count);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 63u);
  advance(per_count - 1);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 63u);  // not a whole count yet
  advance_to(start + 100 * per_count - 1);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 1u);
  EXPECT_FALSE(apic.irr().test(kVector));
  advance(1);
  EXPECT_TRUE(apic.irr().test(kVector));
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 0u);
  EXPECT_TRUE(take_timer());
  advance(1000 * per_count);  // one-shot: stays at 0, no second interrupt
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 0u);
  EXPECT_FALSE(take_timer());
  EXPECT_EQ(read(LAPIC_INIT_COUNT), 100u);
  EXPECT_EQ(expiries(), 1u);
}

TEST_P(LocalApicTimerDivideTest, PeriodicReloadsAndKeepsItsPhase) {
  const u64 per_count = 10 * GetParam().divisor;
  write(LAPIC_DIV_CONF, GetParam().dcr);
  write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | kVector);
  const u64 start = clock.now();
  write(LAPIC_INIT_COUNT, 50);
  for (u64 k = 1; k <= 4; ++k) {
    advance_to(start + k * 50 * per_count - 1);
    EXPECT_FALSE(apic.irr().test(kVector)) << "period " << k;
    EXPECT_EQ(read(LAPIC_CUR_COUNT), 1u);
    advance(1);
    EXPECT_TRUE(take_timer()) << "period " << k;
    EXPECT_EQ(read(LAPIC_CUR_COUNT), 50u);  // reloaded
    advance(3);  // the run loop being late must not shift later expiries
  }
  EXPECT_EQ(expiries(), 4u);
}

INSTANTIATE_TEST_SUITE_P(Divisors, LocalApicTimerDivideTest,
                         ::testing::Values(DivideCase{0xB, 1}, DivideCase{0x0, 2},
                                           DivideCase{0x1, 4}, DivideCase{0x3, 16},
                                           DivideCase{0x9, 64}, DivideCase{0xA, 128}),
                         [](const auto& test) { return "by" + std::to_string(test.param.divisor); });

TEST_F(LocalApicTimerTest, MaskedTimerCountsButDoesNotInterrupt) {
  write(LAPIC_DIV_CONF, 0xB);
  write(LAPIC_LVT_TIMER, LVT_MASK | LVT_TIMER_PERIODIC | kVector);
  write(LAPIC_INIT_COUNT, 10);
  advance(30);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 7u);
  advance(300);
  EXPECT_EQ(expiries(), 3u);
  EXPECT_EQ(apic.irr().highest(), 0);
  write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | kVector);  // unmask: the next expiry delivers
  EXPECT_FALSE(apic.irr().test(kVector));
  advance(100);
  EXPECT_TRUE(take_timer());
}

TEST_F(LocalApicTimerTest, SoftwareDisableMasksTheTimer) {
  write(LAPIC_DIV_CONF, 0xB);
  write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | kVector);
  write(LAPIC_INIT_COUNT, 10);
  advance(100);
  EXPECT_TRUE(take_timer());
  write(LAPIC_SVR, 0xFF);
  EXPECT_EQ(read(LAPIC_LVT_TIMER), LVT_MASK | LVT_TIMER_PERIODIC | kVector);
  advance(500);
  EXPECT_EQ(apic.irr().highest(), 0);
  EXPECT_EQ(expiries(), 6u);  // it kept counting
}

TEST_F(LocalApicTimerTest, LateRunLoopCatchesUpEveryPeriod) {
  write(LAPIC_DIV_CONF, 0xB);
  write(LAPIC_LVT_TIMER, LVT_MASK | LVT_TIMER_PERIODIC | kVector);
  write(LAPIC_INIT_COUNT, 10);  // 100 cycles per period
  advance(350);
  EXPECT_EQ(expiries(), 3u);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 5u);
  EXPECT_EQ(apic.timer().next_expiry(), 400u);
}

TEST_F(LocalApicTimerTest, ZeroInitialCountStopsAndRewriteRestarts) {
  write(LAPIC_DIV_CONF, 0xB);
  write(LAPIC_LVT_TIMER, kVector);
  write(LAPIC_INIT_COUNT, 100);
  advance(500);
  write(LAPIC_INIT_COUNT, 0);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 0u);
  EXPECT_TRUE(timers.empty());
  advance(5000);
  EXPECT_FALSE(take_timer());
  write(LAPIC_INIT_COUNT, 20);  // restart from now
  advance(199);
  EXPECT_FALSE(take_timer());
  advance(1);
  EXPECT_TRUE(take_timer());
}

TEST_F(LocalApicTimerTest, RewritingTheInitialCountRestartsTheCountDown) {
  write(LAPIC_DIV_CONF, 0xB);
  write(LAPIC_LVT_TIMER, kVector);
  write(LAPIC_INIT_COUNT, 100);  // would expire at 1000
  advance(900);
  write(LAPIC_INIT_COUNT, 100);  // now at 1900
  advance(999);
  EXPECT_FALSE(take_timer());
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 1u);
  advance(1);
  EXPECT_TRUE(take_timer());
  EXPECT_EQ(expiries(), 1u);
}

TEST_F(LocalApicTimerTest, DivisorChangeKeepsTheCountAndChangesTheRate) {
  write(LAPIC_DIV_CONF, 0xB);  // 10 cycles per count
  write(LAPIC_LVT_TIMER, kVector);
  write(LAPIC_INIT_COUNT, 1000);
  advance(3000);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 700u);
  write(LAPIC_DIV_CONF, 0x0);  // divide by 2: 20 cycles per count
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 700u);
  advance(2000);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 600u);
  advance(600 * 20 - 1);
  EXPECT_FALSE(take_timer());
  advance(1);
  EXPECT_TRUE(take_timer());
}

TEST_F(LocalApicTimerTest, SwitchingToOneShotStopsAfterTheNextExpiry) {
  write(LAPIC_DIV_CONF, 0xB);
  write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | kVector);
  write(LAPIC_INIT_COUNT, 10);
  advance(150);
  EXPECT_TRUE(take_timer());
  write(LAPIC_LVT_TIMER, kVector);  // one-shot from here
  advance(50);
  EXPECT_TRUE(take_timer());  // the expiry at 200
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 0u);
  advance(1000);
  EXPECT_FALSE(take_timer());
  EXPECT_EQ(expiries(), 2u);
}

TEST_F(LocalApicTimerTest, ResetStopsTheTimer) {
  write(LAPIC_DIV_CONF, 0xB);
  write(LAPIC_LVT_TIMER, kVector);
  write(LAPIC_INIT_COUNT, 10);
  apic.reset();
  EXPECT_TRUE(timers.empty());
  EXPECT_EQ(apic.timer().divisor(), 2u);
  advance(1000);
  EXPECT_EQ(expiries(), 0u);
}

}  // namespace
}  // namespace vmlab::lapic_test
