#include "devices/rtc_calendar.h"

#include <algorithm>

namespace vmlab {

namespace {

constexpr u64 kSecondsPerDay = 86400;
constexpr u32 kYearsRepresentable = 10000;  // four BCD digits: 0000-9999

// Days from 0000-01-01 to January 1st of `year`: 365 per year plus one per leap year
// in [0, year). Year 0 itself is a leap year, so ceil(year / 4) counts it.
u64 days_before_year(u32 year) {
  u64 y = year;
  return 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
}

u32 days_before_month(u32 year, u8 month) {
  u32 days = 0;
  for (u8 m = 1; m < month; ++m) days += days_in_month(year, m);
  return days;
}

}  // namespace

bool is_leap_year(u32 year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

u8 days_in_month(u32 year, u8 month) {
  static constexpr u8 kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 31;
  return (month == 2 && is_leap_year(year)) ? 29 : kDays[month - 1];
}

// Clamping instead of rejecting: a guest can leave any byte in the time registers,
// and the clock must still hold some date afterwards.
u64 seconds_from_calendar(CalendarTime t) {
  u32 year = std::min<u32>(t.year, kYearsRepresentable - 1);
  u8 month = std::clamp<u8>(t.month, 1, 12);
  u8 day = std::clamp<u8>(t.day, 1, days_in_month(year, month));
  u64 days = days_before_year(year) + days_before_month(year, month) + (day - 1u);
  u64 seconds_of_day = std::min<u64>(t.hour, 23) * 3600 + std::min<u64>(t.minute, 59) * 60 +
                       std::min<u64>(t.second, 59);
  return days * kSecondsPerDay + seconds_of_day;
}

// Time past 9999-12-31 23:59:59 wraps to 0000-01-01, as a four-digit counter would.
// The year estimate days / 366 is never too high and at most ~20 years too low at
// year 9999, so the correcting loop is short.
CalendarTime calendar_from_seconds(u64 seconds) {
  seconds %= days_before_year(kYearsRepresentable) * kSecondsPerDay;
  u64 days = seconds / kSecondsPerDay;
  u32 seconds_of_day = u32(seconds % kSecondsPerDay);

  CalendarTime t;
  u32 year = u32(days / 366);
  while (days_before_year(year + 1) <= days) ++year;
  u32 day_of_year = u32(days - days_before_year(year));
  u8 month = 1;
  while (day_of_year >= days_in_month(year, month)) day_of_year -= days_in_month(year, month++);

  t.year = u16(year);
  t.month = month;
  t.day = u8(day_of_year + 1);
  t.hour = u8(seconds_of_day / 3600);
  t.minute = u8(seconds_of_day / 60 % 60);
  t.second = u8(seconds_of_day % 60);
  return t;
}

// 400 Gregorian years are exactly 20871 weeks, so 0000-01-01 falls on the same
// weekday as 2000-01-01: a Saturday (7). Day 1 is then a Sunday (1).
u8 day_of_week(u64 seconds) {
  u64 days = seconds / kSecondsPerDay;
  return u8((days + 6) % 7 + 1);
}

}  // namespace vmlab
