// The teaching kernel (guests/kernel) under native: its benchmark set, its stress
// requirements (20 processes at once, forkwait 10000), the PIT fallback, failure
// reporting, hostile user programs, determinism, and the rule that privileged
// instructions appear only in the platform operations.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "tests/guests/guest_output.h"

namespace vmlab::test {
namespace {

constexpr int kSuccess = 33;  // (0x10 << 1) | 1: the guest wrote 0x10 to port 0xF4
constexpr int kFailure = 35;  // 0x11

void expect_range(const GuestOutput& out, const std::string& name, double lo, double hi) {
  auto it = out.results.find(name);
  ASSERT_NE(it, out.results.end()) << "no RESULT " << name << "\n" << out.child.out;
  EXPECT_GE(it->second.cycles_per_iteration, lo) << name;
  EXPECT_LE(it->second.cycles_per_iteration, hi) << name;
  EXPECT_GT(it->second.iterations, 0u) << name;
}

TEST(Kernel, BenchmarkSetRunsEveryProgramSuccessfully) {
  GuestOutput out = run_guest("kernel");
  ASSERT_EQ(out.child.status, kSuccess) << out.child.out << out.child.err;
  EXPECT_TRUE(out.failures.empty()) << out.failures.front();
  for (const char* prog : {"getpid", "clock", "mmap", "pingpong", "forkwait", "disk", "cpu", "procs"}) {
    ASSERT_TRUE(out.done.count(prog)) << "no DONE line for " << prog << "\n" << out.child.out;
    EXPECT_EQ(out.done.at(prog), 0) << prog;
  }
  EXPECT_TRUE(out.has_line("init: 8 programs, 0 failed"));
  EXPECT_TRUE(out.has_line_starting("kernel: timer local APIC at 1000 Hz"));
  // Ranges wide enough for any sane implementation, narrow enough to catch a broken one
  // (at one cycle per instruction natively): a system call is tens of instructions, a
  // fork tens of thousands, a sieve round of 100000 over a million.
  expect_range(out, "getpid", 20, 1000);
  expect_range(out, "gettime", 20, 2000);
  expect_range(out, "mmap-touch16-munmap", 16 * 100, 16 * 20000);
  expect_range(out, "pingpong", 200, 50000);
  expect_range(out, "forkwait", 2000, 500000);
  expect_range(out, "disk-write-sector", 256, 100000);  // at least one port write per word
  expect_range(out, "disk-read-sector", 256, 100000);
  expect_range(out, "cpu-sieve", 300000, 10000000);
  expect_range(out, "procs", 500000, 50000000);
  // Relations that must hold whatever the absolute numbers.
  EXPECT_GT(out.results["forkwait"].cycles_per_iteration, 10 * out.results["getpid"].cycles_per_iteration);
  EXPECT_GT(out.results["pingpong"].cycles_per_iteration, 2 * out.results["getpid"].cycles_per_iteration);
}

TEST(Kernel, TwoRunsPrintIdenticalOutput) {
  GuestOutput a = run_guest("kernel");
  GuestOutput b = run_guest("kernel");
  ASSERT_EQ(a.child.status, kSuccess) << a.child.out;
  EXPECT_EQ(a.child.out, b.child.out);
  EXPECT_EQ(a.child.status, b.child.status);
}

TEST(Kernel, TwentyProcessesRunConcurrentlyAndForkwaitSurvivesTenThousand) {
  GuestOutput out = run_guest("kernel", {"--append", "procs 20; forkwait 10000"});
  ASSERT_EQ(out.child.status, kSuccess) << out.child.out << out.child.err;
  EXPECT_EQ(out.done["procs"], 0);
  EXPECT_EQ(out.done["forkwait"], 0);
  EXPECT_EQ(out.results["forkwait"].iterations, 10000u);
  EXPECT_EQ(out.results["procs"].iterations, 20u);
  EXPECT_TRUE(out.has_line_starting("procs: 20 processes alive at once for ")) << out.child.out;
}

TEST(Kernel, FallsBackToThePitWithoutTheLocalApic) {
  GuestOutput out = run_guest("kernel", {"--append", "nolapic procs 20"});
  ASSERT_EQ(out.child.status, kSuccess) << out.child.out;
  EXPECT_TRUE(out.has_line_starting("kernel: timer PIT at 1000 Hz")) << out.child.out;
  EXPECT_EQ(out.done["procs"], 0);
}

TEST(Kernel, AMissingProgramFailsTheRunVisibly) {
  GuestOutput out = run_guest("kernel", {"--append", "getpid 10; nosuchprogram"});
  EXPECT_EQ(out.child.status, kFailure) << out.child.out;
  EXPECT_EQ(out.done["getpid"], 0);
  EXPECT_EQ(out.done["nosuchprogram"], 127);
  EXPECT_TRUE(out.has_line("init: 2 programs, 1 failed")) << out.child.out;
}

TEST(Kernel, HostileProgramsAreKilledAndBadPointersRefused) {
  GuestOutput out = run_guest("kernel", {"--append", "faults; getpid 10"});
  ASSERT_EQ(out.child.status, kSuccess) << out.child.out;
  EXPECT_TRUE(out.has_line("faults: every case ended as it should")) << out.child.out;
  EXPECT_EQ(out.done["getpid"], 0) << "the kernel must keep working after the faults";
}

TEST(Kernel, DiskWritesGoToTheOverlayNotTheImage) {
  auto image = std::filesystem::path(VMLAB_KERNEL_BUILD_DIR) / "scratch.img";
  GuestOutput out = run_guest("kernel", {"--append", "disk 64"});
  ASSERT_EQ(out.child.status, kSuccess) << out.child.out;
  std::ifstream in(image, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ASSERT_EQ(bytes.size(), 4u << 20);
  EXPECT_EQ(bytes.find_first_not_of('\0'), std::string::npos) << "the scratch image was modified";
}

// The objdump disassembly of one object file, one instruction per line.
std::vector<std::string> disassemble(const std::filesystem::path& object) {
  std::string command = std::string(VMLAB_OBJDUMP) + " -d --no-show-raw-insn " + object.string();
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::vector<std::string> lines;
  std::array<char, 512> buf;
  while (std::fgets(buf.data(), buf.size(), pipe)) lines.emplace_back(buf.data());
  pclose(pipe);
  return lines;
}

// Privileged instructions (and the sensitive ones a deprivileged kernel must not use
// directly: PUSHF/POPF, SGDT...), found in objdump's `lines`, by canonical name.
std::set<std::string> privileged_in(const std::vector<std::string>& lines) {
  static const std::regex insn(R"(^\s*[0-9a-f]+:\s+(?:rep[a-z]* )?(\S+)\s*([^#<]*))");
  static const std::map<std::string, std::string> canonical = {
      {"cli", "cli"},     {"sti", "sti"},       {"hlt", "hlt"},       {"in", "in"},         {"inb", "in"},
      {"inw", "in"},      {"inl", "in"},        {"out", "out"},       {"outb", "out"},      {"outw", "out"},
      {"outl", "out"},    {"insb", "insw"},     {"insw", "insw"},     {"insl", "insw"},     {"outsb", "outsw"},
      {"outsw", "outsw"}, {"outsl", "outsw"},   {"lgdt", "lgdt"},     {"lgdtl", "lgdt"},    {"lidt", "lidt"},
      {"lidtl", "lidt"},  {"lldt", "lldt"},     {"ltr", "ltr"},       {"lmsw", "lmsw"},     {"clts", "clts"},
      {"invlpg", "invlpg"}, {"invd", "invd"},   {"wbinvd", "wbinvd"}, {"rdmsr", "rdmsr"},   {"wrmsr", "wrmsr"},
      {"pushf", "pushf"}, {"pushfl", "pushf"},  {"pushfw", "pushf"},  {"popf", "popf"},     {"popfl", "popf"},
      {"popfw", "popf"},  {"sgdt", "sgdt"},     {"sgdtl", "sgdt"},    {"sidt", "sidt"},     {"sidtl", "sidt"},
      {"sldt", "sldt"},   {"str", "str"},       {"smsw", "smsw"}};
  static const std::regex control_register(R"(%[cd]r[0-7])");
  std::set<std::string> found;
  for (const auto& line : lines) {
    std::smatch m;
    if (!std::regex_search(line, m, insn)) continue;
    std::string op = m[1], operands = m[2];
    if (auto it = canonical.find(op); it != canonical.end()) found.insert(it->second);
    if (op == "mov" && std::regex_search(operands, control_register)) found.insert("mov crN/drN");
  }
  return found;
}

TEST(Kernel, PrivilegedInstructionsAppearOnlyInThePlatformOperations) {
  std::filesystem::path dir = VMLAB_KERNEL_BUILD_DIR;
  int objects = 0;
  std::set<std::string> in_platform;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("kernel.", 0) != 0 || entry.path().extension() != ".o") continue;
    ++objects;
    std::set<std::string> found = privileged_in(disassemble(entry.path()));
    if (name.find("platform_native") != std::string::npos) {
      in_platform.insert(found.begin(), found.end());
      continue;
    }
    std::string list;
    for (const auto& f : found) list += " " + f;
    EXPECT_TRUE(found.empty()) << name << " contains privileged instructions outside the platform operations:" << list;
  }
  EXPECT_GE(objects, 15) << "kernel object files not found in " << dir;
  // The detector works: the platform operations themselves contain each kind.
  for (const char* expected : {"cli", "sti", "hlt", "in", "out", "lgdt", "lidt", "ltr", "invlpg", "pushf", "popf",
                               "mov crN/drN", "insw", "outsw"})
    EXPECT_TRUE(in_platform.count(expected)) << "platform_native lacks " << expected << ": is the detector broken?";
}

}  // namespace
}  // namespace vmlab::test
