// AtaDrive: the command set. Each command either starts a PIO transfer (ata_drive.cpp)
// or completes at once; BSY is never visible because commands take no virtual time.
#include <bit>

#include "core/counters.h"
#include "devices/ata_drive.h"
#include "devices/ata_identify.h"
#include "devices/disk_image.h"

namespace vmlab {

using namespace ata;

void AtaDrive::write_command(u8 command) {
  if (m_regs.status & STATUS_BSY) return;
  ++m_commands;
  m_intrq = false;
  m_phase = Phase::Idle;
  run_command(command);
}

// Dispatch on the command code. Codes this device does not implement end with ABRT,
// which is what ATA/ATAPI-6 requires of unsupported commands.
void AtaDrive::run_command(u8 command) {
  switch (command) {
    case CMD_READ_SECTORS:
    case CMD_READ_SECTORS_NO_RETRY: return cmd_read(1);
    case CMD_WRITE_SECTORS:
    case CMD_WRITE_SECTORS_NO_RETRY: return cmd_write(1);
    case CMD_READ_MULTIPLE:
    case CMD_WRITE_MULTIPLE:
      if (m_multiple == 0) return abort_command(ERROR_ABRT);  // SET MULTIPLE MODE not done
      return command == CMD_READ_MULTIPLE ? cmd_read(m_multiple) : cmd_write(m_multiple);
    case CMD_READ_VERIFY_SECTORS:
    case CMD_READ_VERIFY_SECTORS_NO_RETRY: return cmd_read_verify();
    case CMD_IDENTIFY_DEVICE: return cmd_identify_device();
    case CMD_SET_MULTIPLE_MODE: return cmd_set_multiple_mode();
    case CMD_INITIALIZE_DEVICE_PARAMETERS: return cmd_initialize_device_parameters();
    case CMD_FLUSH_CACHE: return cmd_flush_cache();
    case CMD_SET_FEATURES: return cmd_set_features();
    case CMD_CHECK_POWER_MODE:
    case CMD_CHECK_POWER_MODE_OLD: return cmd_check_power_mode();
    case CMD_IDLE:
    case CMD_IDLE_IMMEDIATE:
    case CMD_IDLE_OLD:
    case CMD_IDLE_IMMEDIATE_OLD: return cmd_power(PowerMode::Idle);
    case CMD_STANDBY:
    case CMD_STANDBY_IMMEDIATE:
    case CMD_STANDBY_OLD:
    case CMD_STANDBY_IMMEDIATE_OLD:
    case CMD_SLEEP:
    case CMD_SLEEP_OLD: return cmd_power(PowerMode::Standby);
    default: return abort_command(ERROR_ABRT);
  }
}

// READ SECTORS / READ MULTIPLE: Sector Count sectors (0 = 256) from the address in the
// task file, offered in blocks of `block_sectors`.
void AtaDrive::cmd_read(u32 block_sectors) {
  u32 count = command_sector_count();
  u32 lba;
  if (!check_media_range(count, lba)) return;
  m_power = PowerMode::Active;
  start_data_in(lba, count, block_sectors);
}

void AtaDrive::cmd_write(u32 block_sectors) {
  u32 count = command_sector_count();
  u32 lba;
  if (!check_media_range(count, lba)) return;
  m_power = PowerMode::Active;
  start_data_out(lba, count, block_sectors);
}

// READ VERIFY SECTORS: like READ SECTORS without the transfer. The image has no media
// defects, so checking the range is the whole verification.
void AtaDrive::cmd_read_verify() {
  u32 count = command_sector_count();
  u32 lba;
  if (!check_media_range(count, lba)) return;
  m_power = PowerMode::Active;
  set_address_registers(lba + count - 1);
  complete();
}

void AtaDrive::cmd_identify_device() {
  IdentifyInputs in;
  in.total_sectors = m_image.sector_count();
  in.default_geometry = m_default_geometry;
  in.current_geometry = m_geometry;
  in.multiple_sectors = m_multiple;
  in.write_cache_enabled = m_write_cache;
  in.read_look_ahead_enabled = m_look_ahead;
  in.serial_number = m_serial;
  IdentifyData words = identify_device_data(in);
  for (unsigned i = 0; i < words.size(); ++i) {
    m_buffer[2 * i] = static_cast<u8>(words[i]);
    m_buffer[2 * i + 1] = static_cast<u8>(words[i] >> 8);
  }
  start_buffer_in(DiskImage::kSectorSize);
}

// SET MULTIPLE MODE: Sector Count = sectors per block, a power of two up to word 47.
// 0 turns the MULTIPLE commands off. An unsupported count is aborted and, as ATA-4/5
// specify, leaves READ/WRITE MULTIPLE disabled.
void AtaDrive::cmd_set_multiple_mode() {
  u32 count = m_regs.sector_count;
  if (count != 0 && (!std::has_single_bit(count) || count > kMaxMultipleSectors)) {
    m_multiple = 0;
    return abort_command(ERROR_ABRT);
  }
  m_multiple = count;
  complete();
}

// INITIALIZE DEVICE PARAMETERS: Sector Count = sectors per track, Device bits 3:0 =
// heads - 1. An unusable translation (0 sectors per track) is accepted, but until a
// valid one is set every CHS media command fails with IDNF, as ATA/ATAPI-6 requires.
void AtaDrive::cmd_initialize_device_parameters() {
  u32 heads = (m_regs.device & DEVICE_HEAD_MASK) + 1u;
  m_geometry = chs_geometry_for(m_image.sector_count(), heads, m_regs.sector_count);
  complete();
}

void AtaDrive::cmd_flush_cache() {
  try {
    m_image.flush();
  } catch (const DiskIoError&) {
    ++m_host_io_errors;
    return device_fault();
  }
  complete();
}

// SET FEATURES: the subcommands drivers commonly send are accepted. The write cache and
// look-ahead switches show in IDENTIFY word 85 (and a disabled write cache makes every
// write durable before it completes); the others change nothing an emulated disk has.
void AtaDrive::cmd_set_features() {
  switch (m_regs.features) {
    case FEATURE_ENABLE_WRITE_CACHE: m_write_cache = true; break;
    case FEATURE_DISABLE_WRITE_CACHE: m_write_cache = false; break;
    case FEATURE_ENABLE_READ_LOOK_AHEAD: m_look_ahead = true; break;
    case FEATURE_DISABLE_READ_LOOK_AHEAD: m_look_ahead = false; break;
    case FEATURE_ENABLE_REVERTING_TO_DEFAULTS:
    case FEATURE_DISABLE_REVERTING_TO_DEFAULTS: break;
    case FEATURE_SET_TRANSFER_MODE:
      if (!accepts_transfer_mode(m_regs.sector_count)) return abort_command(ERROR_ABRT);
      break;
    default: return abort_command(ERROR_ABRT);
  }
  complete();
}

// Transfer mode values (Sector Count of SET FEATURES 03h): 00h PIO default, 01h PIO
// default with IORDY disabled, 08h+n PIO flow-control mode n. We advertise PIO modes up
// to 4 and no DMA, so DMA modes (20h+n, 40h+n) and PIO modes above 4 are refused.
bool AtaDrive::accepts_transfer_mode(u8 mode) const {
  constexpr u8 kPioDefault = 0x00, kPioDefaultNoIordy = 0x01, kPioFlowControl = 0x08;
  constexpr u8 kHighestPioMode = 4;
  if (mode == kPioDefault || mode == kPioDefaultNoIordy) return true;
  return (mode & 0xF8) == kPioFlowControl && (mode & 0x07) <= kHighestPioMode;
}

void AtaDrive::cmd_check_power_mode() {
  switch (m_power) {
    case PowerMode::Active: m_regs.sector_count = POWER_ACTIVE_OR_IDLE; break;
    case PowerMode::Idle: m_regs.sector_count = POWER_IDLE; break;
    case PowerMode::Standby: m_regs.sector_count = POWER_STANDBY; break;
  }
  complete();
}

// IDLE, STANDBY (immediate or not, old and new codes) and SLEEP. The standby timer in
// Sector Count is ignored: nothing spins down by itself in virtual time. SLEEP is taken
// as STANDBY: the next command wakes the device instead of needing a reset.
void AtaDrive::cmd_power(PowerMode mode) {
  m_power = mode;
  complete();
}

}  // namespace vmlab
