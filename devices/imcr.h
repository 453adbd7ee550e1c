// The IMCR (Interrupt Mode Configuration Register) of the MultiProcessor Specification
// 1.4, section 3.6.2.1: the switch between PIC mode and symmetric I/O mode.
//
//   port 0x22  select: write 0x70 to select the IMCR
//   port 0x23  data:   bit 0 of the IMCR
//              0 (reset) PIC mode: the 8259A's INTR and the NMI go straight to the CPU
//              1         symmetric I/O (APIC) mode: they go through the local APIC
//
// The device only holds the bit; the Machine's interrupt fabric reads apic_mode()
// (or listens to on_change) to route the 8259A's INTR to the CPU or to LINT0.
// Reads of port 0x23 with another register selected return 0xFF (nothing answers);
// writes to it are dropped. A wider access is taken byte by byte, as the ISA bus
// would split it.
#pragma once
#include <functional>

#include "core/bus.h"
#include "core/counters.h"
#include "core/types.h"

namespace vmlab {

class Imcr {
 public:
  static constexpr u16 kSelectPort = 0x22;
  static constexpr u16 kDataPort = 0x23;
  static constexpr u8 kImcrIndex = 0x70;
  static constexpr u8 IMCR_APIC_MODE = 0x01;

  explicit Imcr(Counters& counters);
  void attach(Bus& bus);
  // PIC mode, nothing selected.
  void reset();
  void io(IoAccess& access);

  bool apic_mode() const { return m_imcr & IMCR_APIC_MODE; }
  // Called with the new mode each time the mode changes.
  std::function<void(bool apic_mode)> on_change;

 private:
  u8 read_byte(u16 port) const;
  void write_byte(u16 port, u8 value);

  u8 m_select = 0;
  u8 m_imcr = 0;
  u64& m_mode_changes;
};

}  // namespace vmlab
