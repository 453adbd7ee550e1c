// The 386 LOCK rule that replaces 286 results in the SingleStepTests runner.
#include <gtest/gtest.h>

#include <vector>

#include "cpu/conformance/sst_386_rules.h"
#include "cpu/conformance/sst_runner.h"

namespace vmlab {
namespace {

bool has_rule(std::vector<u8> bytes) { return sst_386_rule(bytes).has_value(); }

TEST(Sst386Rules, LockableMemoryFormsKeepThe286Result) {
  EXPECT_FALSE(has_rule({0xF0, 0x00, 0x07, 0xF4}));              // lock add [bx], al
  EXPECT_FALSE(has_rule({0x2E, 0xF0, 0x87, 0x07, 0xF4}));        // cs lock xchg [bx], ax
  EXPECT_FALSE(has_rule({0xF0, 0x80, 0x2F, 0x01, 0xF4}));        // lock sub byte [bx], 1
  EXPECT_FALSE(has_rule({0xF0, 0xF6, 0x1F, 0xF4}));              // lock neg byte [bx]
  EXPECT_FALSE(has_rule({0xF0, 0xFF, 0x0F, 0xF4}));              // lock dec word [bx]
  EXPECT_FALSE(has_rule({0xF0, 0x0F, 0xB1, 0x0F, 0xF4}));        // lock cmpxchg [bx], cx
  EXPECT_FALSE(has_rule({0x00, 0x07, 0xF4}));                    // no LOCK at all
}

TEST(Sst386Rules, OtherLockedInstructionsRaiseUd) {
  EXPECT_TRUE(has_rule({0xF0, 0x90, 0xF4}));                     // lock nop
  EXPECT_TRUE(has_rule({0xF0, 0x00, 0xD8, 0xF4}));               // lock add al, bl (register)
  EXPECT_TRUE(has_rule({0xF0, 0x38, 0x07, 0xF4}));               // lock cmp [bx], al (CMP)
  EXPECT_TRUE(has_rule({0xF0, 0x80, 0x3F, 0x01, 0xF4}));         // lock cmp byte [bx], 1 (/7)
  EXPECT_TRUE(has_rule({0xF0, 0x02, 0x07, 0xF4}));               // lock add al, [bx] (reg dest)
  EXPECT_TRUE(has_rule({0xF0, 0xF6, 0x27, 0xF4}));               // lock mul byte [bx] (/4)
  EXPECT_TRUE(has_rule({0xF0, 0xA4, 0xF4}));                     // lock movsb
  EXPECT_EQ(sst_386_rule(std::vector<u8>{0xF0, 0x90, 0xF4})->vector, 6);
}

TEST(Sst386Rules, CheckWantsUdAtTheInstruction) {
  SstTest test;
  test.initial[static_cast<size_t>(SstReg::ip)] = 0x1234;
  Sst386Rule rule = *sst_386_rule(std::vector<u8>{0xF0, 0x90, 0xF4});
  SstState ud_here;
  ud_here.exceptions = {{6, 0x1234}};
  EXPECT_TRUE(check_386_rule(rule, test, ud_here).empty());

  SstState nothing;  // the 286 behaviour: LOCK ignored
  ASSERT_EQ(check_386_rule(rule, test, nothing).size(), 1u);
  EXPECT_NE(check_386_rule(rule, test, nothing)[0].find("no exception"), std::string::npos);

  SstState elsewhere;
  elsewhere.exceptions = {{6, 0x1236}};
  EXPECT_FALSE(check_386_rule(rule, test, elsewhere).empty());

  SstState wrong_vector;
  wrong_vector.exceptions = {{13, 0x1234}};
  EXPECT_FALSE(check_386_rule(rule, test, wrong_vector).empty());
}

}  // namespace
}  // namespace vmlab
