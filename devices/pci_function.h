// One PCI function's 256-byte configuration space with a type 0 header.
//
// A device model (host bridge, virtio, e1000) derives from PciFunction, describes its
// header in the constructor (identity, BARs, writable command bits, interrupt pin) and
// plugs into a PciBus. The base class keeps the bytes and, per byte, which bits a guest
// may write and which are write-1-to-clear, so the PCI rules hold for every device:
//
//   00 | Device ID       | Vendor ID       |  read-only
//   04 | Status          | Command         |  Status: RW1C error bits; Command: per device
//   08 | Class Code (base, sub, prog IF)   | Revision ID  read-only
//   0C | BIST | Header Type | Latency Timer | Cache Line Size
//   10 | Base Address Registers 0-5 (BAR0 at 0x10 ... BAR5 at 0x24)
//   28 | CardBus CIS Pointer (0)
//   2C | Subsystem ID    | Subsystem Vendor ID
//   30 | Expansion ROM Base Address (0: none)
//   34 | reserved                 | Capabilities Pointer
//   3C | Max_Lat | Min_Gnt | Interrupt Pin | Interrupt Line (writable)
//   40-FF device-specific (read 0 unless the device defines registers there)
//
// A BAR's low bits say what it is and are read-only; the address bits below its size
// are read-only zero. Writing all ones and reading back therefore gives the size mask:
//
//   memory BAR:  [31 .. log2(size)] address | 0 ... | bit 3 prefetchable | 2:1 type 00 (32-bit) | 0
//   I/O BAR:     [31 .. log2(size)] address | 0 ...                       | 1 reserved 0      | 1
//
// Not modeled: 64-bit BARs, expansion ROMs, capability lists (a device can still build
// one with define_register) and BIST.
#pragma once
#include <array>

#include "core/types.h"

namespace vmlab {

// Type 0 header registers (PCI Local Bus Specification 3.0, section 6.1).
constexpr u8 PCI_VENDOR_ID = 0x00;
constexpr u8 PCI_DEVICE_ID = 0x02;
constexpr u8 PCI_COMMAND = 0x04;
constexpr u8 PCI_STATUS = 0x06;
constexpr u8 PCI_REVISION_ID = 0x08;
constexpr u8 PCI_CLASS_CODE = 0x09;  // 3 bytes: programming interface, sub-class, base class
constexpr u8 PCI_CACHE_LINE_SIZE = 0x0C;
constexpr u8 PCI_LATENCY_TIMER = 0x0D;
constexpr u8 PCI_HEADER_TYPE = 0x0E;
constexpr u8 PCI_BIST = 0x0F;
constexpr u8 PCI_BAR0 = 0x10;  // BAR n at PCI_BAR0 + 4 * n
constexpr u8 PCI_SUBSYSTEM_VENDOR_ID = 0x2C;
constexpr u8 PCI_SUBSYSTEM_ID = 0x2E;
constexpr u8 PCI_EXPANSION_ROM_BASE = 0x30;
constexpr u8 PCI_CAPABILITIES_POINTER = 0x34;
constexpr u8 PCI_INTERRUPT_LINE = 0x3C;
constexpr u8 PCI_INTERRUPT_PIN = 0x3D;
constexpr u8 PCI_MIN_GNT = 0x3E;
constexpr u8 PCI_MAX_LAT = 0x3F;

// Command register bits.
constexpr u16 PCI_COMMAND_IO_SPACE = 1 << 0;
constexpr u16 PCI_COMMAND_MEMORY_SPACE = 1 << 1;
constexpr u16 PCI_COMMAND_BUS_MASTER = 1 << 2;
constexpr u16 PCI_COMMAND_SPECIAL_CYCLES = 1 << 3;
constexpr u16 PCI_COMMAND_MWI_ENABLE = 1 << 4;
constexpr u16 PCI_COMMAND_VGA_PALETTE_SNOOP = 1 << 5;
constexpr u16 PCI_COMMAND_PARITY_ERROR_RESPONSE = 1 << 6;
constexpr u16 PCI_COMMAND_SERR_ENABLE = 1 << 8;
constexpr u16 PCI_COMMAND_FAST_BACK_TO_BACK = 1 << 9;
constexpr u16 PCI_COMMAND_INTERRUPT_DISABLE = 1 << 10;

// Status register bits.
constexpr u16 PCI_STATUS_INTERRUPT = 1 << 3;
constexpr u16 PCI_STATUS_CAPABILITIES_LIST = 1 << 4;
constexpr u16 PCI_STATUS_MASTER_DATA_PARITY_ERROR = 1 << 8;
constexpr u16 PCI_STATUS_SIGNALED_TARGET_ABORT = 1 << 11;
constexpr u16 PCI_STATUS_RECEIVED_TARGET_ABORT = 1 << 12;
constexpr u16 PCI_STATUS_RECEIVED_MASTER_ABORT = 1 << 13;
constexpr u16 PCI_STATUS_SIGNALED_SYSTEM_ERROR = 1 << 14;
constexpr u16 PCI_STATUS_DETECTED_PARITY_ERROR = 1 << 15;

constexpr u8 PCI_HEADER_TYPE_MULTIFUNCTION = 0x80;
constexpr u32 PCI_BAR_IO_SPACE = 0x1;
constexpr u32 PCI_BAR_PREFETCHABLE = 0x8;

// What a function is: the read-only identification fields of its header.
struct PciIdentity {
  u16 vendor_id = 0xFFFF;
  u16 device_id = 0xFFFF;
  u8 revision_id = 0;
  u8 base_class = 0;
  u8 sub_class = 0;
  u8 prog_if = 0;
  u16 subsystem_vendor_id = 0;
  u16 subsystem_id = 0;
};

class PciFunction {
 public:
  static constexpr unsigned kConfigSize = 256;
  static constexpr unsigned kBarCount = 6;

  virtual ~PciFunction() = default;

  // A configuration read of `size` bytes (1-4) at `offset`, little-endian; bytes past
  // 0xFF read 0xFF. Virtual so a device with read side effects can intercept some
  // offsets and hand the rest to this one.
  virtual u32 config_read(u32 offset, unsigned size);
  // A configuration write: each byte keeps its read-only bits, takes the guest's value
  // in its writable bits and clears the RW1C bits written as 1. Then on_config_write
  // tells the device. Bytes past 0xFF are dropped.
  virtual void config_write(u32 offset, u32 value, unsigned size);
  // Back to the power-on header (command 0, BARs 0, status errors clear): the state
  // after PCI RST#. A device with more state overrides it and calls this one.
  virtual void reset();

  u16 command() const { return u16(read_le(PCI_COMMAND, 2)); }
  u16 status() const { return u16(read_le(PCI_STATUS, 2)); }
  // Address a guest programmed into BAR `bar`, type bits removed; 0 if it has none.
  u32 bar_address(unsigned bar) const;
  // Marks function 0 of a multi-function device (PciBus::add calls it).
  void set_multifunction();

 protected:
  explicit PciFunction(const PciIdentity& identity);

  // A register at `offset` of `size` bytes, with its power-on value, the bits a guest
  // may write, and the bits a guest clears by writing 1. Throws std::logic_error if it
  // does not fit in the 256 bytes (a device wiring bug).
  void define_register(u32 offset, unsigned size, u32 value, u32 writable,
                       u32 write_one_clears = 0);
  // BAR `bar` decodes `size` bytes of memory (a power of two, at least 16) or of I/O
  // space (a power of two from 4 to 256). Also lets the guest set the matching Command
  // enable bit. Throws std::logic_error on a bad index or size.
  void define_memory_bar(unsigned bar, u32 size, bool prefetchable = false);
  void define_io_bar(unsigned bar, u32 size);
  // Command bits this function implements (others are hardwired 0).
  void allow_command_bits(u16 bits);
  // INTA# = 1 ... INTD# = 4; also makes Command Interrupt Disable writable.
  void set_interrupt_pin(u8 pin);
  // Device-driven Status bits (e.g. PCI_STATUS_INTERRUPT); not part of the reset value.
  void set_status_bits(u16 bits, bool on);

  // Called after every guest config write that reached this function, so the device
  // can act on it (map or unmap a BAR, start DMA when Bus Master turns on).
  virtual void on_config_write(u32 /*offset*/, unsigned /*size*/) {}

  // The current bytes at [offset, offset+size), little-endian; bytes past 0xFF read 0xFF.
  u32 read_le(u32 offset, unsigned size) const;

 private:
  void write_le(std::array<u8, kConfigSize>& bytes, u32 offset, unsigned size, u32 value);

  std::array<u8, kConfigSize> m_config{};
  std::array<u8, kConfigSize> m_power_on{};
  std::array<u8, kConfigSize> m_writable{};
  std::array<u8, kConfigSize> m_write_one_clears{};
};

}  // namespace vmlab
