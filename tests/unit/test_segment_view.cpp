// The debug view of segment descriptors (modes/segment_view.h): the type field in the
// SDM's words and the attribute bits, for descriptors built as a loader writes them.
// The guest's column under a monitor is tested in test_tae_monitor.cpp, on a guest.
#include <gtest/gtest.h>

#include "cpu/descriptors.h"
#include "modes/segment_view.h"
#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

// The cache a segment load makes from a table entry written as one 64-bit value.
SegmentCache loaded(u16 selector, u64 entry) { return make_cache(selector, Descriptor{u32(entry), u32(entry >> 32)}); }

TEST(SegmentView, CodeAndDataTypesAreNamedAsInTheSdm) {
  EXPECT_EQ(segment_type_name(0x9B), "code execute/read accessed");
  EXPECT_EQ(segment_type_name(0x98), "code execute-only");
  EXPECT_EQ(segment_type_name(0x9E), "code execute/read conforming");
  EXPECT_EQ(segment_type_name(0x9D), "code execute-only conforming accessed");
  EXPECT_EQ(segment_type_name(0x93), "data read/write accessed");
  EXPECT_EQ(segment_type_name(0x90), "data read-only");
  EXPECT_EQ(segment_type_name(0x96), "data read/write expand-down");
  EXPECT_EQ(segment_type_name(0x95), "data read-only expand-down accessed");
}

TEST(SegmentView, SystemTypesAreNamedAsInTheSdm) {
  EXPECT_EQ(segment_type_name(0x82), "LDT");
  EXPECT_EQ(segment_type_name(0x89), "32-bit TSS (available)");
  EXPECT_EQ(segment_type_name(0x8B), "32-bit TSS (busy)");
  EXPECT_EQ(segment_type_name(0x81), "16-bit TSS (available)");
  EXPECT_EQ(segment_type_name(0x8C), "32-bit call gate");
  EXPECT_EQ(segment_type_name(0x85), "task gate");
  EXPECT_EQ(segment_type_name(0x80), "reserved system type 0");
}

TEST(SegmentView, AttributesNameEveryBitButTheType) {
  EXPECT_EQ(segment_attributes(0x9B, FLAG_G | FLAG_DB), "S=1 DPL=0 P=1 D/B=1 G=1");
  EXPECT_EQ(segment_attributes(0xB3, FLAG_G | FLAG_DB), "S=1 DPL=1 P=1 D/B=1 G=1");
  EXPECT_EQ(segment_attributes(0x72, 0), "S=1 DPL=3 P=0 D/B=0 G=0");
  EXPECT_EQ(segment_attributes(0x8B, 0), "S=0 DPL=0 P=1 D/B=0 G=0");
}

TEST(SegmentView, ADescriptorAsALoadLeavesItInTheCache) {
  EXPECT_EQ(describe_segment(loaded(kKernelCs, flat_code(0))),
            "0x0008 base 0x00000000 limit 0xffffffff code execute/read S=1 DPL=0 P=1 D/B=1 G=1");
  EXPECT_EQ(describe_segment(loaded(kUserDs, flat_data(3))),
            "0x0023 base 0x00000000 limit 0xffffffff data read/write S=1 DPL=3 P=1 D/B=1 G=1");
  // Byte granular, 16-bit: the limit is the raw one.
  EXPECT_EQ(describe_segment(loaded(0x30, code16_segment(0x12340, 0xFFFF))),
            "0x0030 base 0x00012340 limit 0x0000ffff code execute/read S=1 DPL=0 P=1 D/B=0 G=0");
  EXPECT_EQ(describe_segment(loaded(kTssSel, tss_descriptor(kTssBase, 0x67))),
            "0x0028 base 0x00003000 limit 0x00000067 32-bit TSS (available) S=0 DPL=0 P=1 D/B=0 G=0");
  EXPECT_EQ(describe_segment(loaded(0x38, data_segment(0x400000, 0xFFF, 2, false))),
            "0x0038 base 0x00400000 limit 0x00000fff data read/write S=1 DPL=2 P=0 D/B=1 G=0");
}

}  // namespace
}  // namespace vmlab::test
