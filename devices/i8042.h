// The 8042 keyboard controller of the PC/AT, with a PS/2 keyboard on its keyboard port.
//
//   port 0x60  read: output buffer (clears OBF)   write: data (a command's parameter,
//                                                 else a byte for the keyboard)
//   port 0x64  read: status register              write: controller command
//
//   status   7 PARITY  6 TIMEOUT  5 AUXB  4 INH  3 A2  2 SYS  1 IBF  0 OBF
//   command byte (controller RAM byte 0)
//            6 XLAT  5 DISABLE_AUX  4 DISABLE_KBD  3 OVR  2 SYS  1 INT2  0 INT
//   output port
//            7 KBD_DATA  6 KBD_CLOCK  5 IRQ12  4 IRQ1  1 A20  0 RESET (active low)
//
//   command        action                          command   action
//   20-3F          read controller RAM 0-1F        AD / AE   disable / enable keyboard
//   60-7F n        write controller RAM 0-1F       D0        read output port
//   AA             self-test: answers 55, SYS=1    D1 n      write output port
//   AB             keyboard interface test: 00     D2 n      n appears as keyboard data
//   A7 A8 A9 D3 D4 auxiliary (mouse) port: absent  DD / DF   A20 off / on
//   F0-FF          pulse output port bits 3-0 low where the command has a 0: FE resets
//
// IRQ1 is OBF while command byte bit 0 (INT) is set; reading port 0x60 drops it, and a
// byte queued behind rises it again (a new edge). With XLAT set, keyboard bytes pass
// through the set-2-to-set-1 translation (devices/scancode_translation.h).
//
// Where vmlab departs from (or has to choose for) the hardware:
//  - reset() leaves the state a PC BIOS leaves after POST, because vmlab boots kernels
//    without one: command byte 0x45 (INT, SYS, XLAT), SYS = 1, keyboard enabled and
//    scanning in set 2, output port 0xCF (A20 on, reset line released). reset() calls no
//    callback; the Machine sets its own A20 state at reset.
//  - Commands and data take effect at once: IBF never reads 1 and nothing times out.
//  - A command that answers overwrites the output buffer, so a byte the CPU had not yet
//    read is lost; this is what the 8042 does and why drivers disable the keyboard or
//    flush before such commands. Bytes still inside the keyboard are not lost.
//  - A command written while another waits for its parameter replaces it.
//  - Writing a byte for the keyboard re-enables the keyboard interface (clears
//    DISABLE_KBD), as AMI-style controllers do, so the keyboard's answer can arrive.
//  - The auxiliary port is reported absent: A7/A8 leave command byte bit 5 alone,
//    A9 answers 02 (clock line stuck high), D3/D4 swallow their parameter and nothing
//    answers. Software such as Linux's i8042 driver then registers no mouse port.
//  - Unknown commands (C0 read input port among them) are ignored.
//  - on_reset is called from inside the port write. The Machine should latch the request
//    and reset after the instruction completes; the device touches no state afterwards.
//  - Wide accesses are split into byte cycles; only the byte at 0x60 or 0x64 is ours,
//    the others read 0xFF and their writes are dropped.
#pragma once
#include <array>
#include <functional>

#include "core/irq.h"
#include "devices/ps2_keyboard.h"

namespace vmlab {

class Bus;
struct Counters;
struct IoAccess;

class I8042 {
 public:
  static constexpr u16 kDataPort = 0x60, kStatusPort = 0x64;
  static constexpr unsigned kIrq = 1;

  static constexpr u8 STATUS_OBF = 0x01, STATUS_IBF = 0x02, STATUS_SYS = 0x04, STATUS_A2 = 0x08,
                      STATUS_INH = 0x10, STATUS_AUXB = 0x20, STATUS_TIMEOUT = 0x40,
                      STATUS_PARITY = 0x80;
  static constexpr u8 CCB_INT = 0x01, CCB_INT2 = 0x02, CCB_SYS = 0x04, CCB_OVR = 0x08,
                      CCB_DISABLE_KBD = 0x10, CCB_DISABLE_AUX = 0x20, CCB_XLAT = 0x40;
  static constexpr u8 OUT_RESET = 0x01, OUT_A20 = 0x02, OUT_IRQ1 = 0x10, OUT_IRQ12 = 0x20,
                      OUT_KBD_CLOCK = 0x40, OUT_KBD_DATA = 0x80;

  static constexpr u8 CMD_READ_RAM = 0x20, CMD_WRITE_RAM = 0x60, CMD_DISABLE_AUX = 0xA7,
                      CMD_ENABLE_AUX = 0xA8, CMD_TEST_AUX = 0xA9, CMD_SELF_TEST = 0xAA,
                      CMD_TEST_KBD = 0xAB, CMD_DISABLE_KBD = 0xAD, CMD_ENABLE_KBD = 0xAE,
                      CMD_READ_OUTPUT = 0xD0, CMD_WRITE_OUTPUT = 0xD1, CMD_WRITE_KBD_OB = 0xD2,
                      CMD_WRITE_AUX_OB = 0xD3, CMD_WRITE_AUX = 0xD4, CMD_A20_OFF = 0xDD,
                      CMD_A20_ON = 0xDF, CMD_PULSE = 0xF0;
  static constexpr u8 kSelfTestOk = 0x55, kInterfaceOk = 0x00, kAuxClockStuckHigh = 0x02;
  static constexpr u8 kPostCommandByte = CCB_INT | CCB_SYS | CCB_XLAT;
  static constexpr u8 kPostOutputPort = 0xCF;

  I8042(IrqLine irq1, Counters& counters);
  void attach(Bus& bus);
  void reset();
  void io(IoAccess& access);

  // The host pressed or released a key: one set-1 byte, as the CPU sees it with
  // translation on (make, make | 0x80 for break, E0/E1 prefixes one call each).
  void key(u8 set1_scancode);

  std::function<void(bool)> on_a20;  // the A20 gate bit of the output port changed
  std::function<void()> on_reset;    // the CPU reset line was pulsed

  // Debug views.
  u8 status() const;
  u8 command_byte() const { return m_ram[0]; }
  u8 output_port() const { return m_output_port; }
  bool a20() const { return m_output_port & OUT_A20; }
  bool irq_asserted() const { return m_irq_level; }
  const Ps2Keyboard& keyboard() const { return m_keyboard; }

 private:
  u8 read_data();
  void write_data(u8 value);
  void write_command(u8 command);
  void finish_command(u8 command, u8 parameter);
  void answer(u8 value);
  void pump();
  void update_irq();
  u8 read_output_port() const;
  void write_output_port(u8 value);
  void set_a20(bool on);
  void pulse_reset();

  IrqLine m_irq;
  u64& m_keys;
  u64& m_resets;
  Ps2Keyboard m_keyboard;
  std::array<u8, 32> m_ram{};  // byte 0 is the command byte
  u8 m_output_port = kPostOutputPort;
  u8 m_output_buffer = 0;
  bool m_obf = false;
  bool m_a2 = false;   // last write went to port 0x64
  bool m_sys = true;   // status SYS
  u8 m_waiting_command = 0;  // a command whose parameter is due on port 0x60, else 0
  bool m_xlat_break = false;  // translation swallowed an F0
  bool m_irq_level = false;
};

}  // namespace vmlab
