#include "devices/pci_function.h"

#include <bit>
#include <stdexcept>
#include <string>

namespace vmlab {

namespace {

// Status bits a guest clears by writing 1: the error bits. The rest of Status is
// read-only (it reports what the function is and what it is doing).
constexpr u16 kStatusWriteOneClears =
    PCI_STATUS_MASTER_DATA_PARITY_ERROR | PCI_STATUS_SIGNALED_TARGET_ABORT |
    PCI_STATUS_RECEIVED_TARGET_ABORT | PCI_STATUS_RECEIVED_MASTER_ABORT |
    PCI_STATUS_SIGNALED_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY_ERROR;

u32 bar_offset(unsigned bar) {
  if (bar >= PciFunction::kBarCount) throw std::logic_error("PCI BAR index " + std::to_string(bar));
  return PCI_BAR0 + 4 * bar;
}

}  // namespace

// Identification is read-only; Cache Line Size, Latency Timer and Interrupt Line are
// plain read/write storage for firmware; everything else starts read-only zero until
// the device defines it.
PciFunction::PciFunction(const PciIdentity& id) {
  define_register(PCI_VENDOR_ID, 2, id.vendor_id, 0);
  define_register(PCI_DEVICE_ID, 2, id.device_id, 0);
  define_register(PCI_STATUS, 2, 0, 0, kStatusWriteOneClears);
  define_register(PCI_REVISION_ID, 1, id.revision_id, 0);
  u32 class_code = u32(id.base_class) << 16 | u32(id.sub_class) << 8 | id.prog_if;
  define_register(PCI_CLASS_CODE, 3, class_code, 0);
  define_register(PCI_CACHE_LINE_SIZE, 1, 0, 0xFF);
  define_register(PCI_LATENCY_TIMER, 1, 0, 0xFF);
  define_register(PCI_SUBSYSTEM_VENDOR_ID, 2, id.subsystem_vendor_id, 0);
  define_register(PCI_SUBSYSTEM_ID, 2, id.subsystem_id, 0);
  define_register(PCI_INTERRUPT_LINE, 1, 0, 0xFF);
}

u32 PciFunction::config_read(u32 offset, unsigned size) { return read_le(offset, size); }

void PciFunction::config_write(u32 offset, u32 value, unsigned size) {
  if (offset >= kConfigSize) return;
  unsigned landed = 0;
  for (unsigned i = 0; i < size && i < 4 && offset + i < kConfigSize; ++i, ++landed) {
    u32 at = offset + i;
    u8 byte = u8(value >> (8 * i));
    m_config[at] = u8((m_config[at] & ~m_writable[at]) | (byte & m_writable[at]));
    m_config[at] &= u8(~(byte & m_write_one_clears[at]));
  }
  if (landed) on_config_write(offset, landed);
}

void PciFunction::reset() { m_config = m_power_on; }

u32 PciFunction::bar_address(unsigned bar) const {
  u32 offset = bar_offset(bar);
  u32 raw = read_le(offset, 4);
  return (raw & PCI_BAR_IO_SPACE) ? raw & ~0x3u : raw & ~0xFu;
}

void PciFunction::set_multifunction() {
  m_config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTIFUNCTION;
  m_power_on[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTIFUNCTION;
}

void PciFunction::define_register(u32 offset, unsigned size, u32 value, u32 writable,
                                  u32 write_one_clears) {
  if (size < 1 || size > 4 || u64{offset} + size > kConfigSize)
    throw std::logic_error("PCI config register outside the 256-byte space");
  write_le(m_config, offset, size, value);
  write_le(m_power_on, offset, size, value);
  write_le(m_writable, offset, size, writable);
  write_le(m_write_one_clears, offset, size, write_one_clears);
}

// The address bits below the size are read-only zero, which is what makes the
// all-ones sizing write read back as ~(size - 1) plus the type bits.
void PciFunction::define_memory_bar(unsigned bar, u32 size, bool prefetchable) {
  if (!std::has_single_bit(size) || size < 16)
    throw std::logic_error("PCI memory BAR size " + std::to_string(size));
  define_register(bar_offset(bar), 4, prefetchable ? PCI_BAR_PREFETCHABLE : 0, ~(size - 1));
  allow_command_bits(PCI_COMMAND_MEMORY_SPACE);
}

// The spec caps an I/O BAR at 256 bytes; the whole 32-bit address is writable (x86
// software keeps the upper half 0, since port numbers are 16 bits).
void PciFunction::define_io_bar(unsigned bar, u32 size) {
  if (!std::has_single_bit(size) || size < 4 || size > 256)
    throw std::logic_error("PCI I/O BAR size " + std::to_string(size));
  define_register(bar_offset(bar), 4, PCI_BAR_IO_SPACE, ~(size - 1));
  allow_command_bits(PCI_COMMAND_IO_SPACE);
}

void PciFunction::allow_command_bits(u16 bits) {
  m_writable[PCI_COMMAND] |= u8(bits);
  m_writable[PCI_COMMAND + 1] |= u8(bits >> 8);
}

void PciFunction::set_interrupt_pin(u8 pin) {
  if (pin > 4) throw std::logic_error("PCI interrupt pin " + std::to_string(pin));
  define_register(PCI_INTERRUPT_PIN, 1, pin, 0);
  if (pin != 0) allow_command_bits(PCI_COMMAND_INTERRUPT_DISABLE);
}

void PciFunction::set_status_bits(u16 bits, bool on) {
  u16 value = on ? u16(status() | bits) : u16(status() & ~bits);
  m_config[PCI_STATUS] = u8(value);
  m_config[PCI_STATUS + 1] = u8(value >> 8);
}

u32 PciFunction::read_le(u32 offset, unsigned size) const {
  u32 value = 0;
  for (unsigned i = 0; i < size && i < 4; ++i) {
    u64 at = u64{offset} + i;
    value |= u32(at < kConfigSize ? m_config[at] : u8(0xFF)) << (8 * i);
  }
  return value;
}

void PciFunction::write_le(std::array<u8, kConfigSize>& bytes, u32 offset, unsigned size,
                           u32 value) {
  for (unsigned i = 0; i < size; ++i) bytes[offset + i] = u8(value >> (8 * i));
}

}  // namespace vmlab
