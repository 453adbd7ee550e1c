// The primary IDE channel: ATA command block at 1F0h-1F7h, control block at 3F6h, IRQ14.
//
//            +-- Device Control (nIEN, SRST), shared --+
//   host --> | ports 1F0-1F7, 3F6                      | --> IRQ14 = selected device's
//            |   DEV bit of the Device register picks: |     pending interrupt, unless nIEN
//            |   [0] master (ide0)   [1] slave (ide1)  |
//            +-----------------------------------------+
//
// Register writes other than Command reach both devices (each keeps its own copy, as on
// the cable); reads and commands go to the selected one. EXECUTE DEVICE DIAGNOSTIC and
// SRST involve both. Each device is an AtaDrive over a DiskImage; both are optional,
// but a slave needs a master (ATA has no device 1 only configuration).
//
// A missing slave follows ATA/ATAPI-6's rules for a device 0 only configuration: with
// DEV=1 selected, Status and Alternate Status read 00h, the other registers read
// device 0's copy, a command other than EXECUTE DEVICE DIAGNOSTIC is ignored, and the
// line is not driven. Data register accesses are ignored too (reads FFFFh): the host
// has nobody to transfer with. A channel with no devices (a PC booted without --disk)
// reads 00h in every byte register and ignores commands: BSY is clear, so a driver's
// wait loops end, and its register write/read-back probe finds no device.
//
// Access widths: the Data register takes 16-bit accesses, and 32-bit ones as two words
// (low word first); an 8-bit access moves one word, of which it keeps / supplies the
// low byte. The other registers are 8 bits wide: a wider access there is the sequence
// of byte accesses to consecutive ports a PC bus would make, and the byte beyond the
// channel's ports reads FFh.
#pragma once
#include <optional>

#include "core/bus.h"
#include "core/irq.h"
#include "devices/ata_drive.h"

namespace vmlab {

class DiskImage;
struct Counters;

class IdeChannel {
 public:
  static constexpr u16 kCommandBlockBase = 0x1F0;
  static constexpr u16 kControlBlockPort = 0x3F6;  // 3F7h belongs to the floppy controller
  static constexpr unsigned kIrq = 14;

  // Either image may be null (no device) but a slave needs a master: std::invalid_argument
  // otherwise (a wiring bug). Drives count as "ide0" (master) and "ide1" (slave). The
  // images must outlive the channel.
  IdeChannel(Counters& counters, IrqLine irq, DiskImage* master, DiskImage* slave = nullptr);

  // Claim 1F0h-1F7h and 3F6h (both windows named "ide").
  void attach(Bus& bus);
  // Hardware reset (RESET- on the cable): both drives back to power-on state, device 0
  // selected, Device Control cleared, IRQ14 low.
  void reset();

  void io_command_block(IoAccess& access);
  void io_control_block(IoAccess& access);

  bool has_drive(unsigned index) const { return index < 2 && m_drives[index].has_value(); }

 private:
  u32 read_data(u8 size);
  void write_data(u32 value, u8 size);
  u8 read_register(unsigned reg);
  void write_register(unsigned reg, u8 value);
  void write_command(u8 command);
  void write_device_control(u8 value);
  void execute_device_diagnostic();
  AtaDrive* selected();
  void update_irq();

  IrqLine m_irq;
  std::optional<AtaDrive> m_drives[2];
  unsigned m_selected = 0;  // DEV bit of the last Device register write
  u8 m_device_control = 0;
  bool m_irq_level = false;
};

}  // namespace vmlab
