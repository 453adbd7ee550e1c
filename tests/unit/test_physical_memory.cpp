// PhysicalMemory: size validation, bounds, copies, and the code-page write hook that
// keeps pre-decoded instructions honest.
#include "core/physical_memory.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "core/error.h"

namespace vmlab {
namespace {

constexpr u32 kPage = PhysicalMemory::kPageSize;

TEST(PhysicalMemory, RejectsBadSizes) {
  EXPECT_THROW(PhysicalMemory(0), UserError);
  EXPECT_THROW(PhysicalMemory(kPage + 1), UserError);
  EXPECT_THROW(PhysicalMemory(1000), UserError);
  EXPECT_THROW(PhysicalMemory((3ull << 30) + kPage), UserError);
  EXPECT_NO_THROW(PhysicalMemory{kPage});
}

TEST(PhysicalMemory, StartsZeroedAndRoundTrips) {
  PhysicalMemory mem(4 * kPage);
  EXPECT_EQ(mem.size(), 4u * kPage);
  for (u32 i = 0; i < mem.size(); ++i) ASSERT_EQ(mem.data()[i], 0) << i;
  const std::array<u8, 4> bytes{0xDE, 0xAD, 0xBE, 0xEF};
  mem.write(kPage - 2, bytes.data(), 4);  // straddles a page boundary
  std::array<u8, 4> back{};
  mem.read(kPage - 2, back.data(), 4);
  EXPECT_EQ(back, bytes);
  mem.fill(10, 0x5A, 3);
  EXPECT_EQ(mem.data()[9], 0);
  EXPECT_EQ(mem.data()[10], 0x5A);
  EXPECT_EQ(mem.data()[12], 0x5A);
  EXPECT_EQ(mem.data()[13], 0);
}

TEST(PhysicalMemory, ContainsEdges) {
  PhysicalMemory mem(2 * kPage);
  const u64 size = mem.size();
  EXPECT_TRUE(mem.contains(0, size));
  EXPECT_TRUE(mem.contains(size - 1, 1));
  EXPECT_FALSE(mem.contains(size - 1, 2));
  EXPECT_FALSE(mem.contains(size, 1));
  EXPECT_TRUE(mem.contains(size, 0));  // an empty range at the end touches nothing
  EXPECT_FALSE(mem.contains(0, size + 1));
  EXPECT_FALSE(mem.contains(~0ull, 2));  // wraps around to a small sum
  EXPECT_FALSE(mem.contains(1, ~0ull));
  EXPECT_EQ(mem.host_ptr(size - 1), mem.data() + size - 1);
  EXPECT_EQ(mem.host_ptr(size), nullptr);
}

class CodePagesTest : public ::testing::Test {
 protected:
  CodePagesTest() {
    mem.set_code_write_hook([this](u32 page) { hooked.push_back(page); });
    mem.mark_code(1 * kPage);
    mem.mark_code(2 * kPage + 100);  // any address in the page marks the page
  }
  PhysicalMemory mem{4 * kPage};
  std::vector<u32> hooked;
};

TEST_F(CodePagesTest, MarkingIsPerPage) {
  EXPECT_FALSE(mem.is_code(0));
  EXPECT_TRUE(mem.is_code(kPage));
  EXPECT_TRUE(mem.is_code(2 * kPage - 1));
  EXPECT_TRUE(mem.is_code(2 * kPage));
  EXPECT_FALSE(mem.is_code(3 * kPage));
}

TEST_F(CodePagesTest, WriteAcrossBoundaryFiresOncePerMarkedPage) {
  std::array<u8, 8> bytes{};
  mem.write(2 * kPage - 4, bytes.data(), 8);
  EXPECT_EQ(hooked, (std::vector<u32>{1, 2}));
  EXPECT_FALSE(mem.is_code(kPage));
  EXPECT_FALSE(mem.is_code(2 * kPage));
  mem.write(2 * kPage - 4, bytes.data(), 8);  // marks are gone: no second call
  EXPECT_EQ(hooked.size(), 2u);
}

TEST_F(CodePagesTest, FillAndNoteWriteFireToo) {
  mem.fill(kPage + 10, 0, 1);
  EXPECT_EQ(hooked, (std::vector<u32>{1}));
  mem.note_write(3 * kPage - 1, 2);  // last byte of page 2, first of page 3 (unmarked)
  EXPECT_EQ(hooked, (std::vector<u32>{1, 2}));
  mem.mark_code(kPage);
  mem.note_write(0, 4 * kPage);  // covers every page; only page 1 is marked again
  EXPECT_EQ(hooked, (std::vector<u32>{1, 2, 1}));
}

TEST_F(CodePagesTest, WritesElsewhereAndEmptyWritesDoNothing) {
  mem.fill(0, 0xFF, kPage);  // all of page 0, stopping just short of page 1
  mem.note_write(3 * kPage, kPage);
  mem.note_write(kPage, 0);
  EXPECT_TRUE(hooked.empty());
  EXPECT_TRUE(mem.is_code(kPage));
}

}  // namespace
}  // namespace vmlab

namespace vmlab {
namespace {

// The CPU asks about code pages for every block it decodes, including blocks fetched
// from MMIO such as the firmware's reset-vector alias at 0xFFFFFFF0.
TEST(PhysicalMemoryCodePages, AddressesBeyondRamAreNeverCode) {
  PhysicalMemory memory(1 << 20);
  EXPECT_FALSE(memory.is_code(0xFFFFFFF0));
  memory.mark_code(0xFFFFFFF0);  // ignored, no crash
  EXPECT_FALSE(memory.is_code(0xFFFFFFF0));
}

TEST(PhysicalMemoryHoles, AHoleIsNotRam) {
  PhysicalMemory memory(1 << 20);
  memory.add_hole(0xA0000, 0x20000);
  EXPECT_FALSE(memory.contains(0xB8000, 2));
  EXPECT_FALSE(memory.contains(0x9FFFF, 2));  // straddles the start
  EXPECT_TRUE(memory.contains(0x9FFFE, 2));
  EXPECT_TRUE(memory.contains(0xC0000, 4));
  EXPECT_EQ(memory.host_ptr(0xB8000), nullptr);
}

}  // namespace
}  // namespace vmlab
