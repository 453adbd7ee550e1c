#include "devices/cmos_rtc.h"

#include <algorithm>
#include <chrono>

#include "core/bus.h"
#include "core/counters.h"

namespace vmlab {

namespace {

// One tick of the 32.768 kHz time base is 10^9 / 2^15 ns = 1953125 / 64 ns exactly.
// Splitting by whole multiples of 1953125 ns (64 ticks) keeps the products far from
// overflow for any virtual time a run can reach.
constexpr u64 kNsPer64Ticks = 1953125;
constexpr u64 kTicksPerSecond = CmosRtc::kTimeBaseHz;

u64 ticks_in(u64 ns) {
  return ns / kNsPer64Ticks * 64 + ns % kNsPer64Ticks * 64 / kNsPer64Ticks;
}

// The first nanosecond at which `ticks` ticks have elapsed (rounded up), so that
// ticks_in(ns_of_ticks(n)) == n and one nanosecond earlier gives n - 1.
u64 ns_of_ticks(u64 ticks) {
  return ticks / 64 * kNsPer64Ticks + (ticks % 64 * kNsPer64Ticks + 63) / 64;
}

bool is_time_register(u8 index) {
  switch (index) {
    case CmosRtc::RTC_SECONDS: case CmosRtc::RTC_MINUTES: case CmosRtc::RTC_HOURS:
    case CmosRtc::RTC_DAY_OF_WEEK: case CmosRtc::RTC_DAY_OF_MONTH: case CmosRtc::RTC_MONTH:
    case CmosRtc::RTC_YEAR: case CmosRtc::CMOS_CENTURY:
      return true;
    default:
      return false;
  }
}

constexpr u8 kTimeRegisters[] = {CmosRtc::RTC_SECONDS,     CmosRtc::RTC_MINUTES,
                                 CmosRtc::RTC_HOURS,       CmosRtc::RTC_DAY_OF_WEEK,
                                 CmosRtc::RTC_DAY_OF_MONTH, CmosRtc::RTC_MONTH,
                                 CmosRtc::RTC_YEAR,        CmosRtc::CMOS_CENTURY};

// The only host-clock read in the device, and only when the user asked for it.
u64 host_epoch_seconds() {
  auto since_1970 = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  u64 unix_base = seconds_from_calendar(CalendarTime{1970, 1, 1, 0, 0, 0});
  return unix_base + u64(std::max<i64>(since_1970.count(), 0));
}

}  // namespace

CmosRtc::CmosRtc(const VirtualClock& clock, EventQueue& timers, IrqLine irq8, Counters& counters,
                 RtcConfig config)
    : m_clock(clock),
      m_timers(timers),
      m_irq(irq8),
      m_periodic_irqs(counters.device("rtc.periodic_irqs")),
      m_update_irqs(counters.device("rtc.update_irqs")),
      m_alarm_irqs(counters.device("rtc.alarm_irqs")) {
  m_epoch_seconds = config.source == RtcSource::Host ? host_epoch_seconds()
                                                     : seconds_from_calendar(config.epoch);
  m_divider_cycle = m_clock.now();
  reschedule_periodic();
  reschedule_update();
}

CmosRtc::~CmosRtc() {
  m_timers.cancel(m_periodic_timer);
  m_timers.cancel(m_update_timer);
}

void CmosRtc::attach(Bus& bus) {
  bus.map_ports(kIndexPort, 2, "rtc", [this](IoAccess& a) { io(a); });
}

// The RESET pin: interrupt enables and flags go, the clock and the RAM stay.
void CmosRtc::reset() {
  m_reg_b &= u8(~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE));
  m_reg_c = 0;
  if (running()) m_pf_checked_tick = tick_now();
  m_nmi_masked = false;
  update_irq();
  reschedule_periodic();
}

// Wide accesses arrive as one call; split them into the byte cycles the ISA bus makes.
void CmosRtc::io(IoAccess& a) {
  u32 result = 0;
  for (u32 i = 0; i < a.size; ++i) {
    u32 port = a.addr + i;
    u8 in = u8(a.data >> (8 * i));
    u8 out = 0xFF;
    if (port == kIndexPort && a.is_write) {
      m_index = in & 0x7F;
      m_nmi_masked = in & 0x80;
    } else if (port == kDataPort) {
      if (a.is_write) write_register(m_index, in);
      else out = read_register(m_index);
    }
    result |= u32(out) << (8 * i);
  }
  if (!a.is_write) a.data = result;
}

void CmosRtc::set_byte(u8 index, u8 value) { write_register(index & 0x7F, value); }

u8 CmosRtc::byte(u8 index) const {
  index &= 0x7F;
  switch (index) {
    case RTC_REG_A: {
      u64 phase = tick_now() % kTicksPerSecond;
      bool uip = running() && !setting() && phase >= kTicksPerSecond - kUipTicks;
      return u8(m_reg_a | (uip ? REG_A_UIP : 0));
    }
    case RTC_REG_B: return m_reg_b;
    case RTC_REG_C: return peek_reg_c();
    case RTC_REG_D: return REG_D_VRT;  // the battery is always good
    default: break;
  }
  if (is_time_register(index) && !setting()) return time_field(index, current_seconds());
  return m_ram[index];
}

CalendarTime CmosRtc::time() const {
  return calendar_from_seconds(current_seconds());
}

// ---- the divider chain and the time --------------------------------------------

// Ticks between periodic edges for the RS bits: RS = 1 and 2 repeat the 256 Hz and
// 128 Hz taps of RS = 8 and 9 with the 32.768 kHz time base.
u64 CmosRtc::period_ticks() const {
  u8 rs = m_reg_a & REG_A_RS;
  if (rs == 0) return 0;
  return rs <= 2 ? u64{1} << (rs + 6) : u64{1} << (rs - 1);
}

// Meaningful only while the divider runs. A clock that appears to run backwards (the
// CPI changed) is read as no time elapsed, never as a huge unsigned difference.
u64 CmosRtc::tick_now() const {
  u64 now = m_clock.now();
  return m_divider_tick0 + (now > m_divider_cycle ? ticks_in(now - m_divider_cycle) : 0);
}

u64 CmosRtc::cycle_of_tick(u64 tick) const {
  return m_divider_cycle + ns_of_ticks(tick - m_divider_tick0);
}

u64 CmosRtc::seconds_at_tick(u64 tick) const {
  return m_epoch_seconds + (tick / kTicksPerSecond - m_epoch_update);
}

// What the time registers hold: with SET = 1 what was written, with the divider
// stopped the frozen epoch, otherwise the epoch plus the updates since.
u64 CmosRtc::current_seconds() const {
  if (setting()) return written_seconds();
  return running() ? seconds_at_tick(tick_now()) : m_epoch_seconds;
}

// ---- register access --------------------------------------------------------------

u8 CmosRtc::read_register(u8 index) {
  return index == RTC_REG_C ? read_reg_c() : byte(index);
}

void CmosRtc::write_register(u8 index, u8 value) {
  switch (index) {
    case RTC_REG_A: write_reg_a(value); return;
    case RTC_REG_B: write_reg_b(value); return;
    case RTC_REG_C:
    case RTC_REG_D: return;  // read-only
    default: break;
  }
  if (is_time_register(index)) write_time_register(index, value);
  else m_ram[index] = value;
}

// DV changes start or stop the divider; RS changes the periodic tap. Edges at the old
// rate are folded into PF first so that none is lost or invented by the change.
void CmosRtc::write_reg_a(u8 value) {
  value &= u8(~REG_A_UIP);
  bool was_running = running();
  bool will_run = (value & REG_A_DV) == REG_A_DV_32768;
  fold_periodic_edges();
  if (was_running && !will_run) m_epoch_seconds = current_seconds();  // freeze
  m_reg_a = value;
  if (!was_running && will_run) {
    // Out of divider reset the chain starts half way, so the first update is 500 ms away.
    m_divider_cycle = m_clock.now();
    m_divider_tick0 = kTicksPerSecond / 2;
    m_epoch_update = 0;
    m_pf_checked_tick = m_divider_tick0;
  }
  reschedule_periodic();
  if (was_running != running()) reschedule_update();
}

// SET going high freezes the time registers (as bytes in the format in force before
// this write) and clears UIE, per the datasheet; SET going low makes them the epoch.
void CmosRtc::write_reg_b(u8 value) {
  fold_periodic_edges();  // a PF found lazily must count in IRQF under the new PIE
  u8 old = m_reg_b;
  bool set_rising = (value & REG_B_SET) && !(old & REG_B_SET);
  bool set_falling = !(value & REG_B_SET) && (old & REG_B_SET);
  if (set_rising) {
    snapshot_time();
    value &= u8(~REG_B_UIE);
  }
  m_reg_b = value;
  if (set_falling) commit_time();
  update_irq();
  if ((old ^ value) & REG_B_PIE) reschedule_periodic();
  if (set_rising || set_falling) reschedule_update();
}

u8 CmosRtc::peek_reg_c() const {
  u8 value = m_reg_c;
  if (periodic_edge_pending()) value |= REG_C_PF;
  if (value & m_reg_b & (REG_C_PF | REG_C_AF | REG_C_UF)) value |= REG_C_IRQF;
  return value;
}

// Reading C clears every flag and releases IRQ8: the only way an interrupt handler
// can acknowledge the chip.
u8 CmosRtc::read_reg_c() {
  u8 value = peek_reg_c();
  m_reg_c = 0;
  if (running()) m_pf_checked_tick = tick_now();
  update_irq();
  return value;
}

// ---- time register formats --------------------------------------------------------

u8 CmosRtc::encode(u8 value) const { return (m_reg_b & REG_B_DM) ? value : to_bcd(value); }
u8 CmosRtc::decode(u8 value) const { return (m_reg_b & REG_B_DM) ? value : from_bcd(value); }

// One time register as the chip shows it. 12-hour mode: hours 1-12, bit 7 set for PM.
u8 CmosRtc::time_field(u8 index, u64 seconds) const {
  CalendarTime t = calendar_from_seconds(seconds);
  switch (index) {
    case RTC_SECONDS: return encode(t.second);
    case RTC_MINUTES: return encode(t.minute);
    case RTC_HOURS: {
      if (m_reg_b & REG_B_24_12) return encode(t.hour);
      u8 hour12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
      return u8(encode(hour12) | (t.hour >= 12 ? 0x80 : 0));
    }
    case RTC_DAY_OF_WEEK: return encode(u8((day_of_week(seconds) - 1 + m_dow_offset) % 7 + 1));
    case RTC_DAY_OF_MONTH: return encode(t.day);
    case RTC_MONTH: return encode(t.month);
    case RTC_YEAR: return encode(u8(t.year % 100));
    default: return encode(u8(t.year / 100));  // CMOS_CENTURY
  }
}

// With SET = 0 a write lands in a running clock: the other fields keep their current
// values and the divider keeps its phase, so the next update still comes on time.
void CmosRtc::write_time_register(u8 index, u8 value) {
  if (setting()) {
    m_ram[index] = value;
    return;
  }
  snapshot_time();
  m_ram[index] = value;
  commit_time();
}

void CmosRtc::snapshot_time() {
  u64 seconds = current_seconds();
  for (u8 index : kTimeRegisters) m_ram[index] = time_field(index, seconds);
}

// The date and time the time registers in m_ram spell, in the format B selects.
u64 CmosRtc::written_seconds() const {
  CalendarTime t;
  u8 century = std::min<u8>(decode(m_ram[CMOS_CENTURY]), 99);
  t.year = u16(century * 100 + std::min<u8>(decode(m_ram[RTC_YEAR]), 99));
  t.month = decode(m_ram[RTC_MONTH]);
  t.day = decode(m_ram[RTC_DAY_OF_MONTH]);
  u8 hours = m_ram[RTC_HOURS];
  if (m_reg_b & REG_B_24_12) {
    t.hour = decode(hours);
  } else {
    u8 hour12 = std::clamp<u8>(decode(hours & 0x7F), 1, 12);
    t.hour = u8(hour12 % 12 + ((hours & 0x80) ? 12 : 0));
  }
  t.minute = decode(m_ram[RTC_MINUTES]);
  t.second = decode(m_ram[RTC_SECONDS]);
  return seconds_from_calendar(t);
}

// The time registers in m_ram become the epoch, counted from the current update.
void CmosRtc::commit_time() {
  m_epoch_seconds = written_seconds();
  m_epoch_update = running() ? tick_now() / kTicksPerSecond : 0;
  u8 written_dow = std::clamp<u8>(decode(m_ram[RTC_DAY_OF_WEEK]), 1, 7);
  m_dow_offset = u8((written_dow + 7 - day_of_week(m_epoch_seconds)) % 7);
}

// The chip compares register bytes, so the alarm works in whatever format B selects.
bool CmosRtc::alarm_matches(u64 seconds) const {
  auto matches = [&](u8 alarm_index, u8 time_index) {
    u8 alarm = m_ram[alarm_index];
    return alarm >= 0xC0 || alarm == time_field(time_index, seconds);
  };
  return matches(RTC_SECONDS_ALARM, RTC_SECONDS) && matches(RTC_MINUTES_ALARM, RTC_MINUTES) &&
         matches(RTC_HOURS_ALARM, RTC_HOURS);
}

// ---- interrupts and timers ----------------------------------------------------------

bool CmosRtc::periodic_edge_pending() const {
  u64 period = period_ticks();
  return running() && period != 0 && tick_now() / period > m_pf_checked_tick / period;
}

void CmosRtc::fold_periodic_edges() {
  if (!running()) return;
  if (periodic_edge_pending()) set_flags(REG_C_PF);
  m_pf_checked_tick = tick_now();
}

void CmosRtc::set_flags(u8 flags) {
  m_reg_c |= flags;
  update_irq();
}

// IRQF = PF.PIE + AF.AIE + UF.UIE; the IRQ8 line follows IRQF.
void CmosRtc::update_irq() {
  bool irqf = m_reg_c & m_reg_b & (REG_C_PF | REG_C_AF | REG_C_UF);
  m_reg_c = irqf ? u8(m_reg_c | REG_C_IRQF) : u8(m_reg_c & ~REG_C_IRQF);
  if (irqf == m_irq_level) return;
  m_irq_level = irqf;
  m_irq.set(irqf);
}

// A periodic timer runs only while PIE is set; with PIE clear PF is computed lazily.
void CmosRtc::reschedule_periodic() {
  m_timers.cancel(m_periodic_timer);
  m_periodic_timer = 0;
  if (running() && (m_reg_b & REG_B_PIE) && period_ticks() != 0) schedule_periodic(tick_now());
}

void CmosRtc::reschedule_update() {
  m_timers.cancel(m_update_timer);
  m_update_timer = 0;
  if (running() && !setting()) schedule_update(tick_now());
}

void CmosRtc::schedule_periodic(u64 after_tick) {
  u64 period = period_ticks();
  m_next_periodic_tick = (after_tick / period + 1) * period;
  u64 when = cycle_of_tick(m_next_periodic_tick);
  m_periodic_timer = m_timers.schedule(when, [this] { periodic_edge(); });
}

void CmosRtc::schedule_update(u64 after_tick) {
  m_next_update_tick = (after_tick / kTicksPerSecond + 1) * kTicksPerSecond;
  u64 when = cycle_of_tick(m_next_update_tick);
  m_update_timer = m_timers.schedule(when, [this] { update_cycle(); });
}

// The next edge is scheduled from this edge's tick, not from "now", so a late
// run_due() never shifts the phase. An edge a read of C already consumed is not
// raised twice.
void CmosRtc::periodic_edge() {
  m_periodic_timer = 0;
  u64 edge = m_next_periodic_tick;
  if (edge > m_pf_checked_tick) {
    m_pf_checked_tick = edge;
    ++m_periodic_irqs;
    set_flags(REG_C_PF);
  }
  schedule_periodic(edge);
}

void CmosRtc::update_cycle() {
  m_update_timer = 0;
  u64 tick = m_next_update_tick;
  u64 seconds = seconds_at_tick(tick);
  u8 flags = REG_C_UF;
  if (alarm_matches(seconds)) flags |= REG_C_AF;
  if (m_reg_b & REG_B_UIE) ++m_update_irqs;
  if ((flags & REG_C_AF) && (m_reg_b & REG_B_AIE)) ++m_alarm_irqs;
  set_flags(flags);
  schedule_update(tick);
}

}  // namespace vmlab
