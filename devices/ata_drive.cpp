// AtaDrive: registers, resets, task-file addresses and the PIO data protocol. The
// commands themselves are in ata_commands.cpp.
#include "devices/ata_drive.h"

#include <algorithm>

#include "core/counters.h"
#include "devices/disk_image.h"

namespace vmlab {

using namespace ata;

AtaDrive::AtaDrive(DiskImage& image, Counters& counters, const std::string& name,
                   std::string serial)
    : m_image(image),
      m_serial(std::move(serial)),
      m_sectors_read(counters.device(name + ".sectors_read")),
      m_sectors_written(counters.device(name + ".sectors_written")),
      m_commands(counters.device(name + ".commands")),
      m_host_io_errors(counters.device(name + ".host_io_errors")),
      m_default_geometry(default_chs_geometry(image.sector_count())) {
  power_on_reset();
}

void AtaDrive::power_on_reset() {
  m_multiple = 0;
  m_geometry = m_default_geometry;
  m_write_cache = true;
  m_look_ahead = true;
  m_power = PowerMode::Active;
  finish_software_reset(DIAG_PASSED);
}

void AtaDrive::begin_software_reset() {
  m_phase = Phase::Idle;
  m_intrq = false;
  m_regs.status = STATUS_BSY;
}

void AtaDrive::finish_software_reset(u8 diagnostic_code) {
  m_phase = Phase::Idle;
  m_intrq = false;
  set_signature();
  m_regs.error = diagnostic_code;
  m_regs.status = STATUS_DRDY | STATUS_DSC;
}

void AtaDrive::execute_device_diagnostic(u8 diagnostic_code, bool interrupt) {
  if (m_regs.status & STATUS_BSY) return;
  ++m_commands;
  finish_software_reset(diagnostic_code);
  m_intrq = interrupt;
}

// The signature of a non-PACKET device (ATA/ATAPI-6 9.12): Sector Count 01h, LBA Low
// 01h, LBA Mid 00h, LBA High 00h, Device 00h. PACKET devices put 14h EBh in Mid/High;
// drivers tell the two apart by these registers.
void AtaDrive::set_signature() {
  m_regs.sector_count = 0x01;
  m_regs.lba_low = 0x01;
  m_regs.lba_mid = 0x00;
  m_regs.lba_high = 0x00;
  m_regs.device = 0x00;
}

u8 AtaDrive::read_register(unsigned reg) const {
  switch (reg) {
    case REG_ERROR: return m_regs.error;
    case REG_SECTOR_COUNT: return m_regs.sector_count;
    case REG_LBA_LOW: return m_regs.lba_low;
    case REG_LBA_MID: return m_regs.lba_mid;
    case REG_LBA_HIGH: return m_regs.lba_high;
    case REG_DEVICE: return m_regs.device;
    default: return 0xFF;  // Data and Status have their own entry points
  }
}

void AtaDrive::write_register(unsigned reg, u8 value) {
  if (m_regs.status & STATUS_BSY) return;
  switch (reg) {
    case REG_FEATURES: m_regs.features = value; break;
    case REG_SECTOR_COUNT: m_regs.sector_count = value; break;
    case REG_LBA_LOW: m_regs.lba_low = value; break;
    case REG_LBA_MID: m_regs.lba_mid = value; break;
    case REG_LBA_HIGH: m_regs.lba_high = value; break;
    case REG_DEVICE: m_regs.device = value; break;
    default: break;
  }
}

u8 AtaDrive::read_status() {
  m_intrq = false;
  return m_regs.status;
}

// LBA28 (Device bit LBA set): LBA Low = bits 7:0, Mid = 15:8, High = 23:16, Device
// bits 3:0 = 27:24. CHS: Sector Number, Cylinder Low/High, head in Device bits 3:0,
// translated with the current geometry; nothing if the address lies outside it.
std::optional<u32> AtaDrive::command_lba() const {
  if (m_regs.device & DEVICE_LBA) {
    return u32(m_regs.device & DEVICE_HEAD_MASK) << 24 | u32(m_regs.lba_high) << 16 |
           u32(m_regs.lba_mid) << 8 | m_regs.lba_low;
  }
  ChsAddress chs{static_cast<u16>(m_regs.lba_high << 8 | m_regs.lba_mid),
                 static_cast<u8>(m_regs.device & DEVICE_HEAD_MASK), m_regs.lba_low};
  return chs_to_lba(m_geometry, chs);
}

// True with `lba` set when the command's sectors [lba, lba+count) all exist. Otherwise
// the command ends with IDNF, and the address registers name the first sector that
// does not exist when that address can be written in the command's addressing mode.
bool AtaDrive::check_media_range(u32 count, u32& lba) {
  m_address_by_lba = m_regs.device & DEVICE_LBA;
  std::optional<u32> start = command_lba();
  u64 capacity = m_image.sector_count();
  if (start && u64{*start} + count <= capacity) {
    lba = *start;
    return true;
  }
  if (start && *start < capacity) set_address_registers(static_cast<u32>(capacity));
  abort_command(ERROR_IDNF);
  return false;
}

// Leave `lba` in the address registers, in the addressing mode of the command, as a
// drive does for the last sector transferred or the sector that failed.
void AtaDrive::set_address_registers(u32 lba) {
  u8 head;
  if (m_address_by_lba) {
    m_regs.lba_low = static_cast<u8>(lba);
    m_regs.lba_mid = static_cast<u8>(lba >> 8);
    m_regs.lba_high = static_cast<u8>(lba >> 16);
    head = static_cast<u8>(lba >> 24) & DEVICE_HEAD_MASK;
  } else {
    std::optional<ChsAddress> chs = lba_to_chs(m_geometry, lba);
    if (!chs) return;
    m_regs.lba_low = chs->sector;
    m_regs.lba_mid = static_cast<u8>(chs->cylinder);
    m_regs.lba_high = static_cast<u8>(chs->cylinder >> 8);
    head = chs->head;
  }
  m_regs.device = static_cast<u8>((m_regs.device & ~DEVICE_HEAD_MASK) | head);
}

void AtaDrive::start_data_in(u32 lba, u32 count, u32 block_sectors) {
  m_phase = Phase::DataIn;
  m_media = true;
  m_next_lba = lba;
  m_sectors_left = count;
  m_block_sectors = block_sectors;
  load_in_block();
}

// Data-in from m_buffer rather than the image (IDENTIFY DEVICE): one block of `bytes`.
void AtaDrive::start_buffer_in(u32 bytes) {
  m_phase = Phase::DataIn;
  m_media = false;
  m_sectors_left = 1;
  m_block_sectors = 1;
  m_block_bytes = bytes;
  m_pos = 0;
  ready(STATUS_DRQ);
  m_intrq = true;
}

void AtaDrive::start_data_out(u32 lba, u32 count, u32 block_sectors) {
  m_phase = Phase::DataOut;
  m_media = true;
  m_next_lba = lba;
  m_sectors_left = count;
  m_block_sectors = block_sectors;
  m_block_bytes = current_block_sectors() * DiskImage::kSectorSize;
  m_pos = 0;
  ready(STATUS_DRQ);  // the first block is requested without an interrupt
}

u32 AtaDrive::current_block_sectors() const { return std::min(m_block_sectors, m_sectors_left); }

// Read the next block from the image and offer it: DRQ and an interrupt per block.
void AtaDrive::load_in_block() {
  u32 n = current_block_sectors();
  try {
    m_image.read(m_next_lba, n, m_buffer.data());
  } catch (const DiskIoError&) {
    ++m_host_io_errors;
    set_address_registers(m_next_lba);
    abort_command(ERROR_UNC);
    return;
  }
  m_block_bytes = n * DiskImage::kSectorSize;
  m_pos = 0;
  ready(STATUS_DRQ);
  m_intrq = true;
}

u16 AtaDrive::read_data() {
  if (m_phase != Phase::DataIn) return 0xFFFF;
  u16 word = static_cast<u16>(m_buffer[m_pos] | m_buffer[m_pos + 1] << 8);
  m_pos += 2;
  if (m_pos == m_block_bytes) finish_in_block();
  return word;
}

// The host has taken the whole block: the next one, or the end (no interrupt: the host
// knows the transfer is over when it has read the last word).
void AtaDrive::finish_in_block() {
  if (!m_media) {
    m_phase = Phase::Idle;
    ready(0);
    return;
  }
  u32 n = current_block_sectors();
  m_sectors_read += n;
  set_address_registers(m_next_lba + n - 1);
  m_sectors_left -= n;
  m_next_lba += n;
  m_regs.sector_count = static_cast<u8>(m_sectors_left);
  if (m_sectors_left != 0) {
    load_in_block();
    return;
  }
  m_phase = Phase::Idle;
  ready(0);
}

void AtaDrive::write_data(u16 value) {
  if (m_phase != Phase::DataOut) return;
  m_buffer[m_pos] = static_cast<u8>(value);
  m_buffer[m_pos + 1] = static_cast<u8>(value >> 8);
  m_pos += 2;
  if (m_pos == m_block_bytes) store_out_block();
}

// The host has written a whole block: store it, then ask for the next one or report the
// end, with an interrupt either way. With the write cache disabled (SET FEATURES 82h)
// the block is made durable before it counts as written.
void AtaDrive::store_out_block() {
  u32 n = current_block_sectors();
  try {
    m_image.write(m_next_lba, n, m_buffer.data());
    if (!m_write_cache) m_image.flush();
  } catch (const DiskIoError&) {
    ++m_host_io_errors;
    set_address_registers(m_next_lba);
    device_fault();
    return;
  }
  m_sectors_written += n;
  set_address_registers(m_next_lba + n - 1);
  m_sectors_left -= n;
  m_next_lba += n;
  m_regs.sector_count = static_cast<u8>(m_sectors_left);
  m_intrq = true;
  if (m_sectors_left == 0) {
    m_phase = Phase::Idle;
    ready(0);
    return;
  }
  m_block_bytes = current_block_sectors() * DiskImage::kSectorSize;
  m_pos = 0;
  ready(STATUS_DRQ);
}

void AtaDrive::ready(u8 extra_status_bits) {
  m_regs.status = STATUS_DRDY | STATUS_DSC | extra_status_bits;
}

// A command that moves no data finished without error.
void AtaDrive::complete() {
  m_phase = Phase::Idle;
  m_regs.error = 0;
  ready(0);
  m_intrq = true;
}

void AtaDrive::abort_command(u8 error_bits) {
  m_phase = Phase::Idle;
  m_regs.error = error_bits;
  ready(STATUS_ERR);
  m_intrq = true;
}

// The host could not write or sync the image: the guest sees a device fault.
void AtaDrive::device_fault() {
  m_phase = Phase::Idle;
  m_regs.error = ERROR_ABRT;
  ready(STATUS_DF | STATUS_ERR);
  m_intrq = true;
}

}  // namespace vmlab
