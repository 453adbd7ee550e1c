// The bundled-guest catalog end to end: every guest `vmlab run --guest list` names boots
// by its short name under native and under tae-shadow, and reports success.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/guests/guest_output.h"

namespace vmlab::test {
namespace {

TEST(BundledGuests, EveryListedGuestBootsAndSucceeds) {
  ChildResult list = run_child(VMLAB_CLI_BINARY, {"run", "--guest", "list"}, scratch_dir());
  ASSERT_EQ(list.status, 0) << list.err;
  std::vector<std::string> names;
  for (const auto& line : split_lines(list.out)) {
    std::istringstream words(line);
    std::string name;
    if (words >> name) names.push_back(name);
  }
  for (const char* expected : {"demo", "kernel", "nanobench"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected << " not listed:\n" << list.out;
  for (const auto& name : names) {
    if (name.rfind("nanobench-", 0) == 0) continue;  // test_nanobench boots each of these
    for (const char* mode : {"native", "tae-shadow"}) {
      GuestOutput out = run_guest(name, {"--mode", mode});
      EXPECT_EQ(out.child.status, 33) << name << " under " << mode << ":\n" << out.child.out << out.child.err;
    }
  }
}

}  // namespace
}  // namespace vmlab::test
