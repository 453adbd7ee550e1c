// The MC146818 real-time clock and its CMOS RAM, as the PC/AT wires it.
//
//   port 0x70 (write)   bit 7: NMI disable (the chipset's, latched here)   bits 6-0: index
//   port 0x71           the byte at the index
//
//   index  register                 index  register
//   0x00   seconds                  0x0A   A:  UIP | DV2 DV1 DV0 | RS3 RS2 RS1 RS0
//   0x01   seconds alarm            0x0B   B:  SET PIE AIE UIE | SQWE DM 24/12 DSE
//   0x02   minutes                  0x0C   C:  IRQF PF AF UF | 0 0 0 0   (read clears)
//   0x03   minutes alarm            0x0D   D:  VRT | 0 ...              (read-only)
//   0x04   hours (12h: bit 7 = PM)  0x0E-0x7F  battery-backed RAM; the PC BIOS map:
//   0x05   hours alarm                0x0E diagnostic status   0x0F shutdown status
//   0x06   day of week (1 = Sunday)   0x10 floppy drive types  0x12 hard disk types
//   0x07   day of month               0x14 equipment byte      0x15-0x16 base memory KiB
//   0x08   month                      0x17-0x18 extended memory KiB (above 1 MiB)
//   0x09   year (00-99)               0x2E-0x2F checksum of 0x10-0x2D
//                                     0x30-0x31 extended memory KiB found by POST
//                                     0x32 century  0x34-0x35 memory above 16 MiB, 64 KiB units
//
// The shutdown status byte 0x0F is plain RAM to this chip. The BIOS reads it after a
// processor reset to tell a power-on from a deliberate reset: 0x00 runs the full POST,
// 0x05 flushes the keyboard, sends EOI and jumps through the far pointer at 0040:0067,
// 0x09 returns from an INT 15h AH=87h block move, 0x0A jumps through 0040:0067 without
// EOI. Protected-mode software of the 286 era reset the CPU to get back to real mode.
//
// Time keeping. The time is an epoch (2000-01-01 00:00:00 unless configured) plus the
// number of update cycles since, and the divider chain that counts them runs on virtual
// time: 32768 ticks of the 32.768 kHz time base per second, tick n at cycle
// ceil(n * 10^9 / 32768). An update cycle happens at every tick that is a multiple of
// 32768; UIP reads 1 for the 8 ticks (244 us) before it. The time registers are not
// stored while the clock runs: a read converts the current second to the format that
// register B selects (BCD or binary, 12 or 24 hours), so the answer is always exact.
// With SET = 1 updates stop, the time registers become plain bytes the program writes,
// and clearing SET makes what was written the new epoch.
//
// Interrupts (IRQ8, held high until register C is read):
//   PF  every 2^(RS-1) ticks for RS = 3..15, RS = 1, 2 give 256 Hz and 128 Hz (RS = 0: none)
//   UF  after every update cycle;  AF  after an update whose time matches the alarm
//       (an alarm byte 0xC0-0xFF matches any value)
//   IRQF = PF.PIE + AF.AIE + UF.UIE
//
// Where vmlab departs from (or has to choose for) the datasheet:
//  - Only DV = 010 (32.768 kHz) runs the divider; every other value stops it. Leaving
//    that state restarts the chain so the first update comes 500 ms later, as leaving
//    divider reset (DV = 11x) does on the chip.
//  - Changing DM or 24/12 while the clock runs shows the time in the new format (the
//    chip would keep the old bytes until software rewrote them).
//  - Bytes written to the time registers are clamped into range when they become the
//    epoch (month 13 becomes 12, Feb 31 becomes Feb 28/29); the chip would count on
//    from the nonsense. Day of week is kept as an offset from the computed weekday, so
//    a written value keeps advancing at midnight like the chip's counter.
//  - The century byte 0x32 is part of the calendar: 1999 rolls over to 2000, as on the
//    DS12887-class parts PCs use, and leap years follow the full Gregorian rule.
//  - DSE (daylight saving) and SQWE are stored only: the chip's DST rule is the US one
//    of 1986 and PCs leave DSE clear; the SQW pin is not connected on a PC.
//  - With PIE = 0 no timer runs for the periodic rate: PF is worked out when register C
//    is read, so a clock left at the BIOS default of 1024 Hz costs nothing.
//  - reset() models the RESET pin (clears PIE AIE UIE SQWE and register C); it keeps
//    the time, registers A, DM, 24/12 and DSE, and the RAM, as a PC reset does. It also
//    clears the NMI-disable latch, which belongs to the chipset and resets with it.
//  - Port 0x70 is write-only on the PC; reading it returns 0xFF. Wide accesses are split
//    into byte cycles; bytes beyond port 0x71 read 0xFF and their writes are dropped.
#pragma once
#include <array>

#include "core/irq.h"
#include "core/virtual_clock.h"
#include "devices/rtc_calendar.h"

namespace vmlab {

class Bus;
struct Counters;
struct IoAccess;

enum class RtcSource {
  Virtual,  // the configured epoch
  Host,     // the host's UTC time, read once at construction (vmlab --rtc host)
};

struct RtcConfig {
  RtcSource source = RtcSource::Virtual;
  CalendarTime epoch{};  // 2000-01-01 00:00:00; used when source is Virtual
};

class CmosRtc {
 public:
  static constexpr u16 kIndexPort = 0x70, kDataPort = 0x71;
  static constexpr unsigned kIrq = 8;
  static constexpr u64 kTimeBaseHz = 32768;
  static constexpr u64 kUipTicks = 8;  // 244 us of UIP = 1 before each update

  // Register indices.
  static constexpr u8 RTC_SECONDS = 0x00, RTC_SECONDS_ALARM = 0x01, RTC_MINUTES = 0x02,
                      RTC_MINUTES_ALARM = 0x03, RTC_HOURS = 0x04, RTC_HOURS_ALARM = 0x05,
                      RTC_DAY_OF_WEEK = 0x06, RTC_DAY_OF_MONTH = 0x07, RTC_MONTH = 0x08,
                      RTC_YEAR = 0x09, RTC_REG_A = 0x0A, RTC_REG_B = 0x0B, RTC_REG_C = 0x0C,
                      RTC_REG_D = 0x0D, CMOS_SHUTDOWN_STATUS = 0x0F, CMOS_CENTURY = 0x32;
  // Register A. DV = 010 selects the 32.768 kHz time base; 11x holds the divider reset.
  static constexpr u8 REG_A_UIP = 0x80, REG_A_DV = 0x70, REG_A_RS = 0x0F;
  static constexpr u8 REG_A_DV_32768 = 0x20;
  // Register B.
  static constexpr u8 REG_B_SET = 0x80, REG_B_PIE = 0x40, REG_B_AIE = 0x20, REG_B_UIE = 0x10,
                      REG_B_SQWE = 0x08, REG_B_DM = 0x04, REG_B_24_12 = 0x02, REG_B_DSE = 0x01;
  // Register C. PF, AF and UF sit at the same bit positions as their enables in B.
  static constexpr u8 REG_C_IRQF = 0x80, REG_C_PF = 0x40, REG_C_AF = 0x20, REG_C_UF = 0x10;
  // Register D.
  static constexpr u8 REG_D_VRT = 0x80;

  // The timers and the clock must outlive the device. Register A starts at 0x26 (time
  // base running, 1024 Hz) and B at 0x02 (24 hours, BCD), the values a PC BIOS sets.
  CmosRtc(const VirtualClock& clock, EventQueue& timers, IrqLine irq8, Counters& counters,
          RtcConfig config = {});
  ~CmosRtc();
  CmosRtc(const CmosRtc&) = delete;
  CmosRtc& operator=(const CmosRtc&) = delete;

  void attach(Bus& bus);
  void reset();
  void io(IoAccess& access);

  // Host side (Machine, firmware): set_byte acts as a guest write through port 0x71;
  // byte returns what a guest read would, without a read's side effects (reading
  // register C here does not clear it).
  void set_byte(u8 index, u8 value);
  u8 byte(u8 index) const;

  // Debug views.
  bool nmi_masked() const { return m_nmi_masked; }
  u8 index() const { return m_index; }
  bool irq_asserted() const { return m_irq_level; }
  CalendarTime time() const;  // what the time registers hold now

 private:
  bool running() const { return (m_reg_a & REG_A_DV) == REG_A_DV_32768; }
  bool setting() const { return m_reg_b & REG_B_SET; }
  u64 period_ticks() const;
  u64 tick_now() const;
  u64 cycle_of_tick(u64 tick) const;
  u64 seconds_at_tick(u64 tick) const;
  u64 current_seconds() const;

  u8 read_register(u8 index);
  void write_register(u8 index, u8 value);
  void write_reg_a(u8 value);
  void write_reg_b(u8 value);
  u8 peek_reg_c() const;
  u8 read_reg_c();

  u8 encode(u8 value) const;
  u8 decode(u8 value) const;
  u8 time_field(u8 index, u64 seconds) const;
  void write_time_register(u8 index, u8 value);
  u64 written_seconds() const;
  void snapshot_time();
  void commit_time();
  bool alarm_matches(u64 seconds) const;

  bool periodic_edge_pending() const;
  void fold_periodic_edges();
  void set_flags(u8 flags);
  void update_irq();
  void reschedule_periodic();
  void reschedule_update();
  void schedule_periodic(u64 after_tick);
  void schedule_update(u64 after_tick);
  void periodic_edge();
  void update_cycle();

  const VirtualClock& m_clock;
  EventQueue& m_timers;
  IrqLine m_irq;
  u64& m_periodic_irqs;
  u64& m_update_irqs;
  u64& m_alarm_irqs;

  std::array<u8, 128> m_ram{};  // 0x0E-0x7F, and the time registers while SET = 1
  u8 m_index = 0;
  bool m_nmi_masked = false;
  u8 m_reg_a = 0x26, m_reg_b = REG_B_24_12, m_reg_c = 0;
  bool m_irq_level = false;

  // Divider chain: it held m_divider_tick0 ticks at cycle m_divider_cycle.
  u64 m_divider_cycle = 0;
  u64 m_divider_tick0 = 0;
  // Time: m_epoch_seconds was the time after update cycle number m_epoch_update
  // (tick / 32768). While the divider is stopped the time is m_epoch_seconds.
  u64 m_epoch_seconds = 0;
  u64 m_epoch_update = 0;
  u8 m_dow_offset = 0;        // added (mod 7) to the computed weekday
  u64 m_pf_checked_tick = 0;  // periodic edges up to this tick are already in PF

  TimerId m_periodic_timer = 0, m_update_timer = 0;  // 0: none
  u64 m_next_periodic_tick = 0, m_next_update_tick = 0;
};

}  // namespace vmlab
