// Fixture for the IDE channel tests: a Bus with the primary channel attached, a
// recording interrupt sink, pattern images in a temporary directory, and port helpers.
//
// Expected register values are written from the ATA/ATAPI-6 bit definitions here, not
// taken from devices/ata.h, so a wrong constant there cannot make a test agree with it.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/bus.h"
#include "recording_irq_sink.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/irq.h"
#include "core/virtual_clock.h"
#include "devices/disk_image.h"
#include "devices/ide.h"
#include "disk_test_support.h"

namespace vmlab::ide_test {

using namespace disk_test;

// Status: BSY 80h, DRDY 40h, DF 20h, DSC 10h, DRQ 08h, ERR 01h. Error: UNC 40h, IDNF 10h,
// ABRT 04h.
constexpr u8 kReady = 0x50;           // DRDY | DSC
constexpr u8 kDataRequest = 0x58;     // DRDY | DSC | DRQ
constexpr u8 kErrorStatus = 0x51;     // DRDY | DSC | ERR
constexpr u8 kBusy = 0x80;
constexpr u8 kAbrt = 0x04;
constexpr u8 kIdnf = 0x10;

// Ports of the primary channel.
constexpr u16 kData = 0x1F0, kError = 0x1F1, kFeatures = 0x1F1, kSectorCount = 0x1F2,
              kLbaLow = 0x1F3, kLbaMid = 0x1F4, kLbaHigh = 0x1F5, kDevice = 0x1F6,
              kStatus = 0x1F7, kCommand = 0x1F7, kAltStatus = 0x3F6, kDeviceControl = 0x3F6;

// Device register: bits 7 and 5 set as ATA-1 drivers write them, LBA 40h, DEV 10h.
constexpr u8 kMasterLba = 0xE0, kSlaveLba = 0xF0, kMasterChs = 0xA0, kSlaveChs = 0xB0;

class IdeTest : public ::testing::Test {
 protected:
  // Build the channel over a master image of `sectors` pattern sectors, and a slave
  // image of `slave_sectors` sectors each filled with 5Ch when asked.
  void open(u32 sectors, std::optional<u32> slave_sectors = std::nullopt,
            WritePolicy policy = WritePolicy::CopyOnWrite,
            u64 overlay_limit = DiskImage::kDefaultOverlayLimitBytes) {
    make_image(master_path, sectors);
    master = std::make_unique<DiskImage>(master_path, policy, counters, "disk0", overlay_limit);
    if (slave_sectors) {
      write_bytes(slave_path, std::vector<u8>(u64{*slave_sectors} * 512, 0x5C));
      slave = std::make_unique<DiskImage>(slave_path, policy, counters, "disk1");
    }
    ide = std::make_unique<IdeChannel>(counters, IrqLine(&sink, 14), master.get(), slave.get());
    ide->attach(bus);
    sink.changes.clear();
  }

  u8 inb(u16 port) { return static_cast<u8>(bus.port_read(port, 1)); }
  u16 inw(u16 port) { return static_cast<u16>(bus.port_read(port, 2)); }
  u32 inl(u16 port) { return bus.port_read(port, 4); }
  void outb(u16 port, u8 value) { bus.port_write(port, value, 1); }
  void outw(u16 port, u16 value) { bus.port_write(port, value, 2); }
  void outl(u16 port, u32 value) { bus.port_write(port, value, 4); }

  // Task file for an LBA28 command: count, address, device (kMasterLba / kSlaveLba).
  void set_lba(u32 lba, u8 count, u8 device = kMasterLba) {
    outb(kSectorCount, count);
    outb(kLbaLow, static_cast<u8>(lba));
    outb(kLbaMid, static_cast<u8>(lba >> 8));
    outb(kLbaHigh, static_cast<u8>(lba >> 16));
    outb(kDevice, static_cast<u8>(device | ((lba >> 24) & 0x0F)));
  }
  // Task file for a CHS command.
  void set_chs(u16 cylinder, u8 head, u8 sector, u8 count, u8 device = kMasterChs) {
    outb(kSectorCount, count);
    outb(kLbaLow, sector);
    outb(kLbaMid, static_cast<u8>(cylinder));
    outb(kLbaHigh, static_cast<u8>(cylinder >> 8));
    outb(kDevice, static_cast<u8>(device | head));
  }

  // `sectors` sectors from the Data register, 16 bits at a time.
  std::vector<u8> read_sectors(u32 sectors = 1) {
    std::vector<u8> bytes;
    for (u32 i = 0; i < sectors * 256; ++i) {
      u16 word = inw(kData);
      bytes.push_back(static_cast<u8>(word));
      bytes.push_back(static_cast<u8>(word >> 8));
    }
    return bytes;
  }
  void write_sectors(const std::vector<u8>& bytes) {
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2)
      outw(kData, static_cast<u16>(bytes[i] | bytes[i + 1] << 8));
  }
  // The IDENTIFY DEVICE words of the selected device (status acknowledged).
  std::vector<u16> identify() {
    outb(kCommand, 0xEC);
    EXPECT_EQ(inb(kStatus), kDataRequest);
    std::vector<u16> words;
    for (int i = 0; i < 256; ++i) words.push_back(inw(kData));
    return words;
  }
  // Concatenated pattern sectors [lba, lba + count) of the master image.
  static std::vector<u8> pattern(u32 lba, u32 count = 1) {
    std::vector<u8> bytes;
    for (u32 i = 0; i < count; ++i) {
      std::vector<u8> s = pattern_sector(lba + i);
      bytes.insert(bytes.end(), s.begin(), s.end());
    }
    return bytes;
  }

  TempDir dir;
  std::string master_path = dir.file("master.img");
  std::string slave_path = dir.file("slave.img");
  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  RecordingIrqSink sink;
  std::unique_ptr<DiskImage> master, slave;
  std::unique_ptr<IdeChannel> ide;
};

}  // namespace vmlab::ide_test
