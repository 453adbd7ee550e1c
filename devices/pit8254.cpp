#include "devices/pit8254.h"

#include <algorithm>
#include <string>

#include "devices/pit8254_clock.h"

namespace vmlab {

namespace {

// M2 M1 M0 as a mode number: 110 and 111 are aliases of modes 2 and 3.
u8 mode_from_bits(u8 m) { return (m & 2) ? (m & 3) : m; }

// Four BCD digits as a number. A nibble above 9 is not BCD and the datasheet does not
// say what the counter makes of it; here it keeps its decimal weight and the sum is
// reduced mod 10000, so any byte pattern gives some count in range.
u32 bcd_decode(u16 raw) {
  u32 value = 0;
  for (int shift = 12; shift >= 0; shift -= 4) value = value * 10 + ((raw >> shift) & 0xF);
  return value % 10000;
}

u16 bcd_encode(u32 value) {
  u32 raw = 0;
  for (int shift = 0; shift < 16; shift += 4) {
    raw |= (value % 10) << shift;
    value /= 10;
  }
  return static_cast<u16>(raw);
}

}  // namespace

Pit8254::Pit8254(const VirtualClock& clock, EventQueue& queue, IrqLine irq0, Counters& counters)
    : m_clock(clock),
      m_queue(queue),
      m_irq0(irq0),
      m_irq0_edges(counters.device("pit.irq0_edges")) {
  for (unsigned i = 0; i < m_channels.size(); ++i)
    m_channels[i].reloads = &counters.device("pit.ch" + std::to_string(i) + ".reloads");
  reset();
}

Pit8254::~Pit8254() {
  if (m_out0_event) m_queue.cancel(m_out0_event);
}

void Pit8254::attach(Bus& bus) {
  bus.map_ports(kCounterPorts, 4, "pit", [this](IoAccess& a) { io(a); });
  bus.map_ports(kNmiScPort, 1, "pit", [this](IoAccess& a) { io_nmi_sc(a); });
}

void Pit8254::reset() {
  if (m_out0_event) m_queue.cancel(m_out0_event);
  m_out0_event = 0;
  m_epoch = m_clock.now();
  for (unsigned i = 0; i < m_channels.size(); ++i) {
    Channel& ch = m_channels[i];
    u64* reloads = ch.reloads;
    ch = Channel{};
    ch.reloads = reloads;
    ch.control = RW_LSB_MSB << 4;
    ch.counter.reset(/*gate=*/i != 2);
  }
  m_nmi_sc = 0;
  drive_irq0(false);
}

// CLK edges since the epoch, as of the current virtual time.
u64 Pit8254::tick_now() const {
  u64 now = m_clock.now();
  return now > m_epoch ? pit_ticks_elapsed(now - m_epoch) : 0;
}

// A 16- or 32-bit access is what an ISA bus makes of it for an 8-bit device: one byte
// cycle per port, lowest port first. Bytes past port 0x43 find no 8254 and read as 0xFF.
void Pit8254::io(IoAccess& a) {
  u64 tick = tick_now();
  u32 data = 0;
  u32 size = std::min<u32>(a.size, 4);
  for (u32 i = 0; i < size; ++i) {
    u32 port = a.addr + i;
    bool ours = port >= kCounterPorts && port <= kControlWordPort;
    if (a.is_write) {
      if (ours) write_port(static_cast<u16>(port), static_cast<u8>(a.data >> (8 * i)), tick);
    } else {
      data |= u32{ours ? read_port(static_cast<u16>(port), tick) : u8{0xFF}} << (8 * i);
    }
  }
  if (!a.is_write) a.data = data;
}

// The control word register cannot be read: the 8254 leaves the bus floating.
u8 Pit8254::read_port(u16 port, u64 tick) {
  if (port == kControlWordPort) return 0xFF;
  return read_count_byte(m_channels[port - kCounterPorts], tick);
}

void Pit8254::write_port(u16 port, u8 value, u64 tick) {
  if (port == kControlWordPort) write_control_word(value, tick);
  else write_count_byte(port - kCounterPorts, value, tick);
}

// SC picks the counter (or the read-back command); RW = 00 is the counter latch
// command, which leaves the programming alone. Any other control word reprograms the
// counter: flip-flops back to the LSB, pending latches dropped, OUT to its initial level.
void Pit8254::write_control_word(u8 value, u64 tick) {
  unsigned index = value >> 6;
  if (index == SC_READ_BACK) {
    read_back(value, tick);
    return;
  }
  Channel& ch = m_channels[index];
  if (((value >> 4) & 3) == RW_LATCH) {
    latch_count(ch, tick);
    return;
  }
  before_change(index, tick);
  ch.control = value & 0x3F;
  ch.write_msb_next = ch.read_msb_next = false;
  ch.count_latched = ch.status_latched = false;
  ch.counter.program(mode_from_bits((value >> 1) & 7), value & CW_BCD, tick);
  after_change(index, tick);
}

// Latch the count and/or status of every selected counter at once, so that a program
// sees all of them as of the same instant.
void Pit8254::read_back(u8 value, u64 tick) {
  for (unsigned i = 0; i < m_channels.size(); ++i) {
    if (!(value & (RB_CNT0 << i))) continue;
    if (!(value & RB_COUNT_N)) latch_count(m_channels[i], tick);
    if (!(value & RB_STATUS_N)) latch_status(m_channels[i], tick);
  }
}

// The OL keeps its first latched value until the guest has read it all (or the counter
// is reprogrammed): a second latch command before that is ignored, per the datasheet.
void Pit8254::latch_count(Channel& ch, u64 tick) {
  if (ch.count_latched) return;
  ch.ol = guest_count(ch, tick);
  ch.count_latched = true;
}

// Same rule as the count: the first status latched stays until it is read.
void Pit8254::latch_status(Channel& ch, u64 tick) {
  if (ch.status_latched) return;
  const Pit8254Counter& c = ch.counter;
  ch.status = static_cast<u8>((c.out_at(tick) ? STATUS_OUTPUT : 0) |
                              (c.null_count_at(tick) ? STATUS_NULL_COUNT : 0) | ch.control);
  ch.status_latched = true;
}

// The count as the guest reads it: binary, or four BCD digits.
u16 Pit8254::guest_count(const Channel& ch, u64 tick) const {
  u32 value = ch.counter.count_at(tick);
  return ch.counter.bcd() ? bcd_encode(value) : static_cast<u16>(value);
}

// RW decides which byte(s) make a count: LSB only (MSB = 0), MSB only (LSB = 0), or LSB
// then MSB through the write flip-flop. A written 0 is the largest count: 65536, or
// 10000 in BCD.
void Pit8254::write_count_byte(unsigned index, u8 value, u64 tick) {
  Channel& ch = m_channels[index];
  u16 raw = value;
  if (rw(ch) == RW_MSB) raw = static_cast<u16>(value << 8);
  if (rw(ch) == RW_LSB_MSB) {
    ch.write_msb_next = !ch.write_msb_next;
    if (ch.write_msb_next) {
      ch.cr_lsb = value;
      before_change(index, tick);
      ch.counter.suspend_for_second_byte(tick);
      after_change(index, tick);
      return;
    }
    raw = static_cast<u16>(ch.cr_lsb | value << 8);
  }
  u32 count = ch.counter.bcd() ? bcd_decode(raw) : raw;
  before_change(index, tick);
  ch.counter.write_count(count == 0 ? ch.counter.modulus() : count, tick);
  after_change(index, tick);
  ++*ch.reloads;
}

// A latched status is read first, whatever was latched first. Then the count: in LSB
// then MSB mode the read flip-flop picks the byte, and an unlatched count is sampled
// anew for each byte (which is why guests latch). The latch is released by the read
// that completes the count.
u8 Pit8254::read_count_byte(Channel& ch, u64 tick) {
  if (ch.status_latched) {
    ch.status_latched = false;
    return ch.status;
  }
  u16 value = ch.count_latched ? ch.ol : guest_count(ch, tick);
  bool two_bytes = rw(ch) == RW_LSB_MSB;
  bool msb = rw(ch) == RW_MSB || (two_bytes && ch.read_msb_next);
  if (two_bytes) ch.read_msb_next = !ch.read_msb_next;
  if (!two_bytes || msb) ch.count_latched = false;
  return static_cast<u8>(msb ? value >> 8 : value);
}

// Only the byte at 0x61 is NMI_SC; the other bytes of a wide access would belong to other
// ports, so they are dropped on writes and float (0xFF) on reads.
void Pit8254::io_nmi_sc(IoAccess& a) {
  u64 now = m_clock.now();
  if (a.is_write) {
    m_nmi_sc = a.data & NMI_SC_WRITABLE;
    m_channels[2].counter.set_gate(m_nmi_sc & NMI_SC_TIM_CNT2_EN, tick_now());
    return;
  }
  u32 value = m_nmi_sc;
  u64 since_epoch = now > m_epoch ? now - m_epoch : 0;
  if ((since_epoch / kRefreshToggleCycles) & 1) value |= NMI_SC_REF_TOGGLE;
  if (channel2_output()) value |= NMI_SC_TMR2_OUT_STS;
  a.data = value | 0xFFFFFF00u;
}

bool Pit8254::channel2_output() const { return m_channels[2].counter.out_at(tick_now()); }

Pit8254::ChannelState Pit8254::channel_state(unsigned index) const {
  const Channel& ch = m_channels.at(index);
  const Pit8254Counter& c = ch.counter;
  u64 tick = tick_now();
  return ChannelState{c.mode(),        rw(ch),         c.bcd(),  c.count_register(),
                      c.count_at(tick), c.out_at(tick), c.gate(), c.null_count_at(tick)};
}

// A change to counter 0 at `tick` must not swallow an OUT0 transition that is already
// due but not yet fired (the run loop may reach this port access first): deliver those
// transitions, in order, before the change.
void Pit8254::before_change(unsigned index, u64 tick) {
  if (index != 0) return;
  while (m_out0_event && m_out0_event_tick <= tick) out0_transition(m_out0_event_tick);
}

void Pit8254::after_change(unsigned index, u64 tick) {
  if (index == 0) out0_transition(tick);
}

// Drive IRQ0 to OUT0's level at `tick` and schedule the next transition after it. The
// timer evaluates OUT0 at its own tick, not at "now", so a run loop that calls run_due
// late still sees every edge, in order.
void Pit8254::out0_transition(u64 tick) {
  if (m_out0_event) m_queue.cancel(m_out0_event);
  m_out0_event = 0;
  const Pit8254Counter& c = m_channels[0].counter;
  drive_irq0(c.out_at(tick));
  u64 next = c.next_out_change(tick);
  if (next == Pit8254Counter::kNever) return;
  m_out0_event_tick = next;
  m_out0_event = m_queue.schedule(m_epoch + pit_tick_offset(next), [this, next] {
    m_out0_event = 0;
    out0_transition(next);
  });
}

void Pit8254::drive_irq0(bool level) {
  if (level == m_irq0_level) return;
  m_irq0_level = level;
  if (level) ++m_irq0_edges;
  m_irq0.set(level);
}

}  // namespace vmlab
