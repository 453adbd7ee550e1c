// The chipset's small system ports: system control port A (0x92), the POST diagnostic
// port (0x80) and a test device for guest self-checks (0xE0-0xE7).
//
//   port 0x92 (PS/2 "system control port A", PIIX "port 92")
//     bit 1 ALT_A20_GATE  1 = A20 enabled; reads back
//     bit 0 INIT_NOW      a 0 -> 1 transition resets the CPU (fast reset); reads back
//     bits 7-2            read 0 (the PS/2 fixed-disk LEDs and password lock are absent)
//
//   port 0x80  POST code: firmware writes its progress here (a "POST card" shows it).
//              Linux also writes it as an I/O delay. Reads return the last value written.
//
//   port 0xE0  echo: reads return the last value written to it, at any access size
//              (a 1-byte write leaves a 1-byte value). 0xE1-0xE7 read 0, writes dropped.
//              A guest can check that port I/O of each width reaches the device and back.
//
// The A20 gate seen by the CPU is this bit OR the i8042's output-port bit: the chipset
// combines them, so the Machine does too. Reset is asked for through on_reset from
// inside the port write; the Machine should latch it and reset after the instruction.
// reset() calls no callback and clears port 0x92 to 0 (A20 bit off, as the PIIX after
// reset) and the echo value; the POST code lives in Counters and is left alone.
#pragma once
#include <functional>

#include "core/types.h"

namespace vmlab {

class Bus;
struct Counters;
struct IoAccess;

class SystemPorts {
 public:
  static constexpr u16 kPort92 = 0x92, kPostPort = 0x80, kTestDevBase = 0xE0;
  static constexpr u32 kTestDevCount = 8;
  static constexpr u8 PORT92_INIT_NOW = 0x01, PORT92_ALT_A20_GATE = 0x02;

  explicit SystemPorts(Counters& counters);
  void attach(Bus& bus);
  void reset();

  void port92_io(IoAccess& access);
  void post_io(IoAccess& access);
  void testdev_io(IoAccess& access);

  std::function<void(bool)> on_a20;  // ALT_A20_GATE changed
  std::function<void()> on_reset;    // INIT_NOW went from 0 to 1

  // Debug views.
  u8 port92() const { return m_port92; }
  bool a20() const { return m_port92 & PORT92_ALT_A20_GATE; }
  u8 post_code() const;
  u32 echo() const { return m_echo; }

 private:
  Counters& m_counters;
  u64& m_post_writes;
  u64& m_fast_resets;
  u8 m_port92 = 0;
  u32 m_echo = 0;
};

}  // namespace vmlab
