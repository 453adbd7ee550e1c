#include "devices/ps2_keyboard.h"

#include "devices/scancode_translation.h"

namespace vmlab {

void Ps2Keyboard::reset() {
  m_output.clear();
  m_waiting_command = 0;
  m_last_sent = 0;
  m_scanning = true;
  m_leds = 0;
  set_defaults();
}

void Ps2Keyboard::set_defaults() {
  m_set = 2;
  m_typematic = kDefaultTypematic;
}

u8 Ps2Keyboard::pop_output() {
  if (m_output.empty()) return m_last_sent;
  m_last_sent = m_output.front();
  m_output.pop_front();
  return m_last_sent;
}

void Ps2Keyboard::receive(u8 byte) {
  if (m_waiting_command != 0) {
    u8 waiting = m_waiting_command;
    m_waiting_command = 0;
    if (parameter(waiting, byte)) return;
  }
  command(byte);
}

// Returns false when `byte` is not a parameter for `waiting` but a new command.
bool Ps2Keyboard::parameter(u8 waiting, u8 byte) {
  switch (waiting) {
    case KBD_CMD_SET_LEDS:
      if (byte & 0xF8) return false;
      m_leds = byte;  // bit 0 Scroll Lock, bit 1 Num Lock, bit 2 Caps Lock
      answer(KBD_ACK);
      return true;
    case KBD_CMD_TYPEMATIC:
      if (byte & 0x80) return false;
      m_typematic = byte;
      answer(KBD_ACK);
      return true;
    default:  // KBD_CMD_SCANCODE_SET
      if (byte >= KBD_CMD_SET_LEDS) return false;
      if (byte == 0) {
        answer(KBD_ACK);
        answer(m_set);
      } else if (byte <= 2) {
        m_set = byte;
        answer(KBD_ACK);
      } else {
        answer(KBD_RESEND);  // set 3 and beyond: not supported
      }
      return true;
  }
}

void Ps2Keyboard::command(u8 byte) {
  switch (byte) {
    case KBD_CMD_SET_LEDS:
    case KBD_CMD_SCANCODE_SET:
    case KBD_CMD_TYPEMATIC:
      answer(KBD_ACK);
      m_waiting_command = byte;
      return;
    case KBD_CMD_ECHO: answer(KBD_ECHO); return;
    case KBD_CMD_IDENTIFY:
      answer(KBD_ACK);
      answer(KBD_ID_1);
      answer(KBD_ID_2);
      return;
    case KBD_CMD_ENABLE:
      m_output.clear();
      m_scanning = true;
      answer(KBD_ACK);
      return;
    case KBD_CMD_DISABLE:
    case KBD_CMD_DEFAULTS:
      m_output.clear();
      set_defaults();
      if (byte == KBD_CMD_DISABLE) m_scanning = false;
      answer(KBD_ACK);
      return;
    case KBD_CMD_RESEND: answer(m_last_sent); return;
    case KBD_CMD_RESET:
      reset();
      answer(KBD_ACK);
      answer(KBD_BAT_OK);
      return;
    default:
      if (byte >= 0xF7 && byte <= 0xFD) answer(KBD_ACK);
      else answer(KBD_RESEND);
      return;
  }
}

void Ps2Keyboard::answer(u8 byte) {
  if (m_output.size() < kBufferSize) m_output.push_back(byte);
}

// The last free slot is kept for the overrun code, which then stays until read.
void Ps2Keyboard::send_key_byte(u8 byte) {
  if (m_output.size() >= kBufferSize) return;
  if (m_output.size() == kBufferSize - 1) byte = m_set == 1 ? 0xFF : 0x00;
  m_output.push_back(byte);
}

// Set 1 goes out as typed. For set 2 a release becomes F0 + make code; prefixes pass.
void Ps2Keyboard::key(u8 set1_code) {
  if (!m_scanning) return;
  if (m_set == 1 || set1_code == 0xE0 || set1_code == 0xE1) {
    send_key_byte(set1_code);
    return;
  }
  u8 set2 = set1_to_set2(set1_code & 0x7F);
  if (set2 == 0) return;  // no such key on this keyboard
  if (set1_code & 0x80) send_key_byte(0xF0);
  send_key_byte(set2);
}

}  // namespace vmlab
