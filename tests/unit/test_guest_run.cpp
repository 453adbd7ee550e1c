// Running a guest to the end with COM1 captured, alone and several in parallel threads.
// The guest is a boot sector the firmware loads: it prints "Hi\n" on COM1 and writes
// its exit value to port 0xF4.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "core/guest_run.h"
#include "disk_test_support.h"

namespace vmlab {
namespace {

using disk_test::TempDir;
using disk_test::write_bytes;

// A one-sector disk: mov dx,0x3F8; mov al,'H'; out dx,al; mov al,'i'; out dx,al;
// mov al,10; out dx,al; then mov al,exit_value; out 0xF4,al; cli; hlt, or with `spin`
// jmp $ (forever).
std::vector<u8> boot_sector(u8 exit_value, bool spin = false) {
  std::vector<u8> code = {0xBA, 0xF8, 0x03, 0xB0, 'H',  0xEE, 0xB0, 'i',  0xEE,
                          0xB0, 0x0A, 0xEE, 0xB0, 0x00, 0xE6, 0xF4, 0xFA, 0xF4};
  code[13] = exit_value;
  if (spin) code.resize(12), code.insert(code.end(), {0xEB, 0xFE});
  code.resize(512);
  code[510] = 0x55;
  code[511] = 0xAA;
  return code;
}

std::string validate_error(const GuestRunSpec& spec) {
  try {
    validate_run_spec(spec);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(GuestRun, CapturesCom1AndReportsTheStatusAndCounters) {
  TempDir dir;
  write_bytes(dir.file("boot.img"), boot_sector(0x10));
  GuestRunSpec spec;
  spec.disks = {dir.file("boot.img")};
  GuestRunResult r = run_guest(spec);
  EXPECT_EQ(r.com1, "Hi\n");
  EXPECT_EQ(r.run.kind, RunResult::Kind::ExitPort);
  EXPECT_EQ(r.status, 33);
  EXPECT_GT(r.counters.instructions, 0u);
  EXPECT_GT(r.counters.cycles, 0u);
  EXPECT_EQ(r.error, "");
}

TEST(GuestRun, BudgetEndsTheRun) {
  TempDir dir;
  write_bytes(dir.file("boot.img"), boot_sector(0x10, true));
  GuestRunSpec spec;
  spec.disks = {dir.file("boot.img")};
  spec.max_instructions = 5000;
  GuestRunResult r = run_guest(spec);
  EXPECT_EQ(r.run.kind, RunResult::Kind::BudgetExhausted);
  EXPECT_EQ(r.status, RunResult::kStatusBudgetExhausted);
  EXPECT_EQ(r.counters.instructions, 5000u);
  EXPECT_EQ(r.com1, "Hi\n");
}

TEST(GuestRun, ValidationErrors) {
  GuestRunSpec spec;
  spec.kernel = "k.elf";
  EXPECT_EQ(validate_error(spec), "");
  spec.mem_mib = 1;
  EXPECT_NE(validate_error(spec).find("--mem"), std::string::npos);
  spec.mem_mib = 128;
  spec.mode = "vtx-ept";
  EXPECT_NE(validate_error(spec).find("not built yet"), std::string::npos);
  spec.mode = "tae-shadow";
  EXPECT_EQ(validate_error(spec), "");
  spec.mem_mib = 3060;
  EXPECT_EQ(validate_error(spec),
            "--mem 3060 leaves no room for the 16 MiB that mode 'tae-shadow' keeps for its monitor: use --mem "
            "3056 or less");
  spec.mem_mib = 128;
  spec.kernel.clear();
  spec.disks = {"disk.img"};
  EXPECT_NE(validate_error(spec).find("needs a Multiboot kernel"), std::string::npos);
  spec.disks.clear();
  spec.kernel = "k.elf";
  spec.mode = "native";
  spec.cost_profile = "no-such-profile";
  EXPECT_NE(validate_error(spec).find("no-such-profile"), std::string::npos);
  spec.cost_profile = "modern";
  spec.bios = "rom.bin";
  EXPECT_NE(validate_error(spec).find("--bios"), std::string::npos);
  EXPECT_NE(validate_error(GuestRunSpec{}).find("nothing to boot"), std::string::npos);
}

TEST(GuestRun, SpecFromACatalogEntry) {
  GuestEntry guest{"g", "s", "/k.elf", {"/m1", "/m2"}, {"/d.img"}, "bench all"};
  GuestRunSpec spec = guest_run_spec(guest);
  EXPECT_EQ(spec.kernel, "/k.elf");
  EXPECT_EQ(spec.initrds, (std::vector<std::string>{"/m1", "/m2"}));
  EXPECT_EQ(spec.disks, std::vector<std::string>{"/d.img"});
  EXPECT_EQ(spec.append, "bench all");
  EXPECT_EQ(spec.mode, "native");
}

// Results come back in the order of the specs, each with its own output; a run that
// cannot start reports its error and does not stop the others.
TEST(GuestRuns, ParallelRunsKeepTheirOrderAndTheirOwnOutput) {
  TempDir dir;
  std::vector<GuestRunSpec> specs;
  for (u8 value : {0x10, 0x05, 0x07, 0x10}) {
    std::string path = dir.file("boot" + std::to_string(specs.size()) + ".img");
    write_bytes(path, boot_sector(value));
    GuestRunSpec spec;
    spec.disks = {path};
    specs.push_back(spec);
  }
  specs[2].disks = {dir.file("missing.img")};
  std::vector<std::vector<RunPhase>> seen;
  std::vector<GuestRunResult> results =
      run_guests(specs, 3, [&](std::span<const RunPhase> p) { seen.emplace_back(p.begin(), p.end()); });
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].status, 33);
  EXPECT_EQ(results[1].status, (5 << 1) | 1);
  EXPECT_NE(results[2].error.find("missing.img"), std::string::npos) << results[2].error;
  EXPECT_EQ(results[3].status, 33);
  for (std::size_t i : {0u, 1u, 3u}) {
    EXPECT_EQ(results[i].com1, "Hi\n") << i;
    EXPECT_EQ(results[i].error, "") << i;
  }
  // Each run starts and finishes once: 8 calls, the last with everything finished.
  ASSERT_EQ(seen.size(), 8u);
  EXPECT_EQ(seen.back(), std::vector<RunPhase>(4, RunPhase::Finished));
}

// The same guest gives the same counters however many threads run beside it.
TEST(GuestRuns, CountersDoNotDependOnTheThreads) {
  TempDir dir;
  write_bytes(dir.file("boot.img"), boot_sector(0x10));
  GuestRunSpec spec;
  spec.disks = {dir.file("boot.img")};
  GuestRunResult alone = run_guest(spec);
  std::vector<GuestRunResult> together = run_guests(std::vector<GuestRunSpec>(4, spec), 4);
  for (const GuestRunResult& r : together) {
    EXPECT_EQ(r.counters.instructions, alone.counters.instructions);
    EXPECT_EQ(r.counters.cycles, alone.counters.cycles);
  }
}

TEST(GuestRuns, NoSpecsNoResults) { EXPECT_TRUE(run_guests({}, 4).empty()); }

}  // namespace
}  // namespace vmlab
