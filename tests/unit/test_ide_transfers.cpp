// IDE channel data transfers: READ/WRITE SECTORS and MULTIPLE with their per-block
// interrupts, sector count 0, CHS addressing, 32-bit Data accesses, what reaches the image
// file under each write policy, and a host write failure.
#include "ide_test_fixture.h"

namespace vmlab::ide_test {
namespace {

TEST_F(IdeTest, ReadOneSector) {
  open(64);
  set_lba(5, 1);
  outb(kCommand, 0x20);
  EXPECT_EQ(sink.raises(), 1);
  EXPECT_EQ(inb(kStatus), kDataRequest);
  EXPECT_FALSE(sink.level());
  EXPECT_EQ(read_sectors(), pattern(5));
  EXPECT_EQ(inb(kStatus), kReady);
  EXPECT_EQ(sink.raises(), 1);
  EXPECT_EQ(counters.device("ide0.sectors_read"), 1u);
  EXPECT_EQ(counters.device("ide0.commands"), 1u);
}

// PIO data-in: DRQ and an interrupt for every block, none after the last one.
TEST_F(IdeTest, ReadSeveralSectorsInterruptsOncePerBlock) {
  open(256);
  set_lba(100, 3);
  outb(kCommand, 0x21);  // READ SECTORS without retries: the same command
  for (u32 i = 0; i < 3; ++i) {
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(sink.raises(), int(i + 1));
    EXPECT_EQ(inb(kStatus), kDataRequest);
    EXPECT_FALSE(sink.level());
    EXPECT_EQ(read_sectors(), pattern(100 + i)) << "block " << i;
  }
  EXPECT_EQ(inb(kStatus), kReady);
  EXPECT_EQ(sink.raises(), 3);
  EXPECT_EQ(counters.device("ide0.sectors_read"), 3u);
}

TEST_F(IdeTest, SectorCountZeroMeans256) {
  open(300);
  set_lba(10, 0);
  outb(kCommand, 0x20);
  for (u32 i = 0; i < 256; ++i) {
    ASSERT_EQ(inb(kStatus), kDataRequest) << "block " << i;
    ASSERT_EQ(read_sectors(), pattern(10 + i));
  }
  EXPECT_EQ(inb(kStatus), kReady);
  EXPECT_EQ(sink.raises(), 256);
}

// PIO data-out: the first block is requested without an interrupt; each stored block
// interrupts, the last one with DRQ clear.
TEST_F(IdeTest, WriteSectorsThenReadBack) {
  open(64);
  std::vector<u8> data(2 * 512);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<u8>(i * 7 + 3);
  set_lba(40, 2);
  outb(kCommand, 0x30);
  EXPECT_EQ(inb(kAltStatus), kDataRequest);
  EXPECT_EQ(sink.raises(), 0);
  write_sectors({data.begin(), data.begin() + 512});
  EXPECT_EQ(sink.raises(), 1);
  EXPECT_EQ(inb(kStatus), kDataRequest);
  write_sectors({data.begin() + 512, data.end()});
  EXPECT_EQ(sink.raises(), 2);
  EXPECT_EQ(inb(kStatus), kReady);
  EXPECT_EQ(counters.device("ide0.sectors_written"), 2u);

  set_lba(39, 4);
  outb(kCommand, 0x20);
  std::vector<u8> back;
  for (int i = 0; i < 4; ++i) {
    std::vector<u8> s = read_sectors();
    back.insert(back.end(), s.begin(), s.end());
  }
  std::vector<u8> expected = pattern(39);
  expected.insert(expected.end(), data.begin(), data.end());
  std::vector<u8> after = pattern(42);
  expected.insert(expected.end(), after.begin(), after.end());
  EXPECT_EQ(back, expected);
}

TEST_F(IdeTest, CopyOnWriteLeavesTheImageFileUnchanged) {
  open(64);
  std::vector<u8> before = read_bytes(master_path);
  set_lba(0, 3);
  outb(kCommand, 0x30);
  write_sectors(std::vector<u8>(3 * 512, 0xEE));
  outb(kCommand, 0xE7);  // FLUSH CACHE
  EXPECT_EQ(inb(kStatus), kReady);
  EXPECT_EQ(read_bytes(master_path), before);
  set_lba(1, 1);
  outb(kCommand, 0x20);
  EXPECT_EQ(read_sectors(), std::vector<u8>(512, 0xEE));  // the guest sees its write
}

TEST_F(IdeTest, WriteThroughReachesTheFileByFlushCache) {
  open(64, std::nullopt, WritePolicy::WriteThrough);
  std::vector<u8> data(512, 0x3C);
  set_lba(9, 1);
  outb(kCommand, 0x30);
  write_sectors(data);
  EXPECT_EQ(inb(kStatus), kReady);
  outb(kCommand, 0xE7);
  EXPECT_EQ(sink.raises(), 2);
  EXPECT_EQ(inb(kStatus), kReady);
  EXPECT_EQ(file_sector(master_path, 9), data);
  EXPECT_EQ(file_sector(master_path, 8), pattern_sector(8));
  EXPECT_EQ(file_sector(master_path, 10), pattern_sector(10));
  EXPECT_GE(counters.device("disk0.flushes"), 1u);
}

TEST_F(IdeTest, ReadMultipleNeedsSetMultipleMode) {
  open(64);
  set_lba(0, 1);
  outb(kCommand, 0xC4);
  EXPECT_EQ(sink.raises(), 1);
  EXPECT_EQ(inb(kStatus), kErrorStatus);
  EXPECT_EQ(inb(kError), kAbrt);
}

// 10 sectors in blocks of 4: 4 + 4 + 2, one interrupt per block.
TEST_F(IdeTest, ReadMultipleTransfersBlocksOfTheMultipleCount) {
  open(64);
  outb(kSectorCount, 4);
  outb(kCommand, 0xC6);
  EXPECT_EQ(inb(kStatus), kReady);
  set_lba(20, 10);
  outb(kCommand, 0xC4);
  u32 lba = 20;
  for (u32 block : {4u, 4u, 2u}) {
    EXPECT_TRUE(sink.level());
    EXPECT_EQ(inb(kStatus), kDataRequest);
    EXPECT_EQ(read_sectors(block), pattern(lba, block)) << "block at " << lba;
    lba += block;
  }
  EXPECT_EQ(inb(kStatus), kReady);
  EXPECT_EQ(sink.raises(), 1 + 3);  // SET MULTIPLE MODE, then 3 blocks
  EXPECT_EQ(counters.device("ide0.sectors_read"), 10u);
}

TEST_F(IdeTest, WriteMultipleThenReadBack) {
  open(64);
  outb(kSectorCount, 8);
  outb(kCommand, 0xC6);
  inb(kStatus);
  std::vector<u8> data(10 * 512);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<u8>(i / 512 + 0x80);
  set_lba(50, 10);
  outb(kCommand, 0xC5);
  EXPECT_EQ(inb(kAltStatus), kDataRequest);
  EXPECT_EQ(sink.raises(), 1);  // only SET MULTIPLE MODE's
  write_sectors({data.begin(), data.begin() + 8 * 512});
  EXPECT_EQ(sink.raises(), 2);
  EXPECT_EQ(inb(kStatus), kDataRequest);
  write_sectors({data.begin() + 8 * 512, data.end()});
  EXPECT_EQ(sink.raises(), 3);
  EXPECT_EQ(inb(kStatus), kReady);

  set_lba(50, 10);
  outb(kCommand, 0x20);
  std::vector<u8> back;
  for (int i = 0; i < 10; ++i) {
    std::vector<u8> s = read_sectors();
    back.insert(back.end(), s.begin(), s.end());
  }
  EXPECT_EQ(back, data);
}

// Unsupported counts are aborted and leave READ/WRITE MULTIPLE disabled (ATA-4/5).
TEST_F(IdeTest, SetMultipleModeRejectsUnsupportedCounts) {
  open(64);
  for (u8 count : {3, 32}) {
    outb(kSectorCount, 4);
    outb(kCommand, 0xC6);
    EXPECT_EQ(inb(kStatus), kReady);
    outb(kSectorCount, count);
    outb(kCommand, 0xC6);
    EXPECT_EQ(inb(kStatus), kErrorStatus) << int(count);
    EXPECT_EQ(inb(kError), kAbrt);
    set_lba(0, 1);
    outb(kCommand, 0xC4);
    EXPECT_EQ(inb(kStatus), kErrorStatus);
  }
}

// Default translation 16 heads x 63 sectors: LBA = (C x 16 + H) x 63 + S - 1.
TEST_F(IdeTest, ChsAddressesMapThroughTheDefaultGeometry) {
  open(2100);
  set_chs(1, 2, 3, 1);
  outb(kCommand, 0x20);
  EXPECT_EQ(inb(kStatus), kDataRequest);
  EXPECT_EQ(read_sectors(), pattern((1 * 16 + 2) * 63 + 2));
  set_chs(0, 0, 1, 2);
  outb(kCommand, 0x20);
  EXPECT_EQ(read_sectors(), pattern(0));
  EXPECT_EQ(read_sectors(), pattern(1));
}

TEST_F(IdeTest, ChsAddressesFollowInitializeDeviceParameters) {
  open(2100);
  outb(kSectorCount, 17);      // sectors per track
  outb(kDevice, kMasterChs | 3);  // heads - 1
  outb(kCommand, 0x91);
  EXPECT_EQ(inb(kStatus), kReady);
  set_chs(2, 3, 5, 1);
  outb(kCommand, 0x20);
  EXPECT_EQ(read_sectors(), pattern((2 * 4 + 3) * 17 + 4));
  std::vector<u16> w = identify();
  EXPECT_EQ(w[54], 2100 / (4 * 17));
  EXPECT_EQ(w[55], 4);
  EXPECT_EQ(w[56], 17);
  EXPECT_EQ(w[57] | u32(w[58]) << 16, (2100u / 68) * 68);
  EXPECT_EQ(w[1], 2);  // the default translation is unchanged
}

// Sectors count from 1; heads beyond the translation do not exist.
TEST_F(IdeTest, ChsAddressOutsideTheGeometryGivesIdnf) {
  open(2100);
  set_chs(0, 0, 0, 1);
  outb(kCommand, 0x20);
  EXPECT_EQ(inb(kStatus), kErrorStatus);
  EXPECT_EQ(inb(kError), kIdnf);
  set_chs(0, 0, 64, 1);
  outb(kCommand, 0x20);
  EXPECT_EQ(inb(kError), kIdnf);
  set_chs(2, 0, 1, 1);  // 2100 sectors make two whole cylinders: the partial third is not in it
  outb(kCommand, 0x20);
  EXPECT_EQ(inb(kError), kIdnf);
}

// A 32-bit access to Data moves two words, the first in the low half.
TEST_F(IdeTest, ThirtyTwoBitDataAccesses) {
  open(64);
  set_lba(7, 1);
  outb(kCommand, 0x20);
  std::vector<u8> expected = pattern(7);
  for (u32 i = 0; i < 128; ++i) {
    u32 want = expected[4 * i] | expected[4 * i + 1] << 8 | expected[4 * i + 2] << 16 |
               u32(expected[4 * i + 3]) << 24;
    ASSERT_EQ(inl(kData), want) << "dword " << i;
  }
  EXPECT_EQ(inb(kStatus), kReady);

  set_lba(8, 1);
  outb(kCommand, 0x30);
  for (u32 i = 0; i < 128; ++i) outl(kData, 0xA0000000u | i);
  EXPECT_EQ(inb(kStatus), kReady);
  set_lba(8, 1);
  outb(kCommand, 0x20);
  for (u32 i = 0; i < 128; ++i) {
    ASSERT_EQ(inw(kData), i);
    ASSERT_EQ(inw(kData), 0xA000);
  }
}

// The byte registers decode like a PC bus: a 16-bit read of 1F2h reads 1F2h and 1F3h.
TEST_F(IdeTest, WideAccessToByteRegistersReadsConsecutivePorts) {
  open(64);
  set_lba(0x34, 0x12);
  EXPECT_EQ(inw(kSectorCount), 0x3412);
}

// The host could not store a block (here: the copy-on-write overlay is full): a device
// fault for the guest, and the run goes on.
TEST_F(IdeTest, HostWriteFailureIsADeviceFault) {
  open(64, std::nullopt, WritePolicy::CopyOnWrite, 512);  // room for one sector
  set_lba(0, 2);
  outb(kCommand, 0x30);
  write_sectors(std::vector<u8>(512, 1));
  EXPECT_EQ(inb(kStatus), kDataRequest);
  write_sectors(std::vector<u8>(512, 2));
  EXPECT_EQ(sink.raises(), 2);
  EXPECT_EQ(inb(kStatus), 0x71);  // DRDY | DF | DSC | ERR
  EXPECT_EQ(inb(kError), kAbrt);
  EXPECT_EQ(counters.device("ide0.host_io_errors"), 1u);
  EXPECT_EQ(counters.device("ide0.sectors_written"), 1u);
}

}  // namespace
}  // namespace vmlab::ide_test
