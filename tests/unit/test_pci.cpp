// PCI configuration mechanism #1 through ports 0xCF8/0xCFC, the 440FX host bridge's
// identity, absent functions, and the type 0 header rules of PciFunction (read-only
// identity, Command writable bits, Status RW1C, BAR sizing) on a test device.
#include "devices/pci.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <utility>
#include <vector>

#include "core/counters.h"
#include "core/events.h"
#include "core/virtual_clock.h"
#include "devices/pci_host_bridge.h"

namespace vmlab {
namespace {

// A device with a 4 KiB memory BAR0, a 32-byte I/O BAR1, bus mastering and INTA#, which
// records the config writes it is told about.
class TestDevice : public PciFunction {
 public:
  TestDevice()
      : PciFunction(PciIdentity{.vendor_id = 0x1234, .device_id = 0x5678, .revision_id = 0x03,
                                .base_class = 0x02, .sub_class = 0x00, .prog_if = 0x00,
                                .subsystem_vendor_id = 0xAAAA, .subsystem_id = 0xBBBB}) {
    define_memory_bar(0, 4096);
    define_io_bar(1, 32);
    define_memory_bar(2, 16, /*prefetchable=*/true);
    allow_command_bits(PCI_COMMAND_BUS_MASTER);
    set_interrupt_pin(1);
  }
  using PciFunction::set_status_bits;

  std::vector<std::pair<u32, unsigned>> writes;

 protected:
  void on_config_write(u32 offset, unsigned size) override { writes.emplace_back(offset, size); }
};

class PciTest : public ::testing::Test {
 protected:
  PciTest() {
    pci.add(0, 0, std::make_unique<PciHostBridge>());
    auto device = std::make_unique<TestDevice>();
    test_device = device.get();
    pci.add(3, 0, std::move(device));
    pci.attach(bus);
  }

  static u32 address(u32 bus_number, u32 device, u32 function, u32 reg) {
    return PciBus::CONFIG_ADDRESS_ENABLE | bus_number << 16 | device << 11 | function << 8 | reg;
  }
  u32 read(u32 device, u32 reg, u8 size = 4, u32 function = 0) {
    bus.port_write(0xCF8, address(0, device, function, reg & 0xFC), 4);
    return bus.port_read(u16(0xCFC + (reg & 3)), size);
  }
  void write(u32 device, u32 reg, u32 value, u8 size = 4, u32 function = 0) {
    bus.port_write(0xCF8, address(0, device, function, reg & 0xFC), 4);
    bus.port_write(u16(0xCFC + (reg & 3)), value, size);
  }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  PciBus pci{counters};
  TestDevice* test_device = nullptr;
};

TEST_F(PciTest, ConfigAddressLatchesOnlyDwordWrites) {
  bus.port_write(0xCF8, 0xFF00A8F7, 4);  // reserved bits 30-24 and 1-0 do not latch
  EXPECT_EQ(bus.port_read(0xCF8, 4), 0x8000A8F4u);
  EXPECT_EQ(pci.config_address(), 0x8000A8F4u);
  bus.port_write(0xCF8, 0x00, 1);  // byte and word accesses pass through as plain I/O
  bus.port_write(0xCF8, 0x0000, 2);
  EXPECT_EQ(bus.port_read(0xCF8, 4), 0x8000A8F4u);
  EXPECT_EQ(bus.port_read(0xCF8, 1), 0xFFu);
  EXPECT_EQ(bus.port_read(0xCF8, 2), 0xFFFFu);
  EXPECT_EQ(bus.port_owner(0xCF9), "");  // free for the reset control register
  EXPECT_EQ(bus.port_owner(0xCFC), "pci");
}

TEST_F(PciTest, HostBridgeIdentityThroughEveryAccessWidth) {
  EXPECT_EQ(read(0, 0x00), 0x12378086u);
  EXPECT_EQ(read(0, 0x00, 2), 0x8086u);
  EXPECT_EQ(read(0, 0x02, 2), 0x1237u);
  EXPECT_EQ(read(0, 0x00, 1), 0x86u);
  EXPECT_EQ(read(0, 0x01, 1), 0x80u);
  EXPECT_EQ(read(0, 0x02, 1), 0x37u);
  EXPECT_EQ(read(0, 0x03, 1), 0x12u);
  EXPECT_EQ(read(0, 0x08), 0x06000002u);  // class 06 00 00, revision 02
  EXPECT_EQ(read(0, 0x0B, 1), 0x06u);
  EXPECT_EQ(read(0, 0x0E, 1), 0x00u);  // header type 0, single function
  EXPECT_EQ(read(0, 0x10), 0u);        // no BARs
  write(0, 0x00, 0xFFFFFFFF);          // identity is read-only
  write(0, 0x04, 0xFFFF, 2);           // and the bridge's Command bits are hardwired
  EXPECT_EQ(read(0, 0x00), 0x12378086u);
  EXPECT_EQ(read(0, 0x04, 2), 0u);
}

TEST_F(PciTest, WideAccessStartingInsideConfigDataReachesOnlyItsBytes) {
  bus.port_write(0xCF8, address(0, 0, 0, 0x00), 4);
  EXPECT_EQ(bus.port_read(0xCFE, 4), 0xFFFF1237u);
  EXPECT_EQ(bus.port_read(0xCFF, 2), 0xFF12u);
}

TEST_F(PciTest, AbsentFunctionsReadAllOnesAndDropWrites) {
  EXPECT_EQ(read(5, 0x00), 0xFFFFFFFFu);
  EXPECT_EQ(read(5, 0x02, 2), 0xFFFFu);
  EXPECT_EQ(read(0, 0x00, 4, /*function=*/1), 0xFFFFFFFFu);
  write(5, 0x04, 0x7);
  EXPECT_EQ(read(5, 0x04), 0xFFFFFFFFu);
  bus.port_write(0xCF8, address(1, 0, 0, 0), 4);  // bus 1: no bridge leads there
  EXPECT_EQ(bus.port_read(0xCFC, 4), 0xFFFFFFFFu);
  bus.port_write(0xCF8, 0x00000000, 4);  // enable clear: CONFIG_DATA is plain I/O
  EXPECT_EQ(bus.port_read(0xCFC, 4), 0xFFFFFFFFu);
  EXPECT_EQ(counters.device("pci.config_reads"), 5u);  // not the one with enable clear
  EXPECT_EQ(counters.device("pci.config_writes"), 1u);
}

TEST_F(PciTest, IdentityFieldsAreReadOnly) {
  write(3, 0x00, 0);
  write(3, 0x08, 0);
  write(3, 0x2C, 0);
  write(3, 0x3D, 4, 1);  // Interrupt Pin
  EXPECT_EQ(read(3, 0x00), 0x56781234u);
  EXPECT_EQ(read(3, 0x08), 0x02000003u);
  EXPECT_EQ(read(3, 0x2C), 0xBBBBAAAAu);
  EXPECT_EQ(read(3, 0x3D, 1), 0x01u);
  write(3, 0x3C, 11, 1);  // Interrupt Line is firmware's scratch byte
  EXPECT_EQ(read(3, 0x3C, 1), 11u);
}

TEST_F(PciTest, BarSizingReadsBackTheSizeMask) {
  write(3, 0x10, 0xFFFFFFFF);
  write(3, 0x14, 0xFFFFFFFF);
  write(3, 0x18, 0xFFFFFFFF);
  write(3, 0x1C, 0xFFFFFFFF);  // BAR3 is not implemented
  EXPECT_EQ(read(3, 0x10), 0xFFFFF000u);  // 4 KiB, 32-bit memory
  EXPECT_EQ(read(3, 0x14), 0xFFFFFFE1u);  // 32 bytes of I/O
  EXPECT_EQ(read(3, 0x18), 0xFFFFFFF8u);  // 16 bytes, prefetchable memory
  EXPECT_EQ(read(3, 0x1C), 0u);
  write(3, 0x10, 0xFEBF1234);  // bits below the size do not stick
  write(3, 0x14, 0x0000C041);
  EXPECT_EQ(read(3, 0x10), 0xFEBF1000u);
  EXPECT_EQ(read(3, 0x14), 0x0000C041u);  // bit 0: I/O space
  EXPECT_EQ(test_device->bar_address(0), 0xFEBF1000u);
  EXPECT_EQ(test_device->bar_address(1), 0xC040u);
  EXPECT_EQ(test_device->bar_address(3), 0u);
  write(3, 0x15, 0xD0, 1);  // byte write into an I/O BAR
  EXPECT_EQ(test_device->bar_address(1), 0xD040u);
}

TEST_F(PciTest, CommandKeepsOnlyImplementedBitsAndStatusErrorsAreWriteOneToClear) {
  write(3, 0x04, 0xFFFF, 2);
  u16 implemented = PCI_COMMAND_IO_SPACE | PCI_COMMAND_MEMORY_SPACE | PCI_COMMAND_BUS_MASTER |
                    PCI_COMMAND_INTERRUPT_DISABLE;
  EXPECT_EQ(read(3, 0x04, 2), implemented);
  EXPECT_EQ(test_device->command(), implemented);
  write(3, 0x04, PCI_COMMAND_MEMORY_SPACE, 2);
  EXPECT_EQ(read(3, 0x04, 2), PCI_COMMAND_MEMORY_SPACE);
  test_device->set_status_bits(PCI_STATUS_INTERRUPT | PCI_STATUS_RECEIVED_MASTER_ABORT, true);
  EXPECT_EQ(read(3, 0x06, 2), 0x2008u);
  write(3, 0x06, 0x0000, 2);  // writing 0 clears nothing
  EXPECT_EQ(read(3, 0x06, 2), 0x2008u);
  write(3, 0x06, 0xFFFF, 2);  // writing 1 clears the error bit, not the interrupt status
  EXPECT_EQ(read(3, 0x06, 2), 0x0008u);
  // A dword write at 0x04 writes Command and Status together.
  write(3, 0x04, 0x00000005);
  EXPECT_EQ(read(3, 0x04), 0x00080005u);
}

TEST_F(PciTest, DeviceIsToldAboutEachWrite) {
  write(3, 0x04, 0x1, 2);
  write(3, 0x11, 0x20, 1);
  write(5, 0x04, 0x1, 2);  // absent: nobody is told
  ASSERT_EQ(test_device->writes.size(), 2u);
  EXPECT_EQ(test_device->writes[0], std::make_pair(0x04u, 2u));
  EXPECT_EQ(test_device->writes[1], std::make_pair(0x11u, 1u));
}

TEST_F(PciTest, ResetRestoresThePowerOnHeader) {
  write(3, 0x10, 0xFEBF0000);
  write(3, 0x04, 0x7, 2);
  write(3, 0x3C, 9, 1);
  pci.reset();
  EXPECT_EQ(pci.config_address(), 0u);
  EXPECT_EQ(read(3, 0x10), 0u);
  EXPECT_EQ(read(3, 0x04, 2), 0u);
  EXPECT_EQ(read(3, 0x3C, 1), 0u);
  EXPECT_EQ(read(3, 0x00), 0x56781234u);
}

TEST_F(PciTest, SecondFunctionMarksFunctionZeroMultiFunction) {
  EXPECT_EQ(read(3, 0x0E, 1), 0x00u);
  pci.add(3, 2, std::make_unique<TestDevice>());
  EXPECT_EQ(read(3, 0x0E, 1), 0x80u);
  EXPECT_EQ(read(3, 0x00, 4, /*function=*/2), 0x56781234u);
  pci.reset();
  EXPECT_EQ(read(3, 0x0E, 1), 0x80u);
}

TEST_F(PciTest, AddRejectsWiringBugs) {
  EXPECT_THROW(pci.add(3, 0, std::make_unique<TestDevice>()), std::logic_error);
  EXPECT_THROW(pci.add(32, 0, std::make_unique<TestDevice>()), std::logic_error);
  EXPECT_THROW(pci.add(4, 8, std::make_unique<TestDevice>()), std::logic_error);
  EXPECT_THROW(pci.add(4, 0, nullptr), std::logic_error);
  EXPECT_EQ(pci.function(3, 0), test_device);
  EXPECT_EQ(pci.function(4, 0), nullptr);
  EXPECT_EQ(pci.function(99, 99), nullptr);
}

TEST_F(PciTest, AnyPortAccessIsSafe) {
  u32 x = 777;
  auto next = [&x] { return x = x * 1103515245u + 12345u; };
  const u8 sizes[] = {1, 2, 4};
  for (int i = 0; i < 20000; ++i) {
    u16 port = u16(0xCF8 + next() % 8);
    u8 size = sizes[next() % 3];
    if (next() & 1) bus.port_write(port, next(), size); else bus.port_read(port, size);
  }
  pci.reset();
  EXPECT_EQ(read(0, 0x00), 0x12378086u);
}

}  // namespace
}  // namespace vmlab
