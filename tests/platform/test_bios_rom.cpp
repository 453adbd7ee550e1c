// --bios: a replacement firmware ROM at the top of the 4 GiB space, aliased below 1 MiB.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "core/machine.h"

namespace vmlab {
namespace {

std::string write_rom(const std::string& name, const std::vector<u8>& bytes) {
  std::filesystem::path path = std::filesystem::temp_directory_path() / name;
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return path.string();
}

// 64 KiB ROM. Reset vector (offset FFF0, fetched at 0xFFFFFFF0): JMP F000:E000, which is
// the ROM's own offset E000 seen through the alias below 1 MiB; there: exit with 2Bh.
std::vector<u8> test_rom() {
  std::vector<u8> rom(64 * 1024, 0xFF);
  const u8 reset[] = {0xEA, 0x00, 0xE0, 0x00, 0xF0};
  const u8 body[] = {0xB0, 0x2B, 0xE6, 0xF4, 0xF4};  // mov al, 2Bh; out F4h, al; hlt
  std::copy(std::begin(reset), std::end(reset), rom.begin() + 0xFFF0);
  std::copy(std::begin(body), std::end(body), rom.begin() + 0xE000);
  return rom;
}

TEST(BiosRom, StartsAtTheResetVectorAndRunsFromTheLowAlias) {
  std::string path = write_rom("vmlab-test-rom.bin", test_rom());
  MachineConfig config;
  config.mem_mib = 2;
  config.bios_path = path;
  Machine machine(config);
  machine.power_on();
  RunResult r = machine.run(1000);
  std::filesystem::remove(path);
  EXPECT_EQ(r.kind, RunResult::Kind::ExitPort) << r.message;
  EXPECT_EQ(r.exit_value, 0x2Bu);
  EXPECT_EQ(machine.counters().instructions, 3u);  // jmp, mov, out
}

TEST(BiosRom, SizeMustBeWhole64KiBUnits) {
  std::string path = write_rom("vmlab-bad-rom.bin", std::vector<u8>(1000, 0));
  MachineConfig config;
  config.bios_path = path;
  try {
    Machine machine(config);
    FAIL() << "a 1000-byte ROM was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("1000 bytes"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("64 KiB"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(BiosRom, LargerThan16MiBIsRefused) {
  std::string path = write_rom("vmlab-huge-rom.bin", std::vector<u8>(17 * 1024 * 1024, 0));
  MachineConfig config;
  config.bios_path = path;
  EXPECT_THROW(Machine machine(config), UserError);
  std::filesystem::remove(path);
}

TEST(BiosRom, MissingFileIsOneClearLine) {
  MachineConfig config;
  config.bios_path = "/nonexistent/rom.bin";
  try {
    Machine machine(config);
    FAIL() << "a missing ROM was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open BIOS ROM '/nonexistent/rom.bin'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace vmlab
