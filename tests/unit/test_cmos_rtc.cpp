// MC146818 RTC: calendar arithmetic, register formats (BCD/binary, 12/24 h), rollovers,
// UIP timing, SET, the periodic / update-ended / alarm interrupts on IRQ8, and CMOS RAM.
// Time is driven by hand: instructions retired = cycles (CPI 1) = nanoseconds.
#include "devices/cmos_rtc.h"
#include "recording_irq_sink.h"

#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "core/bus.h"
#include "core/counters.h"
#include "core/events.h"

namespace vmlab {
namespace {

using R = CmosRtc;


// ---- calendar ------------------------------------------------------------------------

TEST(RtcCalendar, GregorianLeapYears) {
  EXPECT_TRUE(is_leap_year(2000));
  EXPECT_TRUE(is_leap_year(2024));
  EXPECT_FALSE(is_leap_year(1900));
  EXPECT_FALSE(is_leap_year(2100));
  EXPECT_FALSE(is_leap_year(2023));
  EXPECT_EQ(days_in_month(2000, 2), 29);
  EXPECT_EQ(days_in_month(2100, 2), 28);
  EXPECT_EQ(days_in_month(2023, 4), 30);
}

TEST(RtcCalendar, SecondsRoundTripAndWeekday) {
  CalendarTime t{2024, 2, 29, 13, 45, 7};
  CalendarTime back = calendar_from_seconds(seconds_from_calendar(t));
  EXPECT_EQ(back.year, 2024);
  EXPECT_EQ(back.month, 2);
  EXPECT_EQ(back.day, 29);
  EXPECT_EQ(back.hour, 13);
  EXPECT_EQ(back.minute, 45);
  EXPECT_EQ(back.second, 7);
  EXPECT_EQ(day_of_week(seconds_from_calendar({2000, 1, 1, 0, 0, 0})), 7);  // Saturday
  EXPECT_EQ(day_of_week(seconds_from_calendar({2024, 1, 1, 0, 0, 0})), 2);  // Monday
  EXPECT_EQ(day_of_week(seconds_from_calendar({1970, 1, 1, 0, 0, 0})), 5);  // Thursday
  // 1970-01-01 is 719528 days after 0000-01-01 in the proleptic Gregorian calendar.
  EXPECT_EQ(seconds_from_calendar({1970, 1, 1, 0, 0, 0}), 719528ull * 86400);
}

TEST(RtcCalendar, OutOfRangeFieldsAreClampedAndYear9999Wraps) {
  CalendarTime t = calendar_from_seconds(seconds_from_calendar({2023, 13, 40, 30, 70, 99}));
  EXPECT_EQ(t.month, 12);
  EXPECT_EQ(t.day, 31);
  EXPECT_EQ(t.hour, 23);
  EXPECT_EQ(t.minute, 59);
  EXPECT_EQ(t.second, 59);
  EXPECT_EQ(calendar_from_seconds(seconds_from_calendar({2023, 2, 31, 0, 0, 0})).day, 28);
  u64 last_second = seconds_from_calendar({9999, 12, 31, 23, 59, 59});
  CalendarTime wrapped = calendar_from_seconds(last_second + 1);
  EXPECT_EQ(wrapped.year, 0);
  EXPECT_EQ(wrapped.month, 1);
  EXPECT_EQ(wrapped.day, 1);
}

TEST(RtcCalendar, Bcd) {
  EXPECT_EQ(to_bcd(59), 0x59);
  EXPECT_EQ(from_bcd(0x59), 59);
  EXPECT_EQ(from_bcd(0x5F), 65);  // invalid BCD is weighted, not rejected
}

// ---- the device ----------------------------------------------------------------------

class CmosRtcTest : public ::testing::Test {
 protected:
  // A fresh device on a fresh bus, its clock starting at the current virtual time.
  void make(RtcConfig config = {}) {
    rtc.reset();
    bus = std::make_unique<Bus>(events, counters);
    rtc = std::make_unique<CmosRtc>(clock, timers, IrqLine(&irqs, R::kIrq), counters, config);
    rtc->attach(*bus);
  }
  void make_at(CalendarTime epoch) { make(RtcConfig{RtcSource::Virtual, epoch}); }
  void SetUp() override { make(); }

  void write(u8 index, u8 value) {
    bus->port_write(R::kIndexPort, index, 1);
    bus->port_write(R::kDataPort, value, 1);
  }
  u8 read(u8 index) {
    bus->port_write(R::kIndexPort, index, 1);
    return u8(bus->port_read(R::kDataPort, 1));
  }
  // Moves virtual time to `cycle` and fires every timer due by then.
  void advance_to(u64 cycle) {
    instructions = cycle;
    timers.run_due(clock.now());
  }
  void expect_time(u8 hours, u8 minutes, u8 seconds) {
    EXPECT_EQ(read(R::RTC_HOURS), hours);
    EXPECT_EQ(read(R::RTC_MINUTES), minutes);
    EXPECT_EQ(read(R::RTC_SECONDS), seconds);
  }
  void expect_date(u8 century, u8 year, u8 month, u8 day) {
    EXPECT_EQ(read(R::CMOS_CENTURY), century);
    EXPECT_EQ(read(R::RTC_YEAR), year);
    EXPECT_EQ(read(R::RTC_MONTH), month);
    EXPECT_EQ(read(R::RTC_DAY_OF_MONTH), day);
  }
  bool uip() { return read(R::RTC_REG_A) & R::REG_A_UIP; }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  EventQueue timers;
  std::unique_ptr<Bus> bus;
  RecordingIrqSink irqs;
  std::unique_ptr<CmosRtc> rtc;
};

constexpr u64 kSecond = 1'000'000'000;

TEST_F(CmosRtcTest, PowerOnStateIsDefaultEpochInBcd24Hour) {
  expect_time(0x00, 0x00, 0x00);
  expect_date(0x20, 0x00, 0x01, 0x01);
  EXPECT_EQ(read(R::RTC_DAY_OF_WEEK), 7);  // 2000-01-01 was a Saturday
  EXPECT_EQ(read(R::RTC_REG_A), 0x26);
  EXPECT_EQ(read(R::RTC_REG_B), R::REG_B_24_12);
  EXPECT_EQ(read(R::RTC_REG_C), 0x00);
  EXPECT_EQ(read(R::RTC_REG_D), R::REG_D_VRT);
}

TEST_F(CmosRtcTest, TimeAdvancesWithVirtualTime) {
  advance_to(3723 * kSecond - 1);
  expect_time(0x01, 0x02, 0x02);
  advance_to(3723 * kSecond);
  expect_time(0x01, 0x02, 0x03);
}

TEST_F(CmosRtcTest, BinaryAnd12HourFormats) {
  make_at({2023, 12, 31, 13, 45, 59});
  expect_time(0x13, 0x45, 0x59);
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_DM);
  expect_time(13, 45, 59);
  expect_date(20, 23, 12, 31);
  write(R::RTC_REG_B, R::REG_B_DM);  // binary, 12 hours: 1 PM
  EXPECT_EQ(read(R::RTC_HOURS), 0x81);
  write(R::RTC_REG_B, 0);  // BCD, 12 hours
  EXPECT_EQ(read(R::RTC_HOURS), 0x81);

  make_at({2023, 1, 1, 0, 30, 0});  // midnight is 12 AM
  write(R::RTC_REG_B, 0);
  EXPECT_EQ(read(R::RTC_HOURS), 0x12);
  make_at({2023, 1, 1, 12, 30, 0});  // noon is 12 PM
  write(R::RTC_REG_B, 0);
  EXPECT_EQ(read(R::RTC_HOURS), 0x92);
  make_at({2023, 1, 1, 23, 0, 0});
  write(R::RTC_REG_B, R::REG_B_DM);
  EXPECT_EQ(read(R::RTC_HOURS), 0x8B);  // 11 PM in binary
}

TEST_F(CmosRtcTest, LeapDayRolloverIn2000) {
  make_at({2000, 2, 28, 23, 59, 59});
  advance_to(kSecond);
  expect_time(0x00, 0x00, 0x00);
  expect_date(0x20, 0x00, 0x02, 0x29);
  EXPECT_EQ(read(R::RTC_DAY_OF_WEEK), 3);  // Tuesday

  make_at({2000, 2, 29, 23, 59, 59});
  advance_to(2 * kSecond);
  expect_time(0x00, 0x00, 0x00);
  expect_date(0x20, 0x00, 0x03, 0x01);
}

TEST_F(CmosRtcTest, CenturyAndNonLeapCenturyRollovers) {
  make_at({1999, 12, 31, 23, 59, 59});
  advance_to(kSecond);
  expect_date(0x20, 0x00, 0x01, 0x01);
  make_at({2100, 2, 28, 23, 59, 59});
  advance_to(2 * kSecond);
  expect_date(0x21, 0x00, 0x03, 0x01);
}

// UIP is 1 for the 8 ticks of the 32.768 kHz base (244.14 us) before each update.
// Tick 32760 comes at ceil(32760 * 10^9 / 32768) = 999'755'860 ns.
TEST_F(CmosRtcTest, UipWindowPrecedesEachUpdate) {
  advance_to(999'755'859);
  EXPECT_FALSE(uip());
  advance_to(999'755'860);
  EXPECT_TRUE(uip());
  EXPECT_EQ(read(R::RTC_SECONDS), 0x00);  // the update has not happened yet
  advance_to(kSecond - 1);
  EXPECT_TRUE(uip());
  advance_to(kSecond);
  EXPECT_FALSE(uip());
  EXPECT_EQ(read(R::RTC_SECONDS), 0x01);
  advance_to(2 * kSecond - 200'000);
  EXPECT_TRUE(uip());
}

TEST_F(CmosRtcTest, SetFreezesUpdatesAndWrittenTimeBecomesTheEpoch) {
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_UIE);
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_UIE | R::REG_B_SET);
  EXPECT_EQ(read(R::RTC_REG_B), R::REG_B_24_12 | R::REG_B_SET);  // SET rising clears UIE
  advance_to(kSecond - 100'000);
  EXPECT_FALSE(uip());  // SET clears UIP
  advance_to(5 * kSecond + kSecond / 2);
  expect_time(0x00, 0x00, 0x00);
  EXPECT_EQ(read(R::RTC_REG_C) & R::REG_C_UF, 0);  // no update cycles while SET

  write(R::RTC_HOURS, 0x12);
  write(R::RTC_MINUTES, 0x34);
  write(R::RTC_SECONDS, 0x56);
  write(R::RTC_DAY_OF_MONTH, 0x15);
  write(R::RTC_MONTH, 0x06);
  write(R::RTC_YEAR, 0x21);
  expect_time(0x12, 0x34, 0x56);  // plain bytes while SET
  write(R::RTC_REG_B, R::REG_B_24_12);
  expect_time(0x12, 0x34, 0x56);
  expect_date(0x20, 0x21, 0x06, 0x15);
  // The divider kept its phase: the next update is at the next whole second.
  advance_to(6 * kSecond - 1);
  EXPECT_EQ(read(R::RTC_SECONDS), 0x56);
  advance_to(6 * kSecond);
  EXPECT_EQ(read(R::RTC_SECONDS), 0x57);
}

TEST_F(CmosRtcTest, TwelveHourWritesAreParsed) {
  write(R::RTC_REG_B, R::REG_B_SET);  // BCD, 12 hours
  write(R::RTC_HOURS, 0x12);          // 12 AM
  write(R::RTC_REG_B, 0);
  write(R::RTC_REG_B, R::REG_B_24_12);
  EXPECT_EQ(read(R::RTC_HOURS), 0x00);
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_SET);
  EXPECT_EQ(read(R::RTC_HOURS), 0x00);  // frozen as bytes in the format in force
  write(R::RTC_REG_B, R::REG_B_24_12);
  write(R::RTC_REG_B, 0);
  write(R::RTC_REG_B, R::REG_B_SET);
  EXPECT_EQ(read(R::RTC_HOURS), 0x12);
  write(R::RTC_HOURS, 0x87);            // 7 PM
  write(R::RTC_REG_B, 0);
  write(R::RTC_REG_B, R::REG_B_24_12);
  EXPECT_EQ(read(R::RTC_HOURS), 0x19);
}

TEST_F(CmosRtcTest, WriteWithoutSetChangesOneFieldOfTheRunningClock) {
  advance_to(10 * kSecond + kSecond / 3);
  write(R::RTC_MINUTES, 0x30);
  expect_time(0x00, 0x30, 0x10);
  advance_to(11 * kSecond);
  expect_time(0x00, 0x30, 0x11);
}

TEST_F(CmosRtcTest, DayOfWeekIsACounterSoftwareCanSet) {
  make_at({2000, 1, 1, 23, 59, 59});
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_SET);
  write(R::RTC_DAY_OF_WEEK, 3);
  write(R::RTC_REG_B, R::REG_B_24_12);
  EXPECT_EQ(read(R::RTC_DAY_OF_WEEK), 3);
  advance_to(kSecond);
  EXPECT_EQ(read(R::RTC_DAY_OF_WEEK), 4);
}

// Rate 6: 1024 Hz, an edge every 32 ticks = 976562.5 ns, edge n at ceil(n * 976562.5).
TEST_F(CmosRtcTest, PeriodicInterruptAt1024HzHasExactCycleTiming) {
  write(R::RTC_REG_A, 0x26);
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_PIE);
  for (u64 n = 1; n <= 1024; ++n) {
    u64 edge = (n * 1953125 + 1) / 2;
    advance_to(edge - 1);
    ASSERT_TRUE(irqs.changes.empty()) << "edge " << n;
    advance_to(edge);
    ASSERT_EQ(irqs.changes.size(), 1u) << "edge " << n;
    EXPECT_EQ(irqs.changes[0], std::make_pair(8u, true));
    EXPECT_EQ(read(R::RTC_REG_C) & ~R::REG_C_UF, R::REG_C_IRQF | R::REG_C_PF);
    ASSERT_EQ(irqs.changes.size(), 2u);
    EXPECT_EQ(irqs.changes[1], std::make_pair(8u, false));
    irqs.changes.clear();
  }
  EXPECT_EQ(clock.now(), kSecond);  // edge 1024 lands exactly on the second
  EXPECT_EQ(counters.device("rtc.periodic_irqs"), 1024u);
}

TEST_F(CmosRtcTest, Irq8StaysAssertedUntilRegisterCIsRead) {
  write(R::RTC_REG_A, 0x23);  // 8192 Hz
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_PIE);
  advance_to(1'000'000);  // 8 edges, nobody reads C
  ASSERT_EQ(irqs.changes.size(), 1u);
  EXPECT_TRUE(rtc->irq_asserted());
  EXPECT_EQ(counters.device("rtc.periodic_irqs"), 8u);
  EXPECT_EQ(read(R::RTC_REG_C), R::REG_C_IRQF | R::REG_C_PF);
  EXPECT_FALSE(rtc->irq_asserted());
  EXPECT_EQ(read(R::RTC_REG_C), 0x00);  // the read cleared it
  ASSERT_EQ(irqs.changes.size(), 2u);
  EXPECT_FALSE(irqs.changes[1].second);
}

TEST_F(CmosRtcTest, PeriodicFlagIsSetWithoutPieButRaisesNoInterrupt) {
  advance_to(500'000);  // before the first 1024 Hz edge
  EXPECT_EQ(read(R::RTC_REG_C), 0x00);
  advance_to(1'000'000);
  EXPECT_EQ(read(R::RTC_REG_C), R::REG_C_PF);
  EXPECT_EQ(read(R::RTC_REG_C), 0x00);
  EXPECT_TRUE(irqs.changes.empty());
  EXPECT_EQ(counters.device("rtc.periodic_irqs"), 0u);
  // Enabling PIE with PF pending asserts IRQ8 at once: IRQF = PF.PIE.
  advance_to(3'000'000);
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_PIE);
  ASSERT_EQ(irqs.changes.size(), 1u);
  EXPECT_TRUE(irqs.changes[0].second);
}

TEST_F(CmosRtcTest, RateSelectZeroStopsPeriodicEdges) {
  write(R::RTC_REG_A, 0x20);
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_PIE);
  advance_to(kSecond / 2);
  EXPECT_TRUE(irqs.changes.empty());
  EXPECT_EQ(read(R::RTC_REG_C), 0x00);
}

TEST_F(CmosRtcTest, UpdateEndedInterrupt) {
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_UIE);
  advance_to(kSecond - 1);
  EXPECT_TRUE(irqs.changes.empty());
  advance_to(kSecond);
  ASSERT_EQ(irqs.changes.size(), 1u);
  EXPECT_EQ(irqs.changes[0], std::make_pair(8u, true));
  EXPECT_EQ(read(R::RTC_REG_C) & ~R::REG_C_PF, R::REG_C_IRQF | R::REG_C_UF);
  EXPECT_EQ(counters.device("rtc.update_irqs"), 1u);
}

TEST_F(CmosRtcTest, AlarmFiresOnMatchAndDontCareMatchesEverything) {
  write(R::RTC_REG_A, 0x20);  // no periodic flag in the way
  write(R::RTC_SECONDS_ALARM, 0x05);
  write(R::RTC_MINUTES_ALARM, 0x00);
  write(R::RTC_HOURS_ALARM, 0x00);
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_AIE);
  advance_to(4 * kSecond);
  EXPECT_TRUE(irqs.changes.empty());
  EXPECT_EQ(read(R::RTC_REG_C), R::REG_C_UF);  // updates flag UF even without UIE
  advance_to(5 * kSecond);
  ASSERT_EQ(irqs.changes.size(), 1u);
  EXPECT_EQ(read(R::RTC_REG_C), R::REG_C_IRQF | R::REG_C_AF | R::REG_C_UF);

  for (u8 index : {R::RTC_SECONDS_ALARM, R::RTC_MINUTES_ALARM, R::RTC_HOURS_ALARM})
    write(index, 0xC0);  // don't care: an alarm every second
  advance_to(6 * kSecond);
  EXPECT_EQ(read(R::RTC_REG_C), R::REG_C_IRQF | R::REG_C_AF | R::REG_C_UF);
  write(R::RTC_REG_B, R::REG_B_24_12);  // AF still set without AIE, but no IRQ
  irqs.changes.clear();
  advance_to(7 * kSecond);
  EXPECT_EQ(read(R::RTC_REG_C), R::REG_C_AF | R::REG_C_UF);
  EXPECT_TRUE(irqs.changes.empty());
  EXPECT_EQ(counters.device("rtc.alarm_irqs"), 2u);
}

TEST_F(CmosRtcTest, DividerResetStopsTheClockAndRestartsHalfASecondLater) {
  advance_to(2 * kSecond + 100);
  write(R::RTC_REG_A, 0x70);  // DV = 111: divider held in reset
  advance_to(10 * kSecond);
  EXPECT_EQ(read(R::RTC_SECONDS), 0x02);
  EXPECT_FALSE(uip());
  write(R::RTC_REG_A, 0x26);
  advance_to(10 * kSecond + kSecond / 2 - 1);
  EXPECT_EQ(read(R::RTC_SECONDS), 0x02);
  advance_to(10 * kSecond + kSecond / 2);
  EXPECT_EQ(read(R::RTC_SECONDS), 0x03);
}

TEST_F(CmosRtcTest, IndexPortKeepsNmiMaskAndIsWriteOnly) {
  bus->port_write(R::kIndexPort, 0x80 | R::CMOS_SHUTDOWN_STATUS, 1);
  EXPECT_TRUE(rtc->nmi_masked());
  EXPECT_EQ(rtc->index(), R::CMOS_SHUTDOWN_STATUS);
  bus->port_write(R::kDataPort, 0x0A, 1);
  EXPECT_EQ(rtc->byte(R::CMOS_SHUTDOWN_STATUS), 0x0A);
  EXPECT_EQ(bus->port_read(R::kIndexPort, 1), 0xFFu);
  bus->port_write(R::kIndexPort, R::CMOS_SHUTDOWN_STATUS, 1);
  EXPECT_FALSE(rtc->nmi_masked());
  EXPECT_EQ(bus->port_read(R::kDataPort, 1), 0x0Au);
}

TEST_F(CmosRtcTest, HostApiReadsAndWritesRamWithoutSideEffects) {
  rtc->set_byte(0x15, 0x80);  // base memory 640 KiB
  rtc->set_byte(0x16, 0x02);
  rtc->set_byte(0x34, 0x00);
  rtc->set_byte(0x35, 0x07);
  EXPECT_EQ(read(0x15), 0x80);
  EXPECT_EQ(read(0x16), 0x02);
  EXPECT_EQ(rtc->byte(0x35), 0x07);
  EXPECT_EQ(rtc->byte(0x80 | 0x15), 0x80);  // index is 7 bits
  advance_to(2'000'000);
  EXPECT_EQ(rtc->byte(R::RTC_REG_C), R::REG_C_PF);  // a peek...
  EXPECT_EQ(read(R::RTC_REG_C), R::REG_C_PF);       // ...does not clear
}

TEST_F(CmosRtcTest, WidePortWriteIsSplitIntoIndexAndData) {
  bus->port_write(R::kIndexPort, 0x5A20, 2);  // index 0x20, data 0x5A
  EXPECT_EQ(rtc->byte(0x20), 0x5A);
  EXPECT_EQ(bus->port_read(R::kIndexPort, 2), 0x5AFFu);
}

TEST_F(CmosRtcTest, ResetClearsInterruptStateButKeepsTimeAndRam) {
  rtc->set_byte(0x40, 0x77);
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_DM | R::REG_B_PIE | R::REG_B_UIE);
  advance_to(3 * kSecond);
  EXPECT_TRUE(rtc->irq_asserted());
  rtc->reset();
  EXPECT_FALSE(rtc->irq_asserted());
  EXPECT_EQ(read(R::RTC_REG_B), R::REG_B_24_12 | R::REG_B_DM);
  EXPECT_EQ(read(R::RTC_REG_C), 0x00);
  EXPECT_EQ(read(R::RTC_SECONDS), 3);
  EXPECT_EQ(rtc->byte(0x40), 0x77);
  u64 periodic = counters.device("rtc.periodic_irqs");
  advance_to(4 * kSecond);
  EXPECT_EQ(counters.device("rtc.periodic_irqs"), periodic);
}

TEST_F(CmosRtcTest, GarbageInEveryRegisterNeverBreaksTheClock) {
  for (unsigned index = 0; index < 128; ++index) {
    for (unsigned value = 0; value < 256; value += 17) write(u8(index), u8(value));
  }
  write(R::RTC_REG_A, 0x26);
  write(R::RTC_REG_B, R::REG_B_24_12 | R::REG_B_SET);
  for (u8 index : {R::RTC_SECONDS, R::RTC_MINUTES, R::RTC_HOURS, R::RTC_DAY_OF_MONTH,
                   R::RTC_MONTH, R::RTC_YEAR, R::CMOS_CENTURY, R::RTC_DAY_OF_WEEK})
    write(index, 0xFF);
  write(R::RTC_REG_B, R::REG_B_24_12);
  CalendarTime t = rtc->time();
  EXPECT_EQ(t.year, 9999);
  EXPECT_EQ(t.month, 12);
  EXPECT_EQ(t.day, 31);
  advance_to(100 * kSecond);
  t = rtc->time();
  EXPECT_LE(t.month, 12);
  EXPECT_LE(t.hour, 23);
  EXPECT_LE(read(R::RTC_DAY_OF_WEEK), 7);
}

TEST_F(CmosRtcTest, HostSourceStartsFromTheHostClockAndThenRunsOnVirtualTime) {
  make(RtcConfig{RtcSource::Host, {}});
  CalendarTime start = rtc->time();
  EXPECT_GE(start.year, 2024);  // whatever the host says, it is not the default epoch
  advance_to(kSecond);
  u64 before = seconds_from_calendar(start);
  EXPECT_EQ(seconds_from_calendar(rtc->time()), before + 1);
}

}  // namespace
}  // namespace vmlab
