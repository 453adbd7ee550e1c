// IDE channel: IDENTIFY DEVICE contents, INTRQ rules (nIEN, Status vs Alternate Status,
// Command writes), device selection and a missing slave, SRST and EXECUTE DEVICE
// DIAGNOSTIC signatures, error reporting (IDNF, ABRT), SET FEATURES and power modes.
// Data transfers are in test_ide_transfers.cpp.
#include <string>

#include "ide_test_fixture.h"

namespace vmlab::ide_test {
namespace {

u32 dword(const std::vector<u16>& w, unsigned first) { return w[first] | u32(w[first + 1]) << 16; }

// Characters of an ATA string field: first character of each word in bits 15:8.
std::string ata_string(const std::vector<u16>& w, unsigned first, unsigned words) {
  std::string text;
  for (unsigned i = first; i < first + words; ++i) {
    text += static_cast<char>(w[i] >> 8);
    text += static_cast<char>(w[i] & 0xFF);
  }
  return text;
}

// 4 whole cylinders of 16 x 63 sectors and 10 sectors more.
TEST_F(IdeTest, IdentifyDeviceReportsGeometryCapacityAndStrings) {
  open(4 * 1008 + 10);
  outb(kDevice, kMasterChs);
  std::vector<u16> w = identify();
  EXPECT_EQ(w[0] & 0x8000, 0);  // ATA device
  EXPECT_EQ(w[1], 4);           // default cylinders
  EXPECT_EQ(w[3], 16);          // default heads
  EXPECT_EQ(w[6], 63);          // default sectors per track
  EXPECT_EQ(ata_string(w, 27, 20), "VMLAB HARDDISK                          ");
  EXPECT_EQ(w[27], 'V' << 8 | 'M');  // byte-swapped layout: 'V' in the high byte
  EXPECT_EQ(w[29], 'B' << 8 | ' ');
  std::string serial = ata_string(w, 10, 10), firmware = ata_string(w, 23, 4);
  EXPECT_NE(serial.find_first_not_of(' '), std::string::npos) << "blank serial number";
  EXPECT_NE(firmware.find_first_not_of(' '), std::string::npos) << "blank firmware revision";
  EXPECT_EQ(w[47], 0x8000 | 16);  // 80h : up to 16 sectors per MULTIPLE block
  EXPECT_TRUE(w[49] & (1 << 9));  // LBA supported
  EXPECT_EQ(w[50] & 0xC000, 0x4000);
  EXPECT_TRUE(w[53] & 1);  // words 54-58 valid
  EXPECT_EQ(w[54], 4);
  EXPECT_EQ(w[55], 16);
  EXPECT_EQ(w[56], 63);
  EXPECT_EQ(dword(w, 57), 4u * 16 * 63);  // current CHS capacity
  EXPECT_EQ(w[59] & 0x0100, 0);           // no multiple setting yet
  EXPECT_EQ(dword(w, 60), 4u * 1008 + 10);  // every sector, by LBA
  EXPECT_EQ(w[83] & 0xC000, 0x4000);
  EXPECT_TRUE(w[83] & (1 << 12));  // FLUSH CACHE supported
}

TEST_F(IdeTest, IdentifyIntegrityWordChecksumsAllBytes) {
  open(2048);
  std::vector<u16> w = identify();
  EXPECT_EQ(w[255] & 0xFF, 0xA5);
  unsigned sum = 0;
  for (u16 word : w) sum += (word & 0xFF) + (word >> 8);
  EXPECT_EQ(sum % 256, 0u);
}

TEST_F(IdeTest, IdentifyIsOneDataInBlockWithOneInterrupt) {
  open(2048);
  outb(kDevice, kMasterLba);
  outb(kCommand, 0xEC);
  EXPECT_EQ(sink.raises(), 1);
  EXPECT_EQ(inb(kStatus), kDataRequest);
  for (int i = 0; i < 256; ++i) inw(kData);
  EXPECT_EQ(inb(kAltStatus), kReady);
  EXPECT_EQ(sink.raises(), 1);  // no interrupt at the end of a PIO data-in command
  EXPECT_EQ(counters.device("ide0.commands"), 1u);
  EXPECT_EQ(counters.device("ide0.sectors_read"), 0u);  // not a media access
}

// Beyond 16383 x 16 x 63 sectors word 1 stays at 16383; LBA reaches the rest.
TEST_F(IdeTest, IdentifyOfALargeImageCapsDefaultCylinders) {
  make_sparse(master_path, u64{20'971'520} * 512);  // 10 GiB, sparse
  master = std::make_unique<DiskImage>(master_path, WritePolicy::CopyOnWrite, counters);
  ide = std::make_unique<IdeChannel>(counters, IrqLine(&sink, 14), master.get());
  ide->attach(bus);
  std::vector<u16> w = identify();
  EXPECT_EQ(w[1], 16383);
  EXPECT_EQ(w[3], 16);
  EXPECT_EQ(w[6], 63);
  EXPECT_EQ(dword(w, 60), 20'971'520u);
}

TEST_F(IdeTest, SetMultipleModeShowsInWord59) {
  open(2048);
  outb(kSectorCount, 8);
  outb(kCommand, 0xC6);
  EXPECT_EQ(inb(kStatus), kReady);
  EXPECT_EQ(identify()[59], 0x0100 | 8);
}

TEST_F(IdeTest, StatusReadClearsTheInterruptAlternateStatusDoesNot) {
  open(64);
  outb(kCommand, 0xE7);  // FLUSH CACHE
  EXPECT_TRUE(sink.level());
  EXPECT_EQ(inb(kAltStatus), kReady);
  EXPECT_TRUE(sink.level());
  EXPECT_EQ(inb(kStatus), kReady);
  EXPECT_FALSE(sink.level());
}

TEST_F(IdeTest, NienKeepsIrq14LowAndTheTransferStillWorks) {
  open(64);
  outb(kDeviceControl, 0x02);  // nIEN
  set_lba(3, 1);
  outb(kCommand, 0x20);
  EXPECT_TRUE(sink.changes.empty());
  EXPECT_EQ(inb(kAltStatus), kDataRequest);  // the host polls instead
  EXPECT_EQ(read_sectors(), pattern(3));
  EXPECT_EQ(inb(kAltStatus), kReady);
  EXPECT_TRUE(sink.changes.empty());
}

// nIEN only gates the wire: an interrupt still pending when it is cleared shows up.
TEST_F(IdeTest, ClearingNienLetsAPendingInterruptThrough) {
  open(64);
  outb(kDeviceControl, 0x02);
  outb(kCommand, 0xE7);
  EXPECT_FALSE(sink.level());
  outb(kDeviceControl, 0x00);
  EXPECT_TRUE(sink.level());
  inb(kStatus);
  EXPECT_FALSE(sink.level());
}

// Writing Command clears a pending interrupt: the next completion is a new edge.
TEST_F(IdeTest, EachCommandCompletionIsAFreshEdge) {
  open(64);
  outb(kCommand, 0xE7);
  outb(kCommand, 0xE7);  // status never read in between
  ASSERT_EQ(sink.changes.size(), 3u);
  EXPECT_EQ(sink.changes[1], std::make_pair(14u, false));
  EXPECT_EQ(sink.raises(), 2);
}

TEST_F(IdeTest, DeviceBitSelectsTheSlave) {
  open(64, 32);
  set_lba(0, 1, kSlaveLba);
  outb(kCommand, 0x20);
  EXPECT_EQ(read_sectors(), std::vector<u8>(512, 0x5C));
  EXPECT_EQ(counters.device("ide1.sectors_read"), 1u);
  EXPECT_EQ(counters.device("ide0.sectors_read"), 0u);
  EXPECT_EQ(identify().at(60), 32);  // the slave's capacity
  EXPECT_EQ(counters.device("ide1.commands"), 2u);
  EXPECT_EQ(counters.device("ide0.commands"), 0u);
}

// Only the selected device drives INTRQ: selecting the other one releases the line.
TEST_F(IdeTest, OnlyTheSelectedDeviceDrivesIrq14) {
  open(64, 32);
  outb(kDevice, kSlaveLba);
  outb(kCommand, 0xE7);
  EXPECT_TRUE(sink.level());
  outb(kDevice, kMasterLba);
  EXPECT_FALSE(sink.level());
  outb(kDevice, kSlaveLba);
  EXPECT_TRUE(sink.level());
}

// Device 0 only: with DEV=1, Status reads 00h, other registers read device 0's copy,
// and commands are ignored.
TEST_F(IdeTest, MissingSlaveReadsZeroStatusAndIgnoresCommands) {
  open(64);
  outb(kDevice, kSlaveLba);
  outb(kSectorCount, 0x42);
  EXPECT_EQ(inb(kStatus), 0x00);
  EXPECT_EQ(inb(kAltStatus), 0x00);
  EXPECT_EQ(inb(kSectorCount), 0x42);
  EXPECT_EQ(inb(kDevice), kSlaveLba);
  outb(kCommand, 0xEC);
  EXPECT_TRUE(sink.changes.empty());
  EXPECT_EQ(counters.device("ide0.commands"), 0u);
  outb(kDevice, kMasterLba);
  EXPECT_EQ(inb(kStatus), kReady);
}

// No devices (no --disk): BSY never set, nothing answers, no interrupt.
TEST_F(IdeTest, ChannelWithoutDevicesReadsZeroAndIgnoresCommands) {
  ide = std::make_unique<IdeChannel>(counters, IrqLine(&sink, 14), nullptr);
  ide->attach(bus);
  outb(kSectorCount, 0x55);
  outb(kLbaLow, 0xAA);
  for (u16 port : {kError, kSectorCount, kLbaLow, kLbaMid, kLbaHigh, kDevice, kStatus, kAltStatus})
    EXPECT_EQ(inb(port), 0x00) << std::hex << port;
  outb(kCommand, 0xEC);
  outb(kCommand, 0x90);
  EXPECT_EQ(inb(kStatus), 0x00);
  EXPECT_EQ(sink.raises(), 0);
}

TEST_F(IdeTest, SoftwareResetPostsTheSignatureWithoutAnInterrupt) {
  open(64, 32);
  set_lba(0x123456, 7);
  outb(kCommand, 0xE7);
  EXPECT_TRUE(sink.level());
  outb(kDeviceControl, 0x04);  // SRST
  EXPECT_EQ(inb(kAltStatus) & kBusy, kBusy);
  EXPECT_FALSE(sink.level());  // the pending interrupt went with the reset
  outb(kDeviceControl, 0x00);
  EXPECT_EQ(sink.raises(), 1);
  for (u8 device : {kMasterLba, kSlaveLba}) {
    if (device == kSlaveLba) outb(kDevice, kSlaveLba);
    EXPECT_EQ(inb(kStatus), kReady);
    EXPECT_EQ(inb(kError), 0x01);  // diagnostic code: passed
    EXPECT_EQ(inb(kSectorCount), 0x01);
    EXPECT_EQ(inb(kLbaLow), 0x01);
    EXPECT_EQ(inb(kLbaMid), 0x00);  // 00h 00h: an ATA device (14h EBh would be PACKET)
    EXPECT_EQ(inb(kLbaHigh), 0x00);
    if (device == kMasterLba) {
      EXPECT_EQ(inb(kDevice), 0x00);
    }
  }
}

TEST_F(IdeTest, ExecuteDeviceDiagnosticPassesAndSelectsDevice0) {
  open(64, 32);
  outb(kDevice, kSlaveLba);
  outb(kCommand, 0x90);
  EXPECT_EQ(sink.raises(), 1);
  EXPECT_EQ(inb(kDevice) & 0x10, 0);  // device 0 selected
  EXPECT_EQ(inb(kStatus), kReady);    // ERR clear: Error holds a diagnostic code
  EXPECT_EQ(inb(kError), 0x01);       // device 0 passed, device 1 passed
  EXPECT_EQ(inb(kSectorCount), 0x01);
  EXPECT_EQ(inb(kLbaLow), 0x01);
  EXPECT_FALSE(sink.level());
}

TEST_F(IdeTest, LbaBeyondTheEndGivesIdnfAndMovesNoData) {
  open(64);
  for (auto [lba, count] : {std::pair<u32, u8>{64, 1}, {63, 2}, {0x0FFFFFFF, 1}}) {
    for (u8 command : {0x20, 0x30, 0xC4}) {
      if (command == 0xC4) {
        outb(kSectorCount, 2);
        outb(kCommand, 0xC6);
      }
      set_lba(lba, count);
      outb(kCommand, command);
      EXPECT_EQ(inb(kStatus), kErrorStatus) << lba << " " << int(command);
      EXPECT_EQ(inb(kError), kIdnf);
    }
  }
  EXPECT_EQ(counters.device("ide0.sectors_read"), 0u);
  EXPECT_EQ(master->overlay_sectors(), 0u);
  EXPECT_EQ(inw(kData), 0xFFFF);  // nothing to transfer
}

// IDENTIFY PACKET DEVICE, NOP, READ DMA: not commands of this device.
TEST_F(IdeTest, UnknownCommandsAreAborted) {
  open(64);
  for (u8 command : {0xA1, 0x00, 0xC8, 0xEA}) {
    int before = sink.raises();
    outb(kCommand, command);
    EXPECT_EQ(sink.raises(), before + 1);
    EXPECT_EQ(inb(kStatus), kErrorStatus) << int(command);
    EXPECT_EQ(inb(kError), kAbrt);
  }
}

TEST_F(IdeTest, SetFeaturesAcceptsCommonSubcommandsAndAbortsOthers) {
  open(64);
  auto set_features = [&](u8 feature, u8 count) {
    outb(kFeatures, feature);
    outb(kSectorCount, count);
    outb(kCommand, 0xEF);
    return inb(kStatus);
  };
  EXPECT_EQ(set_features(0x03, 0x0C), kReady);  // PIO flow-control mode 4
  EXPECT_EQ(set_features(0x03, 0x42), kErrorStatus);  // Ultra DMA mode 2: no DMA here
  EXPECT_EQ(inb(kError), kAbrt);
  EXPECT_EQ(set_features(0xAA, 0), kReady);
  EXPECT_EQ(set_features(0x82, 0), kReady);  // write cache off
  EXPECT_EQ(identify()[85] & (1 << 5), 0);
  EXPECT_EQ(set_features(0x02, 0), kReady);
  EXPECT_NE(identify()[85] & (1 << 5), 0);
  EXPECT_EQ(set_features(0x5A, 0), kErrorStatus);
}

TEST_F(IdeTest, PowerCommandsShowInCheckPowerMode) {
  open(64);
  auto power_mode = [&] {
    outb(kCommand, 0xE5);
    EXPECT_EQ(inb(kStatus), kReady);
    return inb(kSectorCount);
  };
  EXPECT_EQ(power_mode(), 0xFF);  // active or idle
  outb(kCommand, 0xE0);           // STANDBY IMMEDIATE
  EXPECT_EQ(inb(kStatus), kReady);
  EXPECT_EQ(power_mode(), 0x00);
  outb(kCommand, 0x95);  // IDLE IMMEDIATE, ATA-1 code
  EXPECT_EQ(power_mode(), 0x80);
  set_lba(0, 1);
  outb(kCommand, 0x20);
  read_sectors();
  EXPECT_EQ(power_mode(), 0xFF);
}

}  // namespace
}  // namespace vmlab::ide_test
