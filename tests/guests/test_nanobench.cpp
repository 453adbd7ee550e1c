// guests/nanobench under native: every operation reports, passes its functional checks,
// costs what its instruction count and the cost model say, and prints the same thing
// twice.
#include <gtest/gtest.h>

#include "tests/guests/guest_output.h"

namespace vmlab::test {
namespace {

constexpr int kSuccess = 33;

const std::vector<std::string> kOperations = {
    "loop",     "syscall-int80", "syscall-sysenter", "in",     "tprwr", "callret", "pgfault", "divzero",
    "ptemod",   "cr3switch",     "clisti",           "pushfpopf", "cpuid", "rdtsc",  "hlt"};

TEST(Nanobench, EveryOperationReportsInOrderAndPasses) {
  GuestOutput out = run_guest("nanobench");
  ASSERT_EQ(out.child.status, kSuccess) << out.child.out << out.child.err;
  EXPECT_EQ(out.result_order, kOperations);
  EXPECT_TRUE(out.failures.empty()) << out.child.out;
  EXPECT_TRUE(out.has_line("nanobench: 15 operations, 0 failures")) << out.child.out;
  // At one cycle per instruction (p4-2006's base CPI) an operation costs its instruction
  // count plus what the cost model charges: 900 per exception, 1100 per page fault.
  auto per = [&](const std::string& op) { return out.results.at(op).cycles_per_iteration; };
  for (const auto& op : kOperations) EXPECT_GE(per(op), per("loop")) << op;
  EXPECT_LE(per("loop"), 5);
  EXPECT_LE(per("callret"), per("loop") + 10);
  EXPECT_GE(per("pgfault"), per("loop") + 1100);
  EXPECT_LE(per("pgfault"), per("loop") + 1100 + 200);
  EXPECT_GE(per("divzero"), per("loop") + 900);
  EXPECT_LE(per("divzero"), per("loop") + 900 + 200);
  EXPECT_LE(per("syscall-int80"), 200) << "INT n is not an exception: no exception charge";
  EXPECT_GE(per("hlt"), 1000) << "a HLT waits for the next timer interrupt";
}

TEST(Nanobench, TheCostProfileShowsUpInTheGuestsOwnRdtscFigures) {
  GuestOutput p4 = run_guest("nanobench", {"--append", "pgfault divzero callret"});
  GuestOutput modern = run_guest("nanobench", {"--cost-profile", "modern", "--append", "pgfault divzero callret"});
  ASSERT_EQ(p4.child.status, kSuccess) << p4.child.out;
  ASSERT_EQ(modern.child.status, kSuccess) << modern.child.out;
  // p4-2006 native.page_fault 1100 vs modern 500; native.exception 900 vs 300.
  EXPECT_DOUBLE_EQ(p4.results["pgfault"].cycles_per_iteration - modern.results["pgfault"].cycles_per_iteration, 600);
  EXPECT_DOUBLE_EQ(p4.results["divzero"].cycles_per_iteration - modern.results["divzero"].cycles_per_iteration, 600);
  EXPECT_DOUBLE_EQ(p4.results["callret"].cycles_per_iteration, modern.results["callret"].cycles_per_iteration);
}

TEST(Nanobench, TwoRunsPrintIdenticalOutput) {
  GuestOutput a = run_guest("nanobench");
  GuestOutput b = run_guest("nanobench");
  ASSERT_EQ(a.child.status, kSuccess);
  EXPECT_EQ(a.child.out, b.child.out);
}

TEST(Nanobench, CommandLineChoosesOperationsAndIterations) {
  GuestOutput out = run_guest("nanobench", {"--append", "cpuid=7 rdtsc 50"});
  ASSERT_EQ(out.child.status, kSuccess) << out.child.out;
  EXPECT_EQ(out.result_order, (std::vector<std::string>{"cpuid", "rdtsc"}));
  EXPECT_EQ(out.results["cpuid"].iterations, 7u);
  EXPECT_EQ(out.results["rdtsc"].iterations, 50u);
}

TEST(Nanobench, AnUnknownWordFailsWithTheListOfOperations) {
  GuestOutput out = run_guest("nanobench", {"--append", "syscal"});
  EXPECT_EQ(out.child.status, 35) << out.child.out;
  EXPECT_TRUE(out.has_line_starting("nanobench: unknown word 'syscal'")) << out.child.out;
}

TEST(Nanobench, EachOperationAlsoBootsAsItsOwnGuest) {
  for (const auto& op : kOperations) {
    if (op == "loop") continue;
    GuestOutput out = run_guest("nanobench-" + op);
    ASSERT_EQ(out.child.status, kSuccess) << op << "\n" << out.child.out;
    ASSERT_EQ(out.result_order.size(), 1u) << op << "\n" << out.child.out;
    EXPECT_EQ(out.result_order.front(), op);
  }
}

}  // namespace
}  // namespace vmlab::test
