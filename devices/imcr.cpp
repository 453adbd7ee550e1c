#include "devices/imcr.h"

namespace vmlab {

Imcr::Imcr(Counters& counters) : m_mode_changes(counters.device("imcr.mode_changes")) {}

void Imcr::attach(Bus& bus) {
  bus.map_ports(kSelectPort, 2, "imcr", [this](IoAccess& a) { io(a); });
}

void Imcr::reset() {
  bool was_apic = apic_mode();
  m_select = 0;
  m_imcr = 0;
  if (was_apic && on_change) on_change(false);
}

// The Bus hands a 2- or 4-byte access to the owner of its first port in one call;
// bytes beyond port 0x23 belong to nobody here and read as open bus.
void Imcr::io(IoAccess& a) {
  u32 data = 0;
  for (u32 i = 0; i < a.size; ++i) {
    u16 port = u16(a.addr + i);
    if (a.is_write) write_byte(port, u8(a.data >> (8 * i)));
    else data |= u32(read_byte(port)) << (8 * i);
  }
  if (!a.is_write) a.data = data;
}

u8 Imcr::read_byte(u16 port) const {
  if (port == kSelectPort) return m_select;
  if (port == kDataPort && m_select == kImcrIndex) return m_imcr;
  return 0xFF;
}

// Only bit 0 of the IMCR is defined; the other bits are kept at 0.
void Imcr::write_byte(u16 port, u8 value) {
  if (port == kSelectPort) {
    m_select = value;
    return;
  }
  if (port != kDataPort || m_select != kImcrIndex) return;
  bool was_apic = apic_mode();
  m_imcr = value & IMCR_APIC_MODE;
  if (apic_mode() == was_apic) return;
  ++m_mode_changes;
  if (on_change) on_change(apic_mode());
}

}  // namespace vmlab
