// The page walk as debug views show it: each level's address, value and named bits,
// 4 KiB and 4 MiB pages, a walk that stops at a missing entry, tables outside the
// limit, and no side effects (the A bits stay clear).
#include <gtest/gtest.h>

#include "core/physical_memory.h"
#include "mmu/walk_view.h"
#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

TEST(WalkView, ShowsEachLevelOfASmallPage) {
  PhysicalMemory memory(8u << 20);
  PageTables t(memory, 0x100000);
  t.map(0x00401234 & ~0xFFFu, 0x300000, PTE_P | PTE_W | PTE_U | PTE_D);
  PagingControl c{0x100000, false, false, true};
  WalkView v = view_walk(memory, c, 0x00401234);
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(v.physical, 0x300234u);
  ASSERT_EQ(v.steps.size(), 4u);
  EXPECT_EQ(v.steps[0].level, "CR3");
  EXPECT_EQ(v.steps[1].level, "PDE");
  EXPECT_EQ(v.steps[1].address, 0x100000u + 1 * 4);
  EXPECT_EQ(v.steps[1].bits, "P W U");
  EXPECT_EQ(v.steps[2].level, "PTE");
  EXPECT_EQ(v.steps[2].address, (t.pde(0x401000) & PTE_FRAME) + 1 * 4);
  EXPECT_EQ(v.steps[2].value, 0x300000u | PTE_P | PTE_W | PTE_U | PTE_D);
  EXPECT_EQ(v.steps[2].bits, "P W U D");
  EXPECT_EQ(v.steps[3].level, "frame");
  EXPECT_FALSE(t.pte(0x401000) & PTE_A) << "a view sets no accessed bit";
}

TEST(WalkView, LargePagesMissingEntriesAndTheLimit) {
  PhysicalMemory memory(8u << 20);
  PageTables t(memory, 0x100000);
  t.map_large(0x800000, 0x400000, PTE_P | PTE_W | PTE_G);
  WalkView large = view_walk(memory, PagingControl{0x100000, true, true, true}, 0x812345);
  ASSERT_TRUE(large.ok);
  EXPECT_EQ(large.physical, 0x412345u);
  EXPECT_EQ(large.steps[1].bits, "P W PS G");
  EXPECT_EQ(large.steps.back().bits, "4 MiB page");

  WalkView missing = view_walk(memory, PagingControl{0x100000, true, true, true}, 0xC00000);
  EXPECT_FALSE(missing.ok);
  ASSERT_EQ(missing.steps.size(), 2u);
  EXPECT_EQ(missing.steps[1].bits, "-  (not present: #PF)");

  PagingControl limited{0x100000, true, true, true};
  limited.phys_limit = 0x100000;  // the directory itself is beyond it
  WalkView outside = view_walk(memory, limited, 0x812345);
  EXPECT_FALSE(outside.ok);
  EXPECT_EQ(outside.steps[1].bits, "outside RAM");
}

}  // namespace
}  // namespace vmlab::test
