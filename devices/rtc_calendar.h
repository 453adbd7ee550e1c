// Calendar arithmetic for the MC146818 RTC: seconds <-> date and time, BCD.
//
// The RTC model keeps time as one number, seconds since 0000-01-01 00:00:00 in the
// proleptic Gregorian calendar, and turns it into register bytes only when the guest
// looks. Counting from year 0 keeps every value the guest can write (century 00-99,
// year 00-99) non-negative, so no division here ever sees a negative operand.
//
// Leap years follow the Gregorian rule: divisible by 4, except centuries, except
// every 400th year (2000 is leap, 2100 is not). The MC146818 itself only knows the
// "divisible by 4" rule for its two-digit year; with the century kept in CMOS byte
// 0x32 the full rule is the one PC software expects.
#pragma once
#include "core/types.h"

namespace vmlab {

struct CalendarTime {
  u16 year = 2000;  // full year, 0-9999
  u8 month = 1;     // 1-12
  u8 day = 1;       // 1-31
  u8 hour = 0;      // 0-23
  u8 minute = 0;    // 0-59
  u8 second = 0;    // 0-59
};

bool is_leap_year(u32 year);
u8 days_in_month(u32 year, u8 month);

// Seconds since 0000-01-01 00:00:00. Out-of-range fields (month 13, day 0, minute 75:
// whatever a guest wrote) are first clamped into range, so every input has an answer.
u64 seconds_from_calendar(CalendarTime t);
CalendarTime calendar_from_seconds(u64 seconds);
// Day of week as the RTC counts it: 1 = Sunday ... 7 = Saturday.
u8 day_of_week(u64 seconds);

// Packed BCD, two digits. from_bcd takes any byte: a nibble above 9 is weighted as it
// is (0x5F -> 65), the callers clamp the result.
inline u8 to_bcd(u8 value) { return u8(((value / 10) << 4) | (value % 10)); }
inline u8 from_bcd(u8 value) { return u8((value >> 4) * 10 + (value & 0x0F)); }

}  // namespace vmlab
