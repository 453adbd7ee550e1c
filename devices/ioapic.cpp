#include "devices/ioapic.h"

#include <stdexcept>
#include <string>

namespace vmlab {

namespace {

DeliveryMode entry_mode(u64 entry) {
  return DeliveryMode((entry & IOREDTBL_DELMOD) >> IOREDTBL_DELMOD_SHIFT);
}

// Only Fixed and Lowest Priority can be level-triggered (datasheet 3.2.4, DELMOD).
bool level_triggered(u64 entry) {
  DeliveryMode mode = entry_mode(entry);
  bool fixed = mode == DeliveryMode::Fixed || mode == DeliveryMode::LowestPriority;
  return fixed && (entry & IOREDTBL_TRIGGER);
}

}  // namespace

Ioapic::Ioapic(u8 id, Counters& counters)
    : m_reset_id(id & 0xF),
      m_bad_accesses(counters.device("ioapic.bad_accesses")),
      m_reserved_mode(counters.device("ioapic.reserved_mode")) {
  for (unsigned pin = 0; pin < kPins; ++pin)
    m_deliveries[pin] = &counters.device("ioapic.pin" + std::to_string(pin) + ".deliveries");
  reset();
}

void Ioapic::attach(Bus& bus, u32 base) {
  bus.map_mmio(base, kWindowSize, "ioapic", [this](IoAccess& a) { mmio(a); });
}

void Ioapic::reset() {
  m_id = m_arb_id = m_reset_id;
  m_ioregsel = 0;
  m_redir.fill(IOREDTBL_MASK);
}

// Only aligned 32-bit accesses to IOREGSEL and IOWIN mean anything; the rest of the
// window reads 0 and ignores writes (counted: a guest bug worth seeing).
void Ioapic::mmio(IoAccess& a) {
  bool known = a.addr == IOREGSEL || a.addr == IOWIN;
  if (a.size != 4 || !known) {
    ++m_bad_accesses;
    if (!a.is_write) a.data = 0;
    return;
  }
  if (a.addr == IOREGSEL) {
    if (a.is_write) m_ioregsel = u8(a.data);
    else a.data = m_ioregsel;
    return;
  }
  if (a.is_write) write_register(m_ioregsel, a.data);
  else a.data = read_register(m_ioregsel);
}

// Unimplemented indexes read 0.
u32 Ioapic::read_register(u8 index) const {
  switch (index) {
    case IOAPICID: return u32(m_id) << 24;
    case IOAPICVER: return kVersion | u32(kPins - 1) << 16;
    case IOAPICARB: return u32(m_arb_id) << 24;
    default: break;
  }
  unsigned pin = (index - IOREDTBL0) / 2;
  if (index < IOREDTBL0 || pin >= kPins) return 0;
  u64 entry = m_redir[pin];
  return (index & 1) ? u32(entry >> 32) : u32(entry);
}

// Writing the ID also loads the arbitration ID (datasheet 3.2.3). Writes to
// read-only or unimplemented indexes are ignored.
void Ioapic::write_register(u8 index, u32 value) {
  if (index == IOAPICID) {
    m_id = m_arb_id = u8((value >> 24) & 0xF);
    return;
  }
  unsigned pin = (index - IOREDTBL0) / 2;
  if (index < IOREDTBL0 || pin >= kPins) return;
  u64 entry = m_redir[pin];
  if (index & 1) entry = (entry & 0xFFFFFFFFull) | (u64(value) << 32);
  else entry = (entry & ~0xFFFFFFFFull) | value;
  write_entry(pin, entry);
}

// Remote IRR and delivery status are read-only. Remote IRR is undefined for an
// edge-triggered entry, so it is cleared when an entry stops being level-triggered
// (operating systems switch an entry to edge and back to unstick it). Any change
// may have made an asserted level pin deliverable (unmask, polarity, trigger).
void Ioapic::write_entry(unsigned pin, u64 entry) {
  u64 updated = (entry & IOREDTBL_WRITABLE) | (m_redir[pin] & IOREDTBL_REMOTE_IRR);
  if (!level_triggered(updated)) updated &= ~IOREDTBL_REMOTE_IRR;
  m_redir[pin] = updated;
  check_level(pin);
}

bool Ioapic::asserted(unsigned pin) const {
  return m_level[pin] != bool(m_redir[pin] & IOREDTBL_INTPOL);
}

void Ioapic::set_irq(unsigned line, bool level) {
  if (line >= kPins) throw std::logic_error("I/O APIC has no pin " + std::to_string(line));
  bool was_asserted = asserted(line);
  m_level[line] = level;
  u64 entry = m_redir[line];
  if (entry & IOREDTBL_MASK) return;
  if (level_triggered(entry)) check_level(line);
  else if (asserted(line) && !was_asserted) deliver(line);
}

// A level-triggered pin sends one message per assertion cycle: Remote IRR holds it
// back until the local APIC's EOI.
void Ioapic::check_level(unsigned pin) {
  u64& entry = m_redir[pin];
  if (!level_triggered(entry) || (entry & (IOREDTBL_MASK | IOREDTBL_REMOTE_IRR))) return;
  if (!asserted(pin)) return;
  entry |= IOREDTBL_REMOTE_IRR;
  deliver(pin);
}

// The EOI message carries only the vector: every level entry with that vector and
// Remote IRR set is released (datasheet 3.2.4, Remote IRR).
void Ioapic::eoi(u8 vector) {
  for (unsigned pin = 0; pin < kPins; ++pin) {
    u64& entry = m_redir[pin];
    if ((entry & IOREDTBL_REMOTE_IRR) && (entry & IOREDTBL_INTVEC) == vector) {
      entry &= ~IOREDTBL_REMOTE_IRR;
      check_level(pin);
    }
  }
}

// Send the entry's message. Encodings 3 and 6 of DELMOD are reserved on the 82093AA:
// such an entry sends nothing.
void Ioapic::deliver(unsigned pin) {
  u64 entry = m_redir[pin];
  DeliveryMode mode = entry_mode(entry);
  if (u8(mode) == 3 || mode == DeliveryMode::StartUp) {
    ++m_reserved_mode;
    return;
  }
  ++*m_deliveries[pin];
  if (on_deliver) on_deliver(u8(entry & IOREDTBL_INTVEC), level_triggered(entry), mode);
}

}  // namespace vmlab
