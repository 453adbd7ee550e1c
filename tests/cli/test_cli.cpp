// End-to-end tests of the `vmlab` command: the built binary runs as a child process and
// each test checks what a user sees, its stdout, its stderr and its exit status, against
// the contract in README.md ("Running your own kernel").
//
// Guests: the bundled demo, and the probe (tests/cli/guests/probe.c), whose Multiboot
// command line picks one behaviour: "exit N", "debugcon TEXT", "spin", "halt",
// "triple", "modules", "print TEXT". Kernels with deliberate defects are written by
// elf_builder. `--guest` and `vmlab bench` are tested in test_cli_guests.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tests/cli/cli_fixture.h"
#include "tests/cli/elf_builder.h"

namespace vmlab::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// ----- the demo guest -----

TEST_F(Cli, DemoGreetsComputesAndExitsWith33) {
  ChildResult r = vmlab({"run", kDemo});
  EXPECT_EQ(r.status, 33) << "stderr: " << r.err;
  EXPECT_THAT(r.out, HasSubstr("vmlab demo guest: hello from a Multiboot kernel\n"));
  EXPECT_THAT(r.out, HasSubstr("sum of the first 1000 primes = 3682913\n"));
  EXPECT_EQ(r.err, "");
}

TEST_F(Cli, DemoSeesTheAppendedCommandLine) {
  ChildResult r = vmlab({"run", "--append", "hello world", kDemo});
  EXPECT_EQ(r.status, 33);
  EXPECT_THAT(r.out, HasSubstr("command line: hello world\n"));
}

// ----- how a run ends -----

TEST_F(Cli, ExitPortValueBecomesStatusTimesTwoPlusOne) {
  EXPECT_EQ(probe("exit 5").status, (5 << 1) | 1);
  EXPECT_EQ(probe("exit 0x2a").status, (0x2A << 1) | 1);
}

TEST_F(Cli, BudgetExhaustedGives124AndOneLine) {
  ChildResult r = probe("spin", {"--max-insns", "20000"});
  EXPECT_EQ(r.status, 124);
  std::vector<std::string> lines = split_lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_THAT(lines[0], StartsWith("vmlab: "));
  EXPECT_THAT(lines[0], HasSubstr("budget"));
  EXPECT_THAT(lines[0], HasSubstr("20000"));
}

TEST_F(Cli, ZeroBudgetIsAUserError) {
  expect_user_error(probe("exit 5", {"--max-insns", "0"}), "--max-insns");
}

TEST_F(Cli, HaltWithInterruptsDisabledGives125) {
  ChildResult r = probe("halt");
  EXPECT_EQ(r.status, 125);
  std::vector<std::string> lines = split_lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_THAT(lines[0], StartsWith("vmlab: "));
  EXPECT_THAT(lines[0], HasSubstr("interrupts disabled"));
}

TEST_F(Cli, TripleFaultGives126AndNamesTheFaults) {
  ChildResult r = probe("triple");
  EXPECT_EQ(r.status, 126) << "stdout: " << r.out;
  std::vector<std::string> lines = split_lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_THAT(lines[0], StartsWith("vmlab: "));
  EXPECT_THAT(lines[0], HasSubstr("triple fault"));
  EXPECT_THAT(lines[0], HasSubstr("#GP"));
  EXPECT_THAT(lines[0], HasSubstr("#DF"));
  EXPECT_THAT(r.out, Not(HasSubstr("survived")));
}

// ----- the debug console, port 0xE9 -----

TEST_F(Cli, DebugconDashGoesToStdout) {
  ChildResult r = probe("debugcon hello via e9", {"--debugcon", "-"});
  EXPECT_EQ(r.status, 33);
  EXPECT_EQ(r.out, "hello via e9\n");
}

TEST_F(Cli, DebugconFileReceivesTheBytes) {
  fs::path file = scratch_file("e9.txt");
  ChildResult r = probe("debugcon hello via e9", {"--debugcon", file.string()});
  EXPECT_EQ(r.status, 33);
  EXPECT_EQ(read_text_file(file), "hello via e9\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(Cli, DebugconIsDroppedByDefault) {
  ChildResult r = probe("debugcon hello via e9");
  EXPECT_EQ(r.status, 33);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

// ----- Multiboot modules -----

// The probe's checksum, computed here over the file.
uint32_t fnv1a(const std::vector<uint8_t>& data) {
  uint32_t h = 2166136261u;
  for (uint8_t b : data) h = (h ^ b) * 16777619u;
  return h;
}

std::string module_line(int index, const std::vector<uint8_t>& data, const std::string& path) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "module %d size %zu fnv1a %08x page_aligned Y first %02x%02x%02x%02x string ",
                index, data.size(), fnv1a(data), data[0], data[1], data[2], data[3]);
  return buf + path + "\n";
}

std::vector<uint8_t> pattern_bytes(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) {
    seed = seed * 1103515245u + 12345u;
    b = uint8_t(seed >> 16);
  }
  return v;
}

TEST_F(Cli, InitrdModulesArriveIntact) {
  std::vector<uint8_t> first = pattern_bytes(5000, 1), second = pattern_bytes(123, 2);
  fs::path a = write_file("first.bin", first), b = write_file("second.bin", second);
  ChildResult r = probe("modules", {"--initrd", a.string(), "--initrd", b.string()});
  EXPECT_EQ(r.status, 33) << r.err;
  EXPECT_THAT(r.out, HasSubstr("mods_count 2\n"));
  EXPECT_THAT(r.out, HasSubstr(module_line(0, first, a.string())));
  EXPECT_THAT(r.out, HasSubstr(module_line(1, second, b.string())));
}

TEST_F(Cli, NoInitrdMeansNoModules) {
  ChildResult r = probe("modules");
  EXPECT_EQ(r.status, 33);
  EXPECT_EQ(r.out, "mods_count 0\n");
}

// ----- counters -----

TEST_F(Cli, CountersAsJsonOnStderr) {
  ChildResult r = vmlab({"run", "--counters", "--format", "json", kDemo});
  EXPECT_EQ(r.status, 33);
  nlohmann::json j = nlohmann::json::parse(r.err);  // throws (fails the test) if not JSON
  EXPECT_GT(j.at("counters").at("instructions").get<uint64_t>(), 100000u);
  EXPECT_GT(j.at("counters").at("port_writes").get<uint64_t>(), 0u);
}

TEST_F(Cli, CountersAreIdenticalOnEveryRun) {
  ChildResult first = vmlab({"run", "--counters", "--format", "json", kDemo});
  ChildResult second = vmlab({"run", "--counters", "--format", "json", kDemo});
  ASSERT_FALSE(first.err.empty());
  EXPECT_EQ(first.err, second.err);
  EXPECT_EQ(first.out, second.out);
}

TEST_F(Cli, CountersFileGetsTheCountersAndStderrStaysQuiet) {
  fs::path file = scratch_file("counters.json");
  ChildResult r = vmlab({"run", "--counters-file", file.string(), "--format", "json", kDemo});
  EXPECT_EQ(r.status, 33);
  EXPECT_EQ(r.err, "");
  nlohmann::json j = nlohmann::json::parse(read_text_file(file));
  EXPECT_GT(j.at("counters").at("instructions").get<uint64_t>(), 0u);
}

// All three formats report the same instruction count.
TEST_F(Cli, CountersAsCsvAndText) {
  nlohmann::json j = nlohmann::json::parse(vmlab({"run", "--counters", "--format", "json", kDemo}).err);
  std::string instructions = std::to_string(j.at("counters").at("instructions").get<uint64_t>());

  std::vector<std::string> csv = split_lines(vmlab({"run", "--counters", "--format", "csv", kDemo}).err);
  ASSERT_FALSE(csv.empty());
  EXPECT_EQ(csv[0], "name,value");
  EXPECT_THAT(csv, ::testing::Contains("instructions," + instructions));

  std::string text = vmlab({"run", "--counters", kDemo}).err;
  bool found = false;
  for (const std::string& line : split_lines(text))
    if (line.starts_with("instructions ") && line.find(" " + instructions + " ") != std::string::npos)
      found = true;
  EXPECT_TRUE(found) << "no 'instructions " << instructions << "' line in:\n" << text;
}

// ----- traces -----

// The traceEvents of the Chrome Trace Event file at `path`.
nlohmann::json trace_events(const fs::path& path) {
  nlohmann::json j = nlohmann::json::parse(read_text_file(path));
  EXPECT_TRUE(j.at("traceEvents").is_array());
  return j.at("traceEvents");
}

bool has_event(const nlohmann::json& events, const std::string& category, const std::string& name) {
  for (const nlohmann::json& e : events)
    if (e.value("cat", "") == category && e.value("name", "") == name) return true;
  return false;
}

TEST_F(Cli, TraceRecordsPortIo) {
  fs::path file = scratch_file("trace.json");
  ChildResult r = probe("debugcon x", {"--trace", file.string()});
  EXPECT_EQ(r.status, 33);
  nlohmann::json events = trace_events(file);
  EXPECT_TRUE(has_event(events, "io", "out 0xe9"));
  EXPECT_TRUE(has_event(events, "io", "out 0xf4"));
}

TEST_F(Cli, TraceRecordsExceptions) {
  fs::path file = scratch_file("trace.json");
  ChildResult r = probe("triple", {"--trace", file.string()});
  EXPECT_EQ(r.status, 126);
  nlohmann::json events = trace_events(file);
  EXPECT_TRUE(has_event(events, "exception", "#GP"));
  EXPECT_TRUE(has_event(events, "exception", "#DF"));
}

// ----- bad kernels -----

TEST_F(Cli, MissingKernelFile) {
  std::string path = scratch_file("no-such-kernel.elf").string();
  expect_user_error(vmlab({"run", path}), path);
}

// The loader looks for the Multiboot header first, so a file without one is refused
// for that whatever else it is.
TEST_F(Cli, TextFileIsNotAKernel) {
  fs::path path = write_file("notes.txt", "this is not a kernel\n");
  std::string detail = path.string();
  detail += "': not a Multiboot kernel";
  expect_user_error(vmlab({"run", path.string()}), detail);
}

TEST_F(Cli, HostProgramIsNotAKernel) {
  expect_user_error(vmlab({"run", "/bin/true"}), "'/bin/true': not a Multiboot kernel");
}

// A kernel from the ELF writer: the Multiboot header, then code that exits with 0x2A.
ElfImage good_kernel() {
  std::vector<uint8_t> text = multiboot_header();
  uint32_t entry = 0x100000 + uint32_t(text.size());
  std::vector<uint8_t> code = exit_port_code(0x2A);
  text.insert(text.end(), code.begin(), code.end());
  return ElfImage{3, entry, {{0x100000, text, 0x1000}}};
}

// The control for the defects below: the writer's kernel boots.
TEST_F(Cli, HandWrittenKernelBoots) {
  fs::path path = write_file("good.elf", write_elf32(good_kernel()));
  EXPECT_EQ(vmlab({"run", path.string()}).status, (0x2A << 1) | 1);
}

TEST_F(Cli, ElfForAnotherMachineIsRefused) {
  ElfImage image = good_kernel();
  image.machine = 40;  // EM_ARM
  fs::path path = write_file("arm.elf", write_elf32(image));
  expect_user_error(vmlab({"run", path.string()}), "i386");
}

// A Multiboot header inside a 64-bit ELF: the ELF class is what is wrong.
TEST_F(Cli, Elf64IsRefused) {
  std::vector<uint8_t> file = write_elf32(good_kernel());
  file[4] = 2;  // EI_CLASS = ELFCLASS64
  fs::path path = write_file("class64.elf", file);
  expect_user_error(vmlab({"run", path.string()}), "not a 32-bit ELF");
}

TEST_F(Cli, ElfWithoutMultibootHeaderIsRefused) {
  ElfImage image = good_kernel();
  std::vector<uint8_t>& text = image.segments[0].bytes;
  text.erase(text.begin(), text.begin() + 12);
  image.entry = 0x100000;
  fs::path path = write_file("plain.elf", write_elf32(image));
  expect_user_error(vmlab({"run", path.string()}), "Multiboot");
}

TEST_F(Cli, OverlappingSegmentsAreRefused) {
  ElfImage image = good_kernel();
  image.segments.push_back({0x100800, {1, 2, 3, 4}, 0x100});  // inside the first one
  fs::path path = write_file("overlap.elf", write_elf32(image));
  expect_user_error(vmlab({"run", path.string()}), "overlap");
}

// ----- bad option values: status 1 -----

TEST_F(Cli, UnknownMode) { expect_user_error(probe("exit 5", {"--mode", "warp-drive"}), "warp-drive"); }

TEST_F(Cli, ValidModeNotBuiltYet) {
  expect_user_error(probe("exit 5", {"--mode", "vtx-ept"}), "not built yet");
}

TEST_F(Cli, UnknownCounterFormat) {
  expect_user_error(probe("exit 5", {"--counters", "--format", "xml"}), "xml");
}

TEST_F(Cli, UnknownCostProfile) {
  expect_user_error(probe("exit 5", {"--cost-profile", "no-such-profile"}), "no-such-profile");
}

TEST_F(Cli, MissingInitrd) {
  std::string path = scratch_file("no-such-module.bin").string();
  expect_user_error(probe("modules", {"--initrd", path}), path);
}

TEST_F(Cli, ZeroMemory) { expect_user_error(probe("exit 5", {"--mem", "0"}), "--mem"); }

// ----- bad command lines: status 2 -----

TEST_F(Cli, UnknownOption) { expect_usage_error(vmlab({"run", "--warp", "9", kProbe})); }

// KERNEL is optional (a run can boot from --disk), so running nothing is a user error.
TEST_F(Cli, NothingToBoot) { expect_user_error(vmlab({"run"}), "nothing to boot"); }

TEST_F(Cli, NoSubcommand) { expect_usage_error(vmlab({})); }

// ----- disks and firmware -----

TEST_F(Cli, BootsADiskImageThroughTheFirmware) {
  ChildResult r = vmlab({"run", "--no-stdin", "--disk", VMLAB_BIOS_PROBE_IMG});
  EXPECT_EQ(r.status, 33) << r.err;
  EXPECT_THAT(r.out, HasSubstr("chs=sector-one\n"));
  EXPECT_THAT(r.out, HasSubstr("edd=sector-two\n"));
}

TEST_F(Cli, SerialOutputToAFile) {
  fs::path out = scratch_file("com1.txt");
  ChildResult r = vmlab({"run", "--no-stdin", "--serial", out.string(), "--disk", VMLAB_BIOS_PROBE_IMG});
  EXPECT_EQ(r.status, 33) << r.err;
  EXPECT_EQ(r.out, "");
  std::ifstream f(out);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("chs=sector-one\n"), std::string::npos) << text;
}

TEST_F(Cli, MissingDiskImage) {
  expect_user_error(vmlab({"run", "--disk", "/nonexistent/disk.img"}), "/nonexistent/disk.img");
}

TEST_F(Cli, DiskImageOfPartialSectors) {
  fs::path path = write_file("partial.img", std::string(1000, 'x'));
  expect_user_error(vmlab({"run", "--disk", path.string()}), "512-byte sectors");
}

TEST_F(Cli, BiosWithAKernelIsRefused) {
  expect_user_error(vmlab({"run", "--bios", "/nonexistent/rom.bin", VMLAB_DEMO_ELF}), "--bios");
}

// ----- help, version, planned commands -----

TEST_F(Cli, HelpListsTheCommands) {
  ChildResult r = vmlab({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("run"));
  EXPECT_THAT(r.out, HasSubstr("conformance"));
}

TEST_F(Cli, VersionPrintsTheProjectVersion) {
  ChildResult r = vmlab({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "vmlab " VMLAB_CLI_VERSION "\n");
}

TEST_F(Cli, RunHelpDescribesTheOptions) {
  ChildResult r = vmlab({"run", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("--max-insns"));
  EXPECT_THAT(r.out, HasSubstr("--debugcon"));
}

TEST_F(Cli, PlannedCommandsSayNotBuiltYet) {
  for (const char* command : {"lab"}) {
    ChildResult r = vmlab({command});
    EXPECT_NE(r.status, 0) << command;
    std::vector<std::string> lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << command << ": " << r.err;
    EXPECT_THAT(lines[0], StartsWith("vmlab: "));
    EXPECT_THAT(lines[0], HasSubstr("not built yet")) << command;
  }
}

}  // namespace
}  // namespace vmlab::test
