// vmlab's CPU against Unicorn, on every generated case (oracle/forms_*.cpp). Unicorn's
// known deviations from hardware (oracle/unicorn_exclusions.cpp) are not held against
// vmlab; the host oracle still checks those forms.
//
// Unlike the host oracle this one runs anywhere, whatever vm.mmap_min_addr says.
#include <gtest/gtest.h>

#include "tests/conformance/oracle/compare.h"
#include "tests/conformance/oracle/generator.h"
#include "tests/conformance/oracle/test_support.h"
#include "tests/conformance/oracle/unicorn_engine.h"
#include "tests/conformance/oracle/unicorn_exclusions.h"
#include "tests/conformance/oracle/vmlab_engine.h"

namespace vmlab::conformance {
namespace {

// The vmlab engine must tell a finished case from one the CPU rejected.
TEST(ConformanceUnicornOracle, VmlabEngineReportsAnUnfinishedCase) {
  Case c = generate_cases("NOP r/m32").front();
  c.code = {0x0F, 0x0B};  // UD2: #UD, and with no IDT a triple fault
  Case ok = c;
  ok.code = {0x90};
  VmlabEngine vmlab;
  std::vector<Outcome> out = vmlab.run({c, ok});
  EXPECT_FALSE(out[0].completed);
  EXPECT_FALSE(out[0].error.empty());
  EXPECT_TRUE(out[1].completed) << out[1].error;
  EXPECT_EQ(out[1].regs, ok.regs);
  EXPECT_EQ(out[1].data, ok.data);
}

TEST(ConformanceUnicornOracle, VmlabMatchesUnicorn) {
  std::vector<Case> cases = generate_cases(form_filter(), case_scale());
  ASSERT_FALSE(cases.empty()) << "no form matches VMLAB_CONFORMANCE_FILTER=" << form_filter();
  UnicornEngine unicorn;
  VmlabEngine vmlab;
  std::vector<Outcome> unicorn_out = unicorn.run(cases);
  std::vector<Outcome> vmlab_out = vmlab.run(cases);
  Comparison c = compare_outcomes(cases, {"Unicorn", unicorn_out}, {"vmlab", vmlab_out}, unicorn_exclusions(),
                                  detail_limit());
  std::printf("vmlab vs Unicorn: %zu cases, %zu excluded, %zu differ in %zu forms\n", c.cases, c.excluded,
              c.failed, c.failed_forms);
  EXPECT_TRUE(c.ok()) << c.report;
}

}  // namespace
}  // namespace vmlab::conformance
