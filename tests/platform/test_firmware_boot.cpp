// Booting through vmlab's firmware: power-on, POST, INT 19h, and the BIOS services a
// boot sector uses (tests/platform/guests/bios_probe.S reports them on COM1).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/machine.h"
#include "devices/firmware/bios.h"
#include "devices/vga_text.h"

namespace vmlab {
namespace {

struct FirmwareRun {
  std::string com1;
  std::vector<std::string> messages;
  RunResult result;
  std::string screen;
};

FirmwareRun boot(const std::vector<std::string>& disks, u64 budget = 50'000'000) {
  FirmwareRun run;
  MachineConfig config;
  config.mem_mib = 32;
  config.com1_output = [&run](u8 b) { run.com1.push_back(char(b)); };
  for (const auto& d : disks) config.disks.push_back(DiskSpec{d, false});
  Machine machine(config);
  machine.platform().bios().set_message_sink([&run](const std::string& m) { run.messages.push_back(m); });
  machine.power_on();
  run.result = machine.run(budget);
  run.screen = machine.platform().vga().screen_dump();
  return run;
}

TEST(FirmwareBoot, BootSectorUsesTheBiosServices) {
  FirmwareRun r = boot({VMLAB_BIOS_PROBE_IMG});
  ASSERT_EQ(r.result.kind, RunResult::Kind::ExitPort) << r.result.message << "\n" << r.com1;
  EXPECT_EQ(r.result.exit_value, 0x10u) << r.com1;
  EXPECT_NE(r.com1.find("boot dl=80\n"), std::string::npos) << r.com1;          // INT 19h: DL = 80h
  EXPECT_NE(r.com1.find("mem=027F\n"), std::string::npos) << r.com1;            // INT 12h: 639 KiB
  EXPECT_NE(r.com1.find("chs=sector-one\n"), std::string::npos) << r.com1;      // INT 13h AH=02h
  EXPECT_NE(r.com1.find("edd=sector-two\n"), std::string::npos) << r.com1;      // INT 13h AH=42h
  EXPECT_NE(r.com1.find("heads=0F spt=3F\n"), std::string::npos) << r.com1;     // AH=08h: 16 x 63
  EXPECT_NE(r.com1.find("e820=07\n"), std::string::npos) << r.com1;             // INT 15h E820
  EXPECT_EQ(r.screen.substr(0, 5), "vmlab");                                     // INT 10h teletype
}

TEST(FirmwareBoot, NoDiskIsReportedAndTheCpuHalts) {
  FirmwareRun r = boot({});
  EXPECT_EQ(r.result.kind, RunResult::Kind::HaltedForever);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_NE(r.messages[0].find("no disk to boot from"), std::string::npos) << r.messages[0];
}

TEST(FirmwareBoot, DiskWithoutBootSignatureIsRefused) {
  std::filesystem::path path = std::filesystem::temp_directory_path() / "vmlab-not-bootable.img";
  {
    std::ofstream f(path, std::ios::binary);
    std::string zeros(512 * 4, '\0');
    f.write(zeros.data(), std::streamsize(zeros.size()));
  }
  FirmwareRun r = boot({path.string()});
  std::filesystem::remove(path);
  EXPECT_EQ(r.result.kind, RunResult::Kind::HaltedForever);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_NE(r.messages[0].find("not bootable"), std::string::npos) << r.messages[0];
  EXPECT_NE(r.messages[0].find("00 00"), std::string::npos) << r.messages[0];
}

TEST(FirmwareBoot, PostProgramsThePlatformLikeAPcBios) {
  MachineConfig config;
  config.mem_mib = 32;
  Machine machine(config);
  machine.power_on();
  machine.run(100'000);  // POST runs within the first instructions; no disk: it halts
  Bios& bios = machine.platform().bios();
  EXPECT_EQ(bios.read16(0x413), 639u);           // base memory in the BDA
  EXPECT_EQ(bios.read16(0x40E), 0x9FC0u);        // EBDA segment
  EXPECT_EQ(bios.read16(0x10 * 4 + 2), 0xF000u); // INT 10h vector in the ROM
  EXPECT_EQ(bios.read32(0xF0000), 0x5F504D5Fu);  // "_MP_" floating pointer
  EXPECT_GE(machine.counters().devices.at("pic.master.port_writes"), 4u);  // ICW1-ICW4
}

}  // namespace
}  // namespace vmlab
