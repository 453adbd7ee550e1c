// One small guest of ours per device family (tests/platform/guests/device_probe.c),
// driving each device as an OS driver would, with interrupts, on the whole platform.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/boot/boot.h"
#include "core/machine.h"
#include "devices/byte_source.h"

namespace vmlab {
namespace {

struct ProbeRun {
  std::string com1;
  RunResult result;
  Counters counters;
};

ProbeRun probe(const std::string& command, const std::vector<std::string>& disks = {},
               ByteSource* input = nullptr) {
  ProbeRun run;
  MachineConfig config;
  config.mem_mib = 16;
  config.com1_output = [&run](u8 b) { run.com1.push_back(char(b)); };
  config.com1_input = input;
  for (const auto& d : disks) config.disks.push_back(DiskSpec{d, false});
  Machine machine(config);
  boot_multiboot(machine, VMLAB_DEVICE_PROBE_ELF, command, {});
  run.result = machine.run(500'000'000);
  run.counters = machine.counters();
  return run;
}

u64 device(const ProbeRun& r, const std::string& name) {
  auto it = r.counters.devices.find(name);
  return it == r.counters.devices.end() ? 0 : it->second;
}

// PIT mode 2 at 11932 counts: an edge at the start, then every 10.0002 ms.
TEST(DeviceGuests, PitTimerThroughThe8259) {
  ProbeRun r = probe("pic-timer");
  ASSERT_EQ(r.result.process_status(), 33) << r.result.message << r.com1;
  EXPECT_NE(r.com1.find("pic ticks=5 ms=40\n"), std::string::npos) << r.com1;
  EXPECT_EQ(r.counters.interrupts_by_vector[0x20], 5u);
  EXPECT_EQ(device(r, "ioapic.pin2.deliveries"), 0u);  // masked at the I/O APIC
}

TEST(DeviceGuests, PitTimerThroughTheIoApicAndLocalApic) {
  ProbeRun r = probe("ioapic-timer");
  ASSERT_EQ(r.result.process_status(), 33) << r.result.message << r.com1;
  EXPECT_NE(r.com1.find("ioapic ticks=5 ms=40\n"), std::string::npos) << r.com1;
  EXPECT_EQ(r.counters.interrupts_by_vector[0x30], 5u);
  EXPECT_EQ(device(r, "ioapic.pin2.deliveries"), 5u);  // IRQ 0 is wired to pin 2
  EXPECT_EQ(r.counters.interrupts_by_vector[0x20], 0u);  // the 8259 is masked
}

// 1,000,000 bus ticks at 100 MHz, divide by 1: exactly 10 ms per period.
TEST(DeviceGuests, LocalApicTimer) {
  ProbeRun r = probe("lapic-timer");
  ASSERT_EQ(r.result.process_status(), 33) << r.result.message << r.com1;
  EXPECT_NE(r.com1.find("lapic ticks=5 ms=50\n"), std::string::npos) << r.com1;
  EXPECT_EQ(device(r, "lapic.timer_expiries"), 5u);
}

TEST(DeviceGuests, UartInterruptDrivenEcho) {
  StringSource input("hello\n");
  ProbeRun r = probe("uart-echo", {}, &input);
  ASSERT_EQ(r.result.process_status(), 33) << r.result.message << r.com1;
  EXPECT_NE(r.com1.find("echo: HELLO irqs="), std::string::npos) << r.com1;
  EXPECT_EQ(device(r, "com1.rx_bytes"), 6u);
  EXPECT_GE(r.counters.interrupts_by_vector[0x24], 1u);
  EXPECT_GE(device(r, "irq.4"), 1u);
}

TEST(DeviceGuests, IdeIdentifyWriteReadWithIrq14) {
  std::filesystem::path path = std::filesystem::temp_directory_path() / "vmlab-device-probe.img";
  std::ofstream(path, std::ios::binary).write(std::string(1 << 20, '\0').data(), 1 << 20);
  ProbeRun r = probe("ide", {path.string()});
  std::string on_disk(512, '\0');
  std::ifstream(path, std::ios::binary).seekg(5 * 512).read(on_disk.data(), 512);
  std::filesystem::remove(path);
  ASSERT_EQ(r.result.process_status(), 33) << r.result.message << r.com1;
  EXPECT_NE(r.com1.find("ide model=VMLAB HARDDISK sectors=2048 readback=ok irqs=3\n"), std::string::npos)
      << r.com1;
  EXPECT_EQ(device(r, "ide0.sectors_written"), 1u);
  EXPECT_EQ(device(r, "ide0.sectors_read"), 1u);
  EXPECT_EQ(on_disk, std::string(512, '\0'));  // copy-on-write: the image file is unchanged
}

TEST(DeviceGuests, CmosRealTimeClockStartsAtTheVirtualEpoch) {
  ProbeRun r = probe("cmos");
  ASSERT_EQ(r.result.process_status(), 33) << r.result.message << r.com1;
  EXPECT_NE(r.com1.find("cmos 2000-01-01 00:00:00 regB=00000002\n"), std::string::npos) << r.com1;
}

}  // namespace
}  // namespace vmlab
