// A PS/2 (MF2) keyboard: the device at the far end of the i8042's keyboard port.
//
// The controller hands it every byte the CPU writes to port 0x60 that is not a
// controller-command parameter; its answers and its scan codes queue in its own
// 16-byte buffer until the controller takes them (only while the controller's output
// buffer is empty and the keyboard interface is enabled).
//
//   command              answer                  command              answer
//   FF reset             FA AA (self-test ok)    F2 identify          FA AB 83
//   FE resend            the last byte again     F0 n scan code set   FA, then FA (n = 1, 2)
//   F6 set defaults      FA                                           or FA set (n = 0)
//   F5 disable scanning  FA (and set defaults)   EE echo              EE
//   F4 enable scanning   FA (buffer cleared)     ED n set LEDs        FA, then FA
//   F7-FD set-3 key modes FA (accepted, no effect) F3 n typematic     FA, then FA
//   anything else        FE (resend)
//
// Where vmlab departs from (or has to choose for) the specification:
//  - Answers come at once: the self-test takes no time, and there is no typematic
//    repeat (the host sends explicit make and break codes).
//  - Scan code sets 1 and 2 are supported; asking for set 3 answers FE.
//  - A parameter that is not valid for the command waiting for it (ED with bits 7-3
//    set, F3 with bit 7 set, F0 with a value of ED or above) is taken as a new
//    command, as keyboards do when a driver gives up on a half-sent command.
//  - When the buffer fills, its last byte becomes the overrun code (00 in set 2, FF in
//    set 1) and later key codes are dropped; answers to commands are dropped too, so a
//    guest that never reads cannot grow the buffer.
#pragma once
#include <cstddef>
#include <deque>

#include "core/types.h"

namespace vmlab {

class Ps2Keyboard {
 public:
  static constexpr u8 KBD_ACK = 0xFA, KBD_RESEND = 0xFE, KBD_BAT_OK = 0xAA, KBD_ECHO = 0xEE;
  static constexpr u8 KBD_ID_1 = 0xAB, KBD_ID_2 = 0x83;
  static constexpr u8 KBD_CMD_SET_LEDS = 0xED, KBD_CMD_ECHO = 0xEE, KBD_CMD_SCANCODE_SET = 0xF0,
                      KBD_CMD_IDENTIFY = 0xF2, KBD_CMD_TYPEMATIC = 0xF3, KBD_CMD_ENABLE = 0xF4,
                      KBD_CMD_DISABLE = 0xF5, KBD_CMD_DEFAULTS = 0xF6, KBD_CMD_RESEND = 0xFE,
                      KBD_CMD_RESET = 0xFF;
  static constexpr std::size_t kBufferSize = 16;
  static constexpr u8 kDefaultTypematic = 0x2B;  // 10.9 characters/s after 500 ms

  Ps2Keyboard() { reset(); }

  // Power-on state, self-test passed and reported long ago: set 2, scanning, LEDs off.
  void reset();
  // A byte from the controller (a command or a command's parameter).
  void receive(u8 byte);
  // The host typed: one set-1 byte (make, break = make | 0x80, or an E0/E1 prefix),
  // sent in the scan code set the keyboard is in. Ignored while scanning is off.
  void key(u8 set1_code);

  bool has_output() const { return !m_output.empty(); }
  u8 pop_output();

  u8 leds() const { return m_leds; }
  u8 scancode_set() const { return m_set; }
  bool scanning() const { return m_scanning; }
  u8 typematic() const { return m_typematic; }
  std::size_t buffered() const { return m_output.size(); }

 private:
  void command(u8 byte);
  bool parameter(u8 command, u8 byte);
  void answer(u8 byte);
  void send_key_byte(u8 byte);
  void set_defaults();

  std::deque<u8> m_output;
  u8 m_waiting_command = 0;  // ED, F0 or F3 while its parameter is due, else 0
  u8 m_last_sent = 0;        // for resend
  u8 m_set = 2;
  bool m_scanning = true;
  u8 m_leds = 0;
  u8 m_typematic = kDefaultTypematic;
};

}  // namespace vmlab
