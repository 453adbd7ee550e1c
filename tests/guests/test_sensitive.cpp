// guests/sensitive under native: every probe of a sensitive but unprivileged instruction
// reports exactly once, in order, and none leaks: the guest runs at CPL 0, so what it
// observes must be what bare metal gives. The bare-metal values that do not depend on
// where the linker put the tables are checked too, so a probe that compared a value with
// itself would not pass.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "tests/guests/guest_output.h"

namespace vmlab::test {
namespace {

constexpr int kSuccess = 33;

// Every probe, in the order the guest runs them (guests/sensitive/probes.c), with what
// bare metal at CPL 0 gives where that does not depend on the guest's link layout (SGDT
// and SIDT report table addresses: empty here). smsw: PE, MP and NE as the guest loads
// CR0, and ET, hard-wired to 1. lar: G, D/B, P, DPL 0, S, type 3 (read/write, accessed).
// iret-same-ring: the image's CF, ZF, SF and OF.
struct Probe {
  std::string name, bare_metal;
};
const std::vector<Probe> kProbes = {
    {"sgdt", ""},           {"sidt", ""},           {"sldt", "0x30"},    {"str", "0x28"},
    {"smsw", "0x33"},       {"pushf-if", "0x0"},    {"pushf-iopl", "0x3"}, {"popf-if", "0x1"},
    {"push-cs", "0x8"},     {"mov-cs", "0x8"},      {"mov-ss", "0x10"},  {"lar", "0xc09300"},
    {"lsl", "0xffffffff"},  {"verr", "0x0"},        {"verw", "0x0"},     {"retf", "0x8"},
    {"iret-same-ring", "0x8c1"}, {"int-gate", "0x1"}};

struct ProbeLine {
  std::string name, expected, observed, leak;
};

// The PROBE lines of a run, in order. A line starting "PROBE " that does not parse fails
// the calling test.
std::vector<ProbeLine> probe_lines(const GuestOutput& out) {
  static const std::regex probe(
      R"(PROBE (\S+) expected=(0x[0-9a-f]+) observed=(0x[0-9a-f]+|fault) leak=(yes|no))");
  std::vector<ProbeLine> lines;
  for (const auto& line : out.lines) {
    if (line.rfind("PROBE ", 0) != 0) continue;
    std::smatch m;
    if (!std::regex_match(line, m, probe)) {
      ADD_FAILURE() << "malformed PROBE line: " << line;
      continue;
    }
    lines.push_back({m[1], m[2], m[3], m[4]});
  }
  return lines;
}

TEST(Sensitive, UnderNativeEveryProbeReportsOnceAndNothingLeaks) {
  GuestOutput out = run_guest("sensitive");
  ASSERT_EQ(out.child.status, kSuccess) << out.child.out << out.child.err;
  std::vector<ProbeLine> lines = probe_lines(out);
  std::vector<std::string> names, expected_names;
  for (const auto& l : lines) names.push_back(l.name);
  for (const auto& p : kProbes) expected_names.push_back(p.name);
  EXPECT_EQ(names, expected_names) << out.child.out;
  for (const auto& p : kProbes) {
    EXPECT_EQ(std::count(names.begin(), names.end(), p.name), 1) << p.name << "\n" << out.child.out;
    for (const auto& l : lines) {
      if (l.name != p.name) continue;
      EXPECT_EQ(l.leak, "no") << l.name;
      EXPECT_EQ(l.observed, l.expected) << l.name;
      if (!p.bare_metal.empty()) {
        EXPECT_EQ(l.expected, p.bare_metal) << l.name;
      }
    }
  }
  std::string summary = "sensitive: " + std::to_string(kProbes.size()) + " probes, 0 leaks";
  EXPECT_TRUE(out.has_line(summary)) << out.child.out;
  EXPECT_FALSE(out.has_line_starting("sensitive: leaked:")) << out.child.out;
  EXPECT_FALSE(out.has_line_starting("sensitive: internal error")) << out.child.out;
}

}  // namespace
}  // namespace vmlab::test
