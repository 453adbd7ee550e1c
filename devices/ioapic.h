// The I/O APIC: an Intel 82093AA with 24 interrupt pins (82093AA datasheet, 1996).
//
// Two registers in memory: IOREGSEL (offset 0x00) selects an internal register and
// IOWIN (offset 0x10) reads or writes it, as aligned 32-bit accesses.
//
//   index       register
//   0x00        IOAPICID    bits 27:24 ID
//   0x01        IOAPICVER   bits 7:0 version 0x11, bits 23:16 max redirection entry 23
//   0x02        IOAPICARB   bits 27:24 arbitration ID (loaded from the ID on writes)
//   0x10+2n     IOREDTBLn   bits 31:0 of redirection entry n
//   0x11+2n                 bits 63:32
//
// Redirection entry (datasheet 3.2.4):
//
//   63      56 55        17 16 15 14 13 12 11 10   8 7        0
//   +--------+------------+--+--+--+--+--+--+------+----------+
//   |  dest  |  reserved  |IM|TM|RI|IP|DS|DM|DELMOD|  INTVEC  |
//   +--------+------------+--+--+--+--+--+--+------+----------+
//   IM interrupt mask, TM trigger mode (1 level), RI Remote IRR (read-only), IP input
//   polarity (1 active low), DS delivery status (read-only), DM destination mode.
//
// Pins and delivery. set_irq(pin, level) drives a pin. An edge-triggered pin delivers
// on the asserting edge; a level-triggered pin delivers while asserted unless Remote
// IRR is set, sets Remote IRR on delivery, and delivers again after the EOI of its
// vector (eoi()) clears Remote IRR while the pin is still asserted. Masked pins
// deliver nothing (an edge on a masked pin is lost); unmasking an asserted
// level-triggered pin delivers. NMI, SMI, INIT and ExtINT entries are always treated
// as edge-triggered, as the datasheet requires them to be programmed.
//
// Destination. With one CPU, every message goes to that CPU whatever the destination
// fields say: on_deliver carries no destination. The SMP issue adds routing.
// Delivery is immediate, so delivery status always reads 0 (idle).
#pragma once
#include <array>
#include <functional>

#include "core/bus.h"
#include "core/counters.h"
#include "core/irq.h"
#include "core/types.h"
#include "devices/apic_delivery.h"

namespace vmlab {

// Register indexes (IOREGSEL values).
constexpr u8 IOAPICID = 0x00;
constexpr u8 IOAPICVER = 0x01;
constexpr u8 IOAPICARB = 0x02;
constexpr u8 IOREDTBL0 = 0x10;

// Redirection entry bits.
constexpr u64 IOREDTBL_INTVEC = 0xFF;
constexpr u32 IOREDTBL_DELMOD_SHIFT = 8;
constexpr u64 IOREDTBL_DELMOD = 7ull << IOREDTBL_DELMOD_SHIFT;
constexpr u64 IOREDTBL_DESTMOD = 1ull << 11;
constexpr u64 IOREDTBL_DELIVS = 1ull << 12;
constexpr u64 IOREDTBL_INTPOL = 1ull << 13;
constexpr u64 IOREDTBL_REMOTE_IRR = 1ull << 14;
constexpr u64 IOREDTBL_TRIGGER = 1ull << 15;
constexpr u64 IOREDTBL_MASK = 1ull << 16;
constexpr u32 IOREDTBL_DEST_SHIFT = 56;
constexpr u64 IOREDTBL_WRITABLE = IOREDTBL_INTVEC | IOREDTBL_DELMOD | IOREDTBL_DESTMOD |
                                  IOREDTBL_INTPOL | IOREDTBL_TRIGGER | IOREDTBL_MASK |
                                  (0xFFull << IOREDTBL_DEST_SHIFT);

class Ioapic : public IrqSink {
 public:
  static constexpr u32 kBase = 0xFEC00000;
  static constexpr u32 kWindowSize = 0x1000;
  static constexpr u32 IOREGSEL = 0x00;  // MMIO offsets
  static constexpr u32 IOWIN = 0x10;
  static constexpr unsigned kPins = 24;
  static constexpr u8 kVersion = 0x11;

  using DeliverFn = std::function<void(u8 vector, bool level, DeliveryMode mode)>;

  // `id` is the IOAPICID a BIOS would have programmed (the chip resets it to 0, but
  // vmlab's firmware runs no code to program it); reset() restores it, so the MP
  // table can name it.
  Ioapic(u8 id, Counters& counters);

  void attach(Bus& bus, u32 base = kBase);
  // All entries masked, Remote IRR clear, IOREGSEL 0. Pin levels are kept: they are
  // driven from outside.
  void reset();
  void mmio(IoAccess& access);

  // IrqSink: drive pin `line` (0-23). A larger number is a wiring bug: logic_error.
  void set_irq(unsigned line, bool level) override;
  // The local APIC retired level-triggered `vector` (LocalApic::on_eoi).
  void eoi(u8 vector);

  // Where messages go; the Machine connects it to LocalApic::deliver.
  DeliverFn on_deliver;

  // Views for debuggers and tests.
  u64 redirection_entry(unsigned pin) const { return m_redir.at(pin); }
  bool pin_level(unsigned pin) const { return m_level.at(pin); }
  u8 id() const { return m_id; }

 private:
  u32 read_register(u8 index) const;
  void write_register(u8 index, u32 value);
  void write_entry(unsigned pin, u64 entry);
  bool asserted(unsigned pin) const;
  void check_level(unsigned pin);
  void deliver(unsigned pin);

  const u8 m_reset_id;
  u8 m_id = 0, m_arb_id = 0;
  u8 m_ioregsel = 0;
  std::array<u64, kPins> m_redir{};
  std::array<bool, kPins> m_level{};
  std::array<u64*, kPins> m_deliveries{};  // "ioapic.pin<N>.deliveries"
  u64& m_bad_accesses;
  u64& m_reserved_mode;
};

}  // namespace vmlab
