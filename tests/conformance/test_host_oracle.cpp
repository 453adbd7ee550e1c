// vmlab's CPU against the host processor, on every generated case (oracle/forms_*.cpp):
// flat 32-bit user code, compared on GPRs, defined flags, the data buffer and the stack.
//
// Narrow or deepen a run with VMLAB_CONFORMANCE_FILTER / _SCALE: see oracle/test_support.h.
#include <gtest/gtest.h>

#include "tests/conformance/oracle/compare.h"
#include "tests/conformance/oracle/generator.h"
#include "tests/conformance/oracle/host_engine.h"
#include "tests/conformance/oracle/test_support.h"
#include "tests/conformance/oracle/vmlab_engine.h"

namespace vmlab::conformance {
namespace {

TEST(ConformanceHostOracle, VmlabMatchesTheHostCpu) {
  HostEngine host(VMLAB_HOST_RUNNER_PATH);
  std::string why = host.unavailable_reason();
  if (!why.empty()) GTEST_SKIP() << why;
  std::vector<Case> cases = generate_cases(form_filter(), case_scale());
  ASSERT_FALSE(cases.empty()) << "no form matches VMLAB_CONFORMANCE_FILTER=" << form_filter();
  VmlabEngine vmlab;
  std::vector<Outcome> host_out = host.run(cases);
  std::vector<Outcome> vmlab_out = vmlab.run(cases);
  Comparison c = compare_outcomes(cases, {"host", host_out}, {"vmlab", vmlab_out}, {}, detail_limit());
  std::printf("vmlab vs host CPU: %zu cases, %zu differ in %zu forms\n", c.cases, c.failed, c.failed_forms);
  EXPECT_TRUE(c.ok()) << c.report;
}

}  // namespace
}  // namespace vmlab::conformance
