#include "devices/i8042.h"

#include "core/bus.h"
#include "core/counters.h"
#include "devices/scancode_translation.h"

namespace vmlab {

I8042::I8042(IrqLine irq1, Counters& counters)
    : m_irq(irq1),
      m_keys(counters.device("i8042.keys")),
      m_resets(counters.device("i8042.resets")) {
  reset();
}

void I8042::attach(Bus& bus) {
  bus.map_ports(kDataPort, 1, "i8042", [this](IoAccess& a) { io(a); });
  bus.map_ports(kStatusPort, 1, "i8042", [this](IoAccess& a) { io(a); });
}

void I8042::reset() {
  m_ram.fill(0);
  m_ram[0] = kPostCommandByte;
  m_output_port = kPostOutputPort;
  m_output_buffer = 0;
  m_obf = false;
  m_a2 = false;
  m_sys = true;
  m_waiting_command = 0;
  m_xlat_break = false;
  m_keyboard.reset();
  update_irq();
}

// Only the first byte of a wide access is at one of our ports (both are single ports).
void I8042::io(IoAccess& a) {
  bool data_port = a.addr == kDataPort;
  if (a.is_write) {
    u8 value = u8(a.data);
    if (data_port) write_data(value);
    else write_command(value);
    return;
  }
  u8 value = data_port ? read_data() : status();
  a.data = 0xFFFFFF00u | value;  // the Bus masks to the access size
}

void I8042::key(u8 set1_scancode) {
  ++m_keys;
  m_keyboard.key(set1_scancode);
  pump();
}

// INH reads 1: the keylock is in the unlocked position. IBF never shows (see header).
u8 I8042::status() const {
  return u8((m_obf ? STATUS_OBF : 0) | (m_sys ? STATUS_SYS : 0) | (m_a2 ? STATUS_A2 : 0) |
            STATUS_INH);
}

// An empty output buffer still reads its last byte, as the latch does on the chip.
u8 I8042::read_data() {
  u8 value = m_output_buffer;
  if (m_obf) {
    m_obf = false;
    update_irq();
    pump();
  }
  return value;
}

void I8042::write_data(u8 value) {
  m_a2 = false;
  if (m_waiting_command != 0) {
    u8 waiting = m_waiting_command;
    m_waiting_command = 0;
    finish_command(waiting, value);
    return;
  }
  m_ram[0] &= u8(~CCB_DISABLE_KBD);
  m_keyboard.receive(value);
  pump();
}

// Each case is one controller command; see the table in the header.
void I8042::write_command(u8 command) {
  m_a2 = true;
  m_waiting_command = 0;
  if (command >= CMD_READ_RAM && command < CMD_READ_RAM + 0x20) {
    answer(m_ram[command - CMD_READ_RAM]);
    return;
  }
  if (command >= CMD_PULSE) {
    if (!(command & OUT_RESET)) pulse_reset();
    return;
  }
  switch (command) {
    case CMD_WRITE_OUTPUT:
    case CMD_WRITE_KBD_OB:
    case CMD_WRITE_AUX_OB:
    case CMD_WRITE_AUX: m_waiting_command = command; return;
    case CMD_TEST_AUX: answer(kAuxClockStuckHigh); return;
    case CMD_SELF_TEST:
      m_sys = true;
      answer(kSelfTestOk);
      return;
    case CMD_TEST_KBD: answer(kInterfaceOk); return;
    case CMD_DISABLE_KBD: m_ram[0] |= CCB_DISABLE_KBD; return;
    case CMD_ENABLE_KBD:
      m_ram[0] &= u8(~CCB_DISABLE_KBD);
      pump();
      return;
    case CMD_READ_OUTPUT: answer(read_output_port()); return;
    case CMD_A20_OFF: set_a20(false); return;
    case CMD_A20_ON: set_a20(true); return;
    default:
      if (command >= CMD_WRITE_RAM && command < CMD_WRITE_RAM + 0x20) m_waiting_command = command;
      return;  // A7, A8 (no auxiliary port) and unknown commands do nothing
  }
}

void I8042::finish_command(u8 command, u8 parameter) {
  switch (command) {
    case CMD_WRITE_OUTPUT: write_output_port(parameter); return;
    case CMD_WRITE_KBD_OB: answer(parameter); return;
    case CMD_WRITE_AUX_OB:
    case CMD_WRITE_AUX: return;  // no auxiliary device to receive it
    default: break;
  }
  m_ram[command - CMD_WRITE_RAM] = parameter;
  if (command == CMD_WRITE_RAM) {
    m_sys = parameter & CCB_SYS;
    m_xlat_break = false;
    update_irq();
    pump();
  }
}

// The controller's own answers go straight into the output buffer (see header).
void I8042::answer(u8 value) {
  m_output_buffer = value;
  m_obf = true;
  update_irq();
}

// Move the keyboard's next byte into an empty output buffer, translating it when
// XLAT is set. A translated F0 produces nothing itself; it marks the next byte.
void I8042::pump() {
  if (m_obf || (m_ram[0] & CCB_DISABLE_KBD)) return;
  while (m_keyboard.has_output()) {
    u8 byte = m_keyboard.pop_output();
    if (m_ram[0] & CCB_XLAT) {
      if (byte == 0xF0) {
        m_xlat_break = true;
        continue;
      }
      byte = u8(translate_set2_to_set1(byte) | (m_xlat_break ? 0x80 : 0));
      m_xlat_break = false;
    }
    answer(byte);
    return;
  }
}

void I8042::update_irq() {
  bool level = m_obf && (m_ram[0] & CCB_INT);
  if (level == m_irq_level) return;
  m_irq_level = level;
  m_irq.set(level);
}

// Bits 4 and 5 are the interrupt outputs, driven from the output buffer state.
u8 I8042::read_output_port() const {
  return u8((m_output_port & ~(OUT_IRQ1 | OUT_IRQ12)) | (m_irq_level ? OUT_IRQ1 : 0));
}

// The A20 change is reported before the reset, so a Machine that resets sees the
// gate as the guest left it. The reset pulse ends with the reset it causes.
void I8042::write_output_port(u8 value) {
  set_a20(value & OUT_A20);
  m_output_port = u8(value | OUT_RESET);
  if (!(value & OUT_RESET)) pulse_reset();
}

void I8042::set_a20(bool on) {
  u8 port = on ? u8(m_output_port | OUT_A20) : u8(m_output_port & ~OUT_A20);
  if (port == m_output_port) return;
  m_output_port = port;
  if (on_a20) on_a20(on);
}

void I8042::pulse_reset() {
  ++m_resets;
  if (on_reset) on_reset();
}

}  // namespace vmlab
