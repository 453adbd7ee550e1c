// Disassembly for people: Capstone's text at the instruction's own address (so branch
// targets are addresses), our decoder's length, and the bytes.
#include <gtest/gtest.h>

#include "cpu/disassembler.h"

namespace vmlab {
namespace {

TEST(Disassembler, BranchTargetsAreAbsoluteAtTheGivenAddress) {
  const u8 jmp[] = {0xE9, 0xC7, 0x05, 0x00, 0x00};  // jmp rel32 +0x5c7
  Disassembly at_zero = disassemble(jmp, sizeof jmp, true);
  Disassembly placed = disassemble(jmp, sizeof jmp, true, 0xC01004CB);
  EXPECT_EQ(placed.length, 5u);
  EXPECT_EQ(placed.bytes, "e9 c7 05 00 00");
  EXPECT_EQ(placed.text, "jmp 0xc0100a97");
  EXPECT_EQ(at_zero.text, "jmp 0x5cc");
}

}  // namespace
}  // namespace vmlab
