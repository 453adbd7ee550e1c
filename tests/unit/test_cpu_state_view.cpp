// The rows `vmlab run --state` prints and the visualizer's Registers panel shows
// (modes/cpu_state_view.h): control registers with their bits named.
#include <gtest/gtest.h>

#include "modes/cpu_state_view.h"
#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

CpuStateRow row(const std::vector<CpuStateRow>& rows, const std::string& name) {
  for (const CpuStateRow& r : rows)
    if (r.name == name) return r;
  return CpuStateRow{};
}

TEST(CpuStateView, Cr4BitsAreNamed) {
  CpuTestMachine m;
  m.cpu.set_cr4(CR4_PSE | CR4_PGE);
  VirtualCpu v;
  v.cr4 = 0x7FF;  // every bit up to OSXMMEXCPT: the virtual CR4 holds what the guest wrote
  std::vector<CpuStateRow> rows = cpu_state_rows(m.cpu, &v);
  EXPECT_EQ(row(rows, "CR4").real, "0x00000090 PSE PGE");
  EXPECT_EQ(row(rows, "CR4").guest, "0x000007ff VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT");
  v.cr4 = 0;
  EXPECT_EQ(row(cpu_state_rows(m.cpu, &v), "CR4").guest, "0x00000000") << "no bits, no names";
}

TEST(CpuStateView, Cr0BitsAreNamed) {
  CpuTestMachine m;
  std::vector<CpuStateRow> rows = cpu_state_rows(m.cpu, nullptr);
  EXPECT_EQ(row(rows, "CR0").real, "0x60000011 PE ET NW CD") << "caches off, as after RESET";
  EXPECT_EQ(row(rows, "CR0").guest, "") << "natively there is no second column";
}

}  // namespace
}  // namespace vmlab::test
