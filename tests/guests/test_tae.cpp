// The bundled guests under trap-and-emulate with shadow paging (modes/tae_monitor.h):
// a guest whose correctness does not depend on the sensitive instructions gives the
// same functional results as under native (its cycle figures differ by design), the
// monitor's work shows up in the exit counters, and two runs are bit-identical.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/guests/guest_output.h"

namespace vmlab::test {
namespace {

constexpr int kSuccess = 33;

// Lines that carry no virtual-time figures: what must not change between modes.
std::vector<std::string> functional_lines(const GuestOutput& out) {
  std::vector<std::string> lines;
  for (const std::string& line : out.lines) {
    if (line.rfind("RESULT ", 0) == 0) continue;                            // cycles
    if (line.find(" us of virtual time") != std::string::npos) continue;    // disk speed
    if (line.rfind("procs: ", 0) == 0) continue;                            // preemption counts
    if (line.rfind("kernel: timer", 0) == 0) continue;                      // TSC calibration
    lines.push_back(line);
  }
  return lines;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TaeShadow, NanobenchGivesTheSameFunctionalResultsAsNative) {
  GuestOutput native = run_guest("nanobench");
  GuestOutput tae = run_guest("nanobench", {"--mode", "tae-shadow"});
  ASSERT_EQ(native.child.status, kSuccess) << native.child.out;
  ASSERT_EQ(tae.child.status, kSuccess) << tae.child.out << tae.child.err;
  EXPECT_EQ(tae.result_order, native.result_order);
  EXPECT_EQ(functional_lines(tae), functional_lines(native));
  EXPECT_TRUE(tae.has_line("nanobench: 15 operations, 0 failures")) << tae.child.out;
  for (const auto& [name, r] : native.results) EXPECT_EQ(tae.results.at(name).iterations, r.iterations) << name;
  // What trapping costs, seen by the guest's own RDTSC: privileged operations trap,
  // innocuous ones do not.
  auto per = [](const GuestOutput& o, const std::string& op) { return o.results.at(op).cycles_per_iteration; };
  for (const char* op : {"clisti", "in", "tprwr", "pgfault", "divzero", "ptemod", "cr3switch", "syscall-int80"})
    EXPECT_GT(per(tae, op), per(native, op) + 1000) << op;
  for (const char* op : {"loop", "callret", "pushfpopf", "cpuid", "rdtsc"})
    EXPECT_EQ(per(tae, op), per(native, op)) << op << " runs directly, without a trap";
}

TEST(TaeShadow, TheKernelsBenchmarkSetPassesAsUnderNative) {
  GuestOutput native = run_guest("kernel");
  GuestOutput tae = run_guest("kernel", {"--mode", "tae-shadow"});
  ASSERT_EQ(native.child.status, kSuccess) << native.child.out;
  ASSERT_EQ(tae.child.status, kSuccess) << tae.child.out << tae.child.err;
  EXPECT_EQ(tae.done, native.done);
  EXPECT_EQ(tae.result_order, native.result_order);
  EXPECT_EQ(functional_lines(tae), functional_lines(native));
}

TEST(TaeShadow, TwoRunsGiveBitIdenticalCountersAndTheMonitorsWorkIsCounted) {
  std::filesystem::path dir = scratch_dir();
  std::vector<std::string> counters;
  for (int run = 0; run < 2; ++run) {
    std::filesystem::path file = dir / ("tae-counters-" + std::to_string(run) + ".json");
    GuestOutput out = run_guest("nanobench", {"--mode", "tae-shadow", "--append",
                                              "clisti=500 pgfault=200 ptemod=200 in=200", "--counters",
                                              "--counters-file", file.string(), "--format", "json"});
    ASSERT_EQ(out.child.status, kSuccess) << out.child.out << out.child.err;
    counters.push_back(slurp(file));
  }
  EXPECT_EQ(counters[0], counters[1]);
  const std::string& c = counters[0];
  for (const char* key : {"\"tae.cli\"", "\"tae.sti\"", "\"tae.hidden-page-fault\"", "\"tae.true-page-fault\"",
                          "\"tae.traced-write\"", "\"tae.port-io\"", "\"tae.iret\"", "\"guest-page-table-write\"",
                          "\"trap.reflect\"", "\"shadow.hidden_fault_bt\""})
    EXPECT_NE(c.find(key), std::string::npos) << key << " in\n" << c;
}

// guests/sensitive under ring compression: the leak table. Every Group A instruction
// but SMSW (the monitor's CR0 low bits equal the guest's), PUSH/MOV of CS and SS (RPL 1),
// LAR/LSL (the compressed DPL, the limit cut below the hole), VERR/VERW (RPL 1 passes
// against DPL 1), and a far RET to a ring-0 selector (RPL 0 < CPL 1: #GP). IRET to ring 0
// is intercepted and emulated, and INT n goes through the monitor, so they do not leak.
TEST(TaeShadow, SensitivePrintsTheLeakTable) {
  GuestOutput out = run_guest("sensitive", {"--mode", "tae-shadow"});
  ASSERT_EQ(out.child.status, kSuccess) << out.child.out << out.child.err;
  EXPECT_TRUE(out.has_line("sensitive: 18 probes, 15 leaks")) << out.child.out;
  EXPECT_TRUE(out.has_line("sensitive: leaked: sgdt sidt sldt str pushf-if pushf-iopl popf-if push-cs mov-cs "
                           "mov-ss lar lsl verr verw retf"))
      << out.child.out;
  // SGDT and SIDT show the monitor's tables in the hole at 0xFFC00000.
  auto probe = [&](const std::string& name) {
    for (const std::string& line : out.lines)
      if (line.rfind("PROBE " + name + " ", 0) == 0) return line.substr(line.find(" observed="));
    return std::string("(missing)");
  };
  EXPECT_EQ(probe("sgdt"), " observed=0xffc00000 leak=yes");
  EXPECT_EQ(probe("sidt"), " observed=0xffc10000 leak=yes");
  EXPECT_TRUE(out.has_line("sensitive: sgdt limit expected=0x37 observed=0xffff")) << out.child.out;
  EXPECT_TRUE(out.has_line("PROBE str expected=0x28 observed=0xfff8 leak=yes")) << out.child.out;
  EXPECT_TRUE(out.has_line("PROBE popf-if expected=0x1 observed=0x0 leak=yes")) << out.child.out;
  EXPECT_TRUE(out.has_line("PROBE iret-same-ring expected=0x8c1 observed=0x8c1 leak=no")) << out.child.out;
}

// A guest that depends on the sensitive instructions (sensitive with `strict`) passes
// natively and fails visibly under tae-shadow.
TEST(TaeShadow, AGuestThatReliesOnSensitiveInstructionsFailsVisibly) {
  GuestOutput native = run_guest("sensitive", {"--append", "strict"});
  EXPECT_EQ(native.child.status, kSuccess) << native.child.out;
  GuestOutput tae = run_guest("sensitive", {"--mode", "tae-shadow", "--append", "strict"});
  EXPECT_EQ(tae.child.status, 35) << tae.child.out;
  ASSERT_EQ(tae.failures.size(), 1u) << tae.child.out;
  EXPECT_EQ(tae.failures[0], "FAIL sensitive 15 instructions do not behave as on bare metal");
}

// The Perfetto trace of a tae-shadow run: exits as complete events with their reason and
// qualification, the counter track, and page walks of both the guest's tables (the
// monitor's walk) and the shadow tables (the hardware's).
TEST(TaeShadow, TheTraceShowsExitsAndBothKindsOfPageWalk) {
  std::filesystem::path trace = scratch_dir() / "tae-trace.json";
  GuestOutput out = run_guest("nanobench", {"--mode", "tae-shadow", "--append", "pgfault=3 in=3",
                                            "--trace", trace.string()});
  ASSERT_EQ(out.child.status, kSuccess) << out.child.out << out.child.err;
  std::string text = slurp(trace);
  EXPECT_NE(text.find("{\"name\":\"tae.port-io\",\"cat\":\"exit\",\"ph\":\"X\""), std::string::npos);
  EXPECT_NE(text.find("\"reason\":\"tae.true-page-fault\""), std::string::npos);
  EXPECT_NE(text.find("\"qualification\":\"0x80\""), std::string::npos) << "the port of the IN";
  EXPECT_NE(text.find("{\"name\":\"exits\",\"ph\":\"C\""), std::string::npos);
  EXPECT_NE(text.find("\"table\":\"shadow\""), std::string::npos);
  EXPECT_NE(text.find("\"table\":\"guest\""), std::string::npos);
}

TEST(TaeShadow, ABootFromDiskIsRefusedWithOneLine) {
  std::filesystem::path disk = scratch_dir() / "tae-disk.img";
  std::ofstream(disk) << std::string(512, '\0');
  ChildResult r = run_child(VMLAB_CLI_BINARY, {"run", "--mode", "tae-shadow", "--disk", disk.string()}, scratch_dir(),
                            60000);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("needs a Multiboot kernel"), std::string::npos) << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
}

}  // namespace
}  // namespace vmlab::test
