// The two oracles checked against each other, and the harness checked on its own.
//
// If the host processor and Unicorn disagree on a defined result, one of them (or the
// generator) is wrong, and a vmlab comparison against either would mean little. Agreement
// here is what lets test_host_oracle and test_unicorn_oracle blame vmlab. Known Unicorn
// deviations are listed, with reasons, in oracle/unicorn_exclusions.cpp.
#include <gtest/gtest.h>

#include "tests/conformance/oracle/compare.h"
#include "tests/conformance/oracle/generator.h"
#include "tests/conformance/oracle/host_engine.h"
#include "tests/conformance/oracle/test_support.h"
#include "tests/conformance/oracle/unicorn_engine.h"
#include "tests/conformance/oracle/unicorn_exclusions.h"

namespace vmlab::conformance {
namespace {

bool same_case(const Case& a, const Case& b) {
  return a.form == b.form && a.detail == b.detail && a.code == b.code && a.regs == b.regs &&
         a.eflags == b.eflags && a.undefined_flags == b.undefined_flags &&
         a.undefined_regs == b.undefined_regs && a.data == b.data && a.stack == b.stack;
}

TEST(ConformanceGenerator, IsDeterministicAndLarge) {
  std::vector<Case> first = generate_cases();
  std::vector<Case> second = generate_cases();
  ASSERT_EQ(first.size(), second.size());
  EXPECT_GE(first.size(), 3000u);
  for (size_t i = 0; i < first.size(); ++i) ASSERT_TRUE(same_case(first[i], second[i])) << "case " << i;
}

TEST(ConformanceGenerator, CasesFitTheCodeArea) {
  for (const Case& c : generate_cases()) {
    EXPECT_FALSE(c.code.empty()) << c.form;
    EXPECT_LE(c.code.size(), kCodeMax) << c.form;
    EXPECT_EQ(c.regs[ESP] & 0xFFFFF000u, kStackBase) << c.form;
  }
}

// A harness that cannot see a difference would pass anything: plant one and look for it.
TEST(ConformanceCompare, ReportsAPlantedDifferenceByForm) {
  std::vector<Case> cases = generate_cases("ADD r/m32, r32");
  ASSERT_FALSE(cases.empty());
  std::vector<Outcome> a(cases.size()), b(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) a[i].completed = b[i].completed = true;
  EXPECT_TRUE(compare_outcomes(cases, {"A", a}, {"B", b}).ok());
  b[1].regs[EBX] ^= 4;
  b[2].eflags ^= EFLAGS_CF;
  b[2].data[17] ^= 1;
  Comparison c = compare_outcomes(cases, {"A", a}, {"B", b});
  EXPECT_EQ(c.failed, 2u);
  EXPECT_EQ(c.failed_forms, 1u);
  EXPECT_NE(c.report.find("FAIL ADD r/m32, r32: 2 of"), std::string::npos) << c.report;
  EXPECT_NE(c.report.find("EBX"), std::string::npos) << c.report;
  EXPECT_NE(c.report.find("[00008011]"), std::string::npos) << c.report;
}

TEST(ConformanceOracles, HostRunnerReportsANativeFault) {
  HostEngine host(VMLAB_HOST_RUNNER_PATH);
  std::string why = host.unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  Case c = generate_cases("NOP r/m32").front();
  c.code = {0x8B, 0x05, 0x00, 0x00, 0x00, 0x00};  // mov eax, [0]: unmapped
  Case ok = c;
  ok.code = {0x90};
  std::vector<Outcome> out = host.run({c, ok});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].completed);
  EXPECT_NE(out[0].error.find("signal 11"), std::string::npos) << out[0].error;
  EXPECT_TRUE(out[1].completed) << out[1].error;
  EXPECT_EQ(out[1].regs, ok.regs);
}

TEST(ConformanceOracles, UnicornReportsAFaultAndAWildBranch) {
  Case c = generate_cases("NOP r/m32").front();
  c.code = {0x8B, 0x05, 0x00, 0x00, 0x00, 0x00};  // mov eax, [0]: unmapped
  Case wild = c;
  wild.code = {0xEB, 0x10};  // jmp past the end, into the INT3 filler
  Case ok = c;
  ok.code = {0x90};
  UnicornEngine unicorn;
  std::vector<Outcome> out = unicorn.run({c, wild, ok});
  EXPECT_FALSE(out[0].completed);
  EXPECT_FALSE(out[1].completed);
  EXPECT_TRUE(out[2].completed) << out[2].error;
  EXPECT_EQ(out[2].regs, ok.regs);
}

TEST(ConformanceOracles, HostAndUnicornAgree) {
  HostEngine host(VMLAB_HOST_RUNNER_PATH);
  std::string why = host.unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  std::vector<Case> cases = generate_cases(form_filter(), case_scale());
  UnicornEngine unicorn;
  std::vector<Outcome> host_out = host.run(cases);
  std::vector<Outcome> unicorn_out = unicorn.run(cases);
  Comparison c = compare_outcomes(cases, {"host", host_out}, {"Unicorn", unicorn_out}, unicorn_exclusions(),
                                  detail_limit());
  std::printf("host vs Unicorn: %zu cases, %zu excluded, %zu differ\n", c.cases, c.excluded, c.failed);
  EXPECT_TRUE(c.ok()) << c.report;
}

}  // namespace
}  // namespace vmlab::conformance
