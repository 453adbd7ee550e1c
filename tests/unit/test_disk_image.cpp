// DiskImage: validation messages, reads, the copy-on-write overlay (the file is never
// written), write-through, range errors, the overlay limit and the image lock.
#include "devices/disk_image.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "core/counters.h"
#include "core/error.h"
#include "disk_test_support.h"

namespace vmlab {
namespace {

using namespace disk_test;

// The message of the UserError that opening `path` throws, or "" when it opens.
std::string open_error(const std::string& path, WritePolicy policy = WritePolicy::CopyOnWrite) {
  Counters counters;
  try {
    DiskImage image(path, policy, counters);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

class DiskImageTest : public ::testing::Test {
 protected:
  TempDir dir;
  Counters counters;
  std::string path = dir.file("disk.img");
  void SetUp() override { make_image(path, 64); }
};

TEST_F(DiskImageTest, OpensAndReportsSize) {
  DiskImage image(path, WritePolicy::CopyOnWrite, counters);
  EXPECT_EQ(image.sector_count(), 64u);
  EXPECT_EQ(image.path(), path);
  EXPECT_EQ(image.policy(), WritePolicy::CopyOnWrite);
}

TEST_F(DiskImageTest, MissingFileNamesItAndTheReason) {
  std::string missing = dir.file("nope.img");
  std::string msg = open_error(missing);
  EXPECT_NE(msg.find("'" + missing + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::strerror(ENOENT)), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST_F(DiskImageTest, PartialSectorIsRefusedWithThePaddedSize) {
  std::string odd = dir.file("x.img");
  write_bytes(odd, std::vector<u8>(1000, 0));
  EXPECT_EQ(open_error(odd), "'" + odd + "' is 1000 bytes, not a whole number of 512-byte sectors: "
                                         "pad it, e.g. truncate -s 1024 " + odd);
}

TEST_F(DiskImageTest, EmptyFileIsRefused) {
  std::string empty = dir.file("empty.img");
  write_bytes(empty, {});
  std::string msg = open_error(empty);
  EXPECT_NE(msg.find("'" + empty + "' is empty"), std::string::npos) << msg;
}

TEST_F(DiskImageTest, DirectoryIsRefused) {
  for (WritePolicy policy : {WritePolicy::CopyOnWrite, WritePolicy::WriteThrough}) {
    std::string msg = open_error(dir.file(""), policy);
    EXPECT_NE(msg.find("not a regular file"), std::string::npos) << msg;
  }
}

// LBA28 addresses up to 0FFFFFFEh, so 0FFFFFFFh sectors is the largest usable image.
TEST_F(DiskImageTest, LargestLba28ImageOpensOneSectorMoreDoesNot) {
  std::string big = dir.file("big.img");
  make_sparse(big, u64{0x0FFFFFFF} * 512);
  {
    DiskImage image(big, WritePolicy::CopyOnWrite, counters);
    EXPECT_EQ(image.sector_count(), 0x0FFFFFFFu);
  }
  make_sparse(big, u64{0x10000000} * 512);
  std::string msg = open_error(big);
  EXPECT_NE(msg.find("28-bit LBA"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'" + big + "'"), std::string::npos) << msg;
}

TEST_F(DiskImageTest, ReadsSectorsOfTheFile) {
  DiskImage image(path, WritePolicy::CopyOnWrite, counters);
  std::vector<u8> buf(3 * 512);
  image.read(10, 3, buf.data());
  for (u32 i = 0; i < 3; ++i) {
    std::vector<u8> sector(buf.begin() + i * 512, buf.begin() + (i + 1) * 512);
    EXPECT_EQ(sector, pattern_sector(10 + i));
  }
  EXPECT_EQ(counters.device("disk0.file_sectors_read"), 3u);
}

TEST_F(DiskImageTest, CopyOnWriteReadsBackWritesAndNeverTouchesTheFile) {
  std::vector<u8> before = read_bytes(path);
  {
    DiskImage image(path, WritePolicy::CopyOnWrite, counters);
    std::vector<u8> data(2 * 512, 0xAB);
    image.write(20, 2, data.data());
    image.flush();
    std::vector<u8> buf(4 * 512);
    image.read(19, 4, buf.data());  // file, overlay, overlay, file
    EXPECT_EQ(std::vector<u8>(buf.begin(), buf.begin() + 512), pattern_sector(19));
    EXPECT_EQ(std::vector<u8>(buf.begin() + 512, buf.begin() + 1536), data);
    EXPECT_EQ(std::vector<u8>(buf.begin() + 1536, buf.end()), pattern_sector(22));
    EXPECT_EQ(image.overlay_sectors(), 2u);
    EXPECT_EQ(counters.device("disk0.overlay_sectors"), 2u);
    EXPECT_EQ(counters.device("disk0.file_sectors_written"), 0u);
  }
  EXPECT_EQ(read_bytes(path), before);
}

TEST_F(DiskImageTest, CopyOnWriteWorksOnAReadOnlyFile) {
  chmod(path.c_str(), 0444);
  DiskImage image(path, WritePolicy::CopyOnWrite, counters);
  std::vector<u8> data(512, 0x11), buf(512);
  image.write(0, 1, data.data());
  image.read(0, 1, buf.data());
  EXPECT_EQ(buf, data);
}

TEST_F(DiskImageTest, WriteThroughNeedsAWritableFile) {
  if (geteuid() == 0) GTEST_SKIP() << "root opens read-only files for writing";
  chmod(path.c_str(), 0444);
  std::string msg = open_error(path, WritePolicy::WriteThrough);
  EXPECT_NE(msg.find("for writing (--disk-write-through): " + std::string(std::strerror(EACCES))),
            std::string::npos) << msg;
  EXPECT_NE(msg.find("drop --disk-write-through"), std::string::npos) << msg;
}

TEST_F(DiskImageTest, WriteThroughWritesTheFile) {
  std::vector<u8> data(512, 0x5A);
  {
    DiskImage image(path, WritePolicy::WriteThrough, counters);
    image.write(7, 1, data.data());
    image.flush();
    EXPECT_EQ(file_sector(path, 7), data);
    EXPECT_EQ(image.overlay_sectors(), 0u);
    EXPECT_EQ(counters.device("disk0.file_sectors_written"), 1u);
    EXPECT_EQ(counters.device("disk0.flushes"), 1u);
  }
  EXPECT_EQ(counters.device("disk0.flushes"), 2u);  // the destructor flushed too
  EXPECT_EQ(file_sector(path, 6), pattern_sector(6));
  EXPECT_EQ(file_sector(path, 8), pattern_sector(8));
}

TEST_F(DiskImageTest, AccessesOutsideTheImageThrowOutOfRange) {
  DiskImage image(path, WritePolicy::CopyOnWrite, counters);
  std::vector<u8> buf(2 * 512);
  EXPECT_THROW(image.read(64, 1, buf.data()), std::out_of_range);
  EXPECT_THROW(image.read(63, 2, buf.data()), std::out_of_range);
  EXPECT_THROW(image.write(~u64{0}, 2, buf.data()), std::out_of_range);  // lba + count wraps
  EXPECT_THROW(image.read(0, 65, buf.data()), std::out_of_range);
  EXPECT_NO_THROW(image.read(63, 1, buf.data()));
  EXPECT_EQ(image.overlay_sectors(), 0u);
}

TEST_F(DiskImageTest, FullOverlayRefusesTheWholeWrite) {
  DiskImage image(path, WritePolicy::CopyOnWrite, counters, "disk0", 2 * 512);
  std::vector<u8> data(3 * 512, 0x77);
  image.write(0, 2, data.data());
  EXPECT_NO_THROW(image.write(1, 1, data.data()));  // rewriting a held sector needs no room
  EXPECT_THROW(image.write(1, 2, data.data()), DiskIoError);
  EXPECT_EQ(image.overlay_sectors(), 2u);
  std::vector<u8> buf(512);
  image.read(2, 1, buf.data());
  EXPECT_EQ(buf, pattern_sector(2));
}

TEST_F(DiskImageTest, AWriterHasTheImageToItself) {
  {
    DiskImage reader1(path, WritePolicy::CopyOnWrite, counters);
    DiskImage reader2(path, WritePolicy::CopyOnWrite, counters);  // readers share
    EXPECT_NE(open_error(path, WritePolicy::WriteThrough).find("already open"), std::string::npos);
  }
  DiskImage writer(path, WritePolicy::WriteThrough, counters);
  EXPECT_NE(open_error(path, WritePolicy::CopyOnWrite).find("being written"), std::string::npos);
  EXPECT_NE(open_error(path, WritePolicy::WriteThrough).find("already open"), std::string::npos);
}

}  // namespace
}  // namespace vmlab
