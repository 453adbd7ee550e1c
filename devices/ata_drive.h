// One ATA device (master or slave) of an IDE channel: its own copy of the command block
// registers, its settings, the commands it runs and the PIO data protocol.
//
// The channel (devices/ide.h) decodes ports and owns what the two devices share: the
// Device Control register, device selection and the INTRQ wire. Each device keeps its
// own "interrupt pending" state; the channel drives IRQ14 from the selected one.
//
// PIO protocols (ATA/ATAPI-6 clause 9), with BSY made instantaneous:
//
//   data-in  (READ SECTORS, READ MULTIPLE, IDENTIFY DEVICE)
//     command -> block ready: DRQ=1, interrupt -> host reads the block from Data
//             -> next block: DRQ=1, interrupt ...  -> after the last one: DRQ=0, no interrupt
//   data-out (WRITE SECTORS, WRITE MULTIPLE)
//     command -> DRQ=1, no interrupt -> host writes a block to Data
//             -> stored; more to come: DRQ=1, interrupt ... -> last one stored: DRQ=0, interrupt
//   non-data
//     command -> done: interrupt
//
// A block is one sector, or up to the SET MULTIPLE MODE count for the MULTIPLE commands.
// Errors end the command at once: ERR in Status, the reason in Error (ABRT unsupported
// command or parameter, IDNF address outside the disk, UNC host read failure; DF with
// ABRT for a host write or flush failure), an interrupt, no DRQ. Every media command
// checks its whole range before touching the image, so an out-of-range request moves no
// data at all.
#pragma once
#include <array>
#include <optional>
#include <string>

#include "core/types.h"
#include "devices/ata.h"
#include "devices/ata_geometry.h"

namespace vmlab {

class DiskImage;
struct Counters;

class AtaDrive {
 public:
  // `name` prefixes the counters ("ide0": ide0.sectors_read, .sectors_written, .commands,
  // .host_io_errors); `serial` is the IDENTIFY serial number.
  AtaDrive(DiskImage& image, Counters& counters, const std::string& name, std::string serial);

  // Power-on or hardware reset: default settings (multiple mode off, default CHS
  // translation, write cache on), then the reset signature and a ready status.
  void power_on_reset();
  // Device Control SRST set: BSY, any transfer abandoned, no interrupt pending.
  void begin_software_reset();
  // SRST cleared: signature in the registers, ready, `diagnostic_code` in Error. Settings
  // (multiple mode, CHS translation, features) survive a software reset.
  void finish_software_reset(u8 diagnostic_code);
  // EXECUTE DEVICE DIAGNOSTIC, as one of the devices that all run it (it counts as a
  // command): signature, ready, `diagnostic_code` in Error; device 0 signals completion
  // with an interrupt, device 1 does not.
  void execute_device_diagnostic(u8 diagnostic_code, bool interrupt);

  // Registers 1-6 (Error, Sector Count, LBA Low/Mid/High, Device) as this device holds them.
  u8 read_register(unsigned reg) const;
  // Host write to registers 1-6 (Features, Sector Count, LBA, Device). Ignored while BSY.
  void write_register(unsigned reg, u8 value);
  // Alternate Status: the status, without side effects.
  u8 status() const { return m_regs.status; }
  // Status: the status; the read acknowledges (clears) a pending interrupt.
  u8 read_status();
  // Withdraw a pending interrupt (Status read, Command written).
  void acknowledge_interrupt() { m_intrq = false; }
  // Command register: clears a pending interrupt, abandons any transfer, runs `command`.
  // Ignored while BSY. EXECUTE DEVICE DIAGNOSTIC involves both devices: the channel runs it.
  void write_command(u8 command);
  // One 16-bit word of the Data register. Without DRQ a read returns FFFFh and a write is
  // dropped: the host broke the protocol and the device has nothing to give or take.
  u16 read_data();
  void write_data(u16 value);

  bool interrupt_pending() const { return m_intrq; }

 private:
  enum class Phase { Idle, DataIn, DataOut };
  enum class PowerMode { Active, Idle, Standby };
  struct Registers {
    u8 error = 0, features = 0, sector_count = 0, lba_low = 0, lba_mid = 0, lba_high = 0,
       device = 0, status = 0;
  };

  // Command set (ata_commands.cpp).
  void run_command(u8 command);
  void cmd_read(u32 block_sectors);
  void cmd_write(u32 block_sectors);
  void cmd_read_verify();
  void cmd_identify_device();
  void cmd_set_multiple_mode();
  void cmd_initialize_device_parameters();
  void cmd_flush_cache();
  void cmd_set_features();
  void cmd_check_power_mode();
  void cmd_power(PowerMode mode);
  bool accepts_transfer_mode(u8 mode) const;

  // Addresses in the task file (ata_drive.cpp).
  u32 command_sector_count() const { return m_regs.sector_count ? m_regs.sector_count : 256; }
  std::optional<u32> command_lba() const;
  bool check_media_range(u32 count, u32& lba);
  void set_address_registers(u32 lba);
  void set_signature();

  // PIO protocol and completion (ata_drive.cpp).
  void start_data_in(u32 lba, u32 count, u32 block_sectors);
  void start_data_out(u32 lba, u32 count, u32 block_sectors);
  void start_buffer_in(u32 bytes);
  void load_in_block();
  void finish_in_block();
  void store_out_block();
  u32 current_block_sectors() const;
  void complete();
  void abort_command(u8 error_bits);
  void device_fault();
  void ready(u8 extra_status_bits);

  DiskImage& m_image;
  std::string m_serial;
  u64& m_sectors_read;
  u64& m_sectors_written;
  u64& m_commands;
  u64& m_host_io_errors;

  Registers m_regs;
  bool m_intrq = false;

  // Settings.
  u32 m_multiple = 0;  // sectors per READ/WRITE MULTIPLE block; 0 = those commands disabled
  ChsGeometry m_default_geometry;
  ChsGeometry m_geometry;
  bool m_write_cache = true;
  bool m_look_ahead = true;
  PowerMode m_power = PowerMode::Active;

  // The PIO transfer in progress.
  Phase m_phase = Phase::Idle;
  bool m_media = false;          // data comes from / goes to the image (IDENTIFY: false)
  bool m_address_by_lba = true;  // how the command addressed: report addresses the same way
  u32 m_next_lba = 0;            // image sector of the current block's first sector
  u32 m_sectors_left = 0;        // sectors not yet transferred, the current block included
  u32 m_block_sectors = 1;       // sectors per DRQ block
  u32 m_block_bytes = 0;         // bytes in the current block
  u32 m_pos = 0;                 // next byte of the block the Data register moves
  std::array<u8, ata::kMaxMultipleSectors * 512> m_buffer{};
};

}  // namespace vmlab
