#include "devices/serial_port.h"

namespace vmlab {

void SerialPort::attach(Bus& bus, u16 base) {
  bus.map_ports(base, 8, "com1", [this](IoAccess& a) { io(a); });
}

void SerialPort::reset() {
  m_ier = m_lcr = m_mcr = m_scr = m_fcr = 0;
  m_dll = 0x0C;
  m_dlm = 0;
}

void SerialPort::io(IoAccess& a) {
  bool dlab = m_lcr & 0x80;
  u8 reg = a.addr & 7;
  if (a.is_write) {
    u8 v = u8(a.data);
    switch (reg) {
      case 0:
        if (dlab) m_dll = v;
        else if (m_output && !(m_mcr & 0x10)) m_output(v);  // MCR bit 4: loopback
        break;
      case 1:
        if (dlab) m_dlm = v;
        else m_ier = v & 0x0F;
        break;
      case 2: m_fcr = v; break;
      case 3: m_lcr = v; break;
      case 4: m_mcr = v & 0x1F; break;
      case 7: m_scr = v; break;
      default: break;  // LSR and MSR are read-only
    }
    return;
  }
  switch (reg) {
    case 0: a.data = dlab ? m_dll : 0; break;
    case 1: a.data = dlab ? m_dlm : m_ier; break;
    case 2: a.data = (m_fcr & 1) ? 0xC1 : 0x01; break;  // no interrupt pending
    case 3: a.data = m_lcr; break;
    case 4: a.data = m_mcr; break;
    case 5: a.data = LSR_THRE | LSR_TEMT; break;
    case 6: a.data = 0xB0; break;  // CTS DSR DCD: a terminal is connected
    default: a.data = m_scr; break;
  }
}

}  // namespace vmlab
