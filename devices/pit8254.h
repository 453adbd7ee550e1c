// The Intel 8254 programmable interval timer at ports 0x40-0x43, and the PC's system
// control port B at 0x61 (named NMI_SC in Intel's chipset datasheets), whose low bits
// gate counter 2 and enable the speaker.
//
//   port  write                          read
//   0x40  counter 0: count (CR)          counter 0: count (OL) or latched status
//   0x41  counter 1: count               counter 1: count or status
//   0x42  counter 2: count               counter 2: count or status
//   0x43  control word                   nothing drives the bus: 0xFF
//   0x61  NMI_SC bits 3..0               NMI_SC
//
// Control word (port 0x43):            Read-back command (SC = 11):
//    7   6   5   4   3  2  1   0           7  6    5       4      3    2    1   0
//  +---+---+---+---+---+--+--+---+       +-----+------+-------+----+----+----+---+
//  |SC1|SC0|RW1|RW0|M2 |M1|M0|BCD|       | 1 1 |COUNT#|STATUS#|CNT2|CNT1|CNT0| 0 |
//  +---+---+---+---+---+--+--+---+       +-----+------+-------+----+----+----+---+
//  RW: 00 counter latch command, 01 LSB only, 10 MSB only, 11 LSB then MSB.
//  M:  mode 0-5 (X10 = 2, X11 = 3).     COUNT#, STATUS#: 0 = latch it.
//
// Status byte: |OUTPUT|NULL COUNT|RW1|RW0|M2|M1|M0|BCD|
//
// NMI_SC (port 0x61):
//  bit 0 TIM_CNT2_EN   GATE of counter 2                      read/write
//  bit 1 SPKR_DAT_EN   speaker = OUT2 AND this bit            read/write
//  bit 2 PCI_SERR_EN, bit 3 IOCHK_NMI_EN: stored and read back (NMI sources are not modelled)
//  bit 4 REF_TOGGLE    flips every 15.085 us of virtual time  read-only
//  bit 5 TMR2_OUT_STS  OUT of counter 2                       read-only
//  bits 6, 7           NMI source status: always 0 here       read-only
//
// Wiring on the PC: one 1.193182 MHz CLK for all three counters; GATE0 and GATE1 tied
// high, GATE2 from NMI_SC; OUT0 is IRQ0 (driven as a level, so an edge-triggered 8259A
// sees one request per rising edge); OUT1 would request DRAM refresh and goes nowhere.
//
// Time comes only from the VirtualClock. Counts are computed from it when read; the only
// events scheduled are OUT0's transitions. Counter timing lives in devices/pit8254_counter.h;
// this file is the register interface: CR bytes, latches, flip-flops, read-back.
#pragma once
#include <array>

#include "core/bus.h"
#include "core/counters.h"
#include "core/irq.h"
#include "core/virtual_clock.h"
#include "devices/pit8254_counter.h"

namespace vmlab {

class Pit8254 {
 public:
  static constexpr u16 kCounterPorts = 0x40;  // counters 0-2, then the control word register
  static constexpr u16 kControlWordPort = 0x43;
  static constexpr u16 kNmiScPort = 0x61;
  static constexpr u64 kRefreshToggleCycles = 15'085;  // 15.085 us at 1 cycle per ns

  // Control word fields.
  static constexpr u8 SC_READ_BACK = 3;
  static constexpr u8 RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_LSB_MSB = 3;
  static constexpr u8 CW_BCD = 0x01;
  // Read-back command bits.
  static constexpr u8 RB_COUNT_N = 0x20, RB_STATUS_N = 0x10, RB_CNT0 = 0x02;
  // Status byte bits (the low six are the channel's RW, M and BCD fields).
  static constexpr u8 STATUS_OUTPUT = 0x80, STATUS_NULL_COUNT = 0x40;
  // NMI_SC bits.
  static constexpr u8 NMI_SC_TIM_CNT2_EN = 0x01, NMI_SC_SPKR_DAT_EN = 0x02;
  static constexpr u8 NMI_SC_WRITABLE = 0x0F;
  static constexpr u8 NMI_SC_REF_TOGGLE = 0x10, NMI_SC_TMR2_OUT_STS = 0x20;

  // What a debug view shows of one counter.
  struct ChannelState {
    u8 mode;          // 0-5
    u8 rw;            // RW_LSB, RW_MSB or RW_LSB_MSB
    bool bcd;
    u32 reload;       // the count written (1..65536, or 1..10000 in BCD); 0 if none yet
    u32 count;        // the counting element now, as a number (0..65535 / 0..9999)
    bool out;
    bool gate;
    bool null_count;
  };

  // The queue must outlive the device (the destructor cancels the pending OUT0 event).
  Pit8254(const VirtualClock& clock, EventQueue& queue, IrqLine irq0, Counters& counters);
  ~Pit8254();
  Pit8254(const Pit8254&) = delete;
  Pit8254& operator=(const Pit8254&) = delete;

  // Claims ports 0x40-0x43 and 0x61 under the name "pit".
  void attach(Bus& bus);
  // Every counter as if programmed "LSB then MSB, mode 0, binary" with no count
  // written: stopped, OUT low (so IRQ0 low). GATE2, the speaker and NMI_SC bits 3..0 off.
  // The CLK epoch restarts at the current virtual time.
  void reset();

  void io(IoAccess& access);        // ports 0x40-0x43
  void io_nmi_sc(IoAccess& access); // port 0x61

  bool channel2_output() const;
  bool speaker_enabled() const { return m_nmi_sc & NMI_SC_SPKR_DAT_EN; }
  ChannelState channel_state(unsigned index) const;  // index 0..2

 private:
  // The register interface of one counter; timing is in `counter`.
  struct Channel {
    Pit8254Counter counter;
    u8 control = 0;               // RW1 RW0 M2 M1 M0 BCD as last programmed
    bool write_msb_next = false;  // write flip-flop (LSB-then-MSB counts)
    bool read_msb_next = false;   // read flip-flop, independent of the write one
    u8 cr_lsb = 0;                // first byte of a two-byte count
    bool count_latched = false;
    u16 ol = 0;                   // output latch, as the guest reads it (BCD if BCD)
    bool status_latched = false;
    u8 status = 0;
    u64* reloads = nullptr;       // counters: "pit.ch<N>.reloads"
  };

  u64 tick_now() const;
  u8 rw(const Channel& ch) const { return (ch.control >> 4) & 3; }
  u8 read_port(u16 port, u64 tick);
  void write_port(u16 port, u8 value, u64 tick);
  void write_control_word(u8 value, u64 tick);
  void read_back(u8 value, u64 tick);
  void latch_count(Channel& ch, u64 tick);
  void latch_status(Channel& ch, u64 tick);
  void write_count_byte(unsigned index, u8 value, u64 tick);
  u8 read_count_byte(Channel& ch, u64 tick);
  u16 guest_count(const Channel& ch, u64 tick) const;

  // IRQ0 follows OUT0: before a change to counter 0 deliver its transitions that are
  // already due, after it drive the new level and schedule the next transition.
  void before_change(unsigned index, u64 tick);
  void after_change(unsigned index, u64 tick);
  void out0_transition(u64 tick);
  void drive_irq0(bool level);

  const VirtualClock& m_clock;
  EventQueue& m_queue;
  IrqLine m_irq0;
  u64& m_irq0_edges;  // "pit.irq0_edges": rising edges of IRQ0
  u64 m_epoch = 0;    // cycle at which CLK edge 0 happened
  std::array<Channel, 3> m_channels;
  u8 m_nmi_sc = 0;    // NMI_SC bits 3..0 as written
  bool m_irq0_level = false;
  TimerId m_out0_event = 0;  // 0: none scheduled
  u64 m_out0_event_tick = 0;
};

}  // namespace vmlab
