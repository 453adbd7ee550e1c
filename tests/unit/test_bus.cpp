// Bus: port and MMIO dispatch, masking to the access size, open-bus values, counters,
// events, and the wiring errors map_ports / map_mmio refuse.
#include "core/bus.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "core/counters.h"
#include "core/events.h"
#include "core/virtual_clock.h"

namespace vmlab {
namespace {

class BusTest : public ::testing::Test {
 protected:
  // Records every access a device sees; reads answer with `reply`.
  IoCallback recorder(std::vector<IoAccess>& log, u32 reply = 0) {
    return [&log, reply](IoAccess& access) {
      log.push_back(access);
      if (!access.is_write) access.data = reply;
    };
  }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
};

TEST_F(BusTest, PortWriteReachesOwnerWithPortNumberAndMaskedData) {
  std::vector<IoAccess> log;
  bus.map_ports(0x3F8, 8, "com1", recorder(log));
  bus.port_write(0x3FB, 0x12345683, 1);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].addr, 0x3FBu);
  EXPECT_EQ(log[0].data, 0x83u);
  EXPECT_EQ(log[0].size, 1);
  EXPECT_TRUE(log[0].is_write);
  EXPECT_EQ(counters.port_writes, 1u);
  EXPECT_EQ(counters.port_unclaimed, 0u);
}

TEST_F(BusTest, PortReadIsMaskedToAccessSize) {
  std::vector<IoAccess> log;
  bus.map_ports(0xCFC, 4, "pci-data", recorder(log, 0xAABBCCDD));
  EXPECT_EQ(bus.port_read(0xCFC, 1), 0xDDu);
  EXPECT_EQ(bus.port_read(0xCFC, 2), 0xCCDDu);
  EXPECT_EQ(bus.port_read(0xCFC, 4), 0xAABBCCDDu);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_FALSE(log[0].is_write);
  EXPECT_EQ(log[2].size, 4);
  EXPECT_EQ(counters.port_reads, 3u);
}

TEST_F(BusTest, WideAccessGoesAsOneAccessToOwnerOfFirstPort) {
  std::vector<IoAccess> low, high;
  bus.map_ports(0x60, 1, "low", recorder(low, 0x11));
  bus.map_ports(0x61, 1, "high", recorder(high, 0x22));
  EXPECT_EQ(bus.port_read(0x60, 2), 0x11u);
  bus.port_write(0x60, 0xBEEF, 2);
  ASSERT_EQ(low.size(), 2u);
  EXPECT_TRUE(high.empty());
  EXPECT_EQ(low[1].data, 0xBEEFu);
  EXPECT_EQ(low[1].size, 2);
}

TEST_F(BusTest, UnclaimedPortsReadAllOnesAndDropWrites) {
  EXPECT_EQ(bus.port_read(0x1234, 1), 0xFFu);
  EXPECT_EQ(bus.port_read(0x1234, 2), 0xFFFFu);
  EXPECT_EQ(bus.port_read(0x1234, 4), 0xFFFFFFFFu);
  bus.port_write(0x1234, 7, 1);
  EXPECT_EQ(counters.port_reads, 3u);
  EXPECT_EQ(counters.port_writes, 1u);
  EXPECT_EQ(counters.port_unclaimed, 4u);
}

TEST_F(BusTest, PortOwnerNamesDeviceOrIsEmpty) {
  bus.map_ports(0x40, 4, "pit", [](IoAccess&) {});
  EXPECT_EQ(bus.port_owner(0x43), "pit");
  EXPECT_EQ(bus.port_owner(0x44), "");
  EXPECT_EQ(bus.port_owner(0xFFFF), "");
}

TEST_F(BusTest, MapPortsRejectsWiringBugs) {
  bus.map_ports(0x20, 2, "pic", [](IoAccess&) {});
  EXPECT_THROW(bus.map_ports(0x21, 1, "clash", [](IoAccess&) {}), std::logic_error);
  EXPECT_THROW(bus.map_ports(0x10, 0x11, "clash-below", [](IoAccess&) {}), std::logic_error);
  EXPECT_THROW(bus.map_ports(0x30, 0, "empty", [](IoAccess&) {}), std::logic_error);
  EXPECT_THROW(bus.map_ports(0xFFFF, 2, "past-end", [](IoAccess&) {}), std::logic_error);
  // A failed claim must not have taken any port.
  EXPECT_EQ(bus.port_owner(0x10), "");
  EXPECT_NO_THROW(bus.map_ports(0xFFFF, 1, "last", [](IoAccess&) {}));
  EXPECT_NO_THROW(bus.map_ports(0x22, 1, "adjacent", [](IoAccess&) {}));
}

TEST_F(BusTest, MmioCallbackSeesOffsetInWindow) {
  std::vector<IoAccess> log;
  bus.map_mmio(0xFEC00000, 0x1000, "ioapic", recorder(log, 0x12345678));
  bus.mmio_write(0xFEC00010, 0xCAFEF00D, 4);
  EXPECT_EQ(bus.mmio_read(0xFEC00FFC, 2), 0x5678u);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].addr, 0x10u);
  EXPECT_EQ(log[0].data, 0xCAFEF00Du);
  EXPECT_EQ(log[1].addr, 0xFFCu);
  EXPECT_EQ(counters.mmio_writes, 1u);
  EXPECT_EQ(counters.mmio_reads, 1u);
}

TEST_F(BusTest, MmioWindowsAreHalfOpenAndUnclaimedIsOpenBus) {
  std::vector<IoAccess> log;
  bus.map_mmio(0x1000, 0x100, "dev", recorder(log));
  EXPECT_EQ(bus.mmio_read(0xFFF, 1), 0xFFu);
  EXPECT_EQ(bus.mmio_read(0x1100, 4), 0xFFFFFFFFu);
  bus.mmio_write(0x1100, 1, 4);
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(counters.mmio_unclaimed, 3u);
  bus.mmio_write(0x10FF, 0x1FF, 1);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].addr, 0xFFu);
  EXPECT_EQ(log[0].data, 0xFFu);
}

TEST_F(BusTest, MapMmioRejectsWiringBugs) {
  bus.map_mmio(0xFEE00000, 0x1000, "lapic", [](IoAccess&) {});
  EXPECT_THROW(bus.map_mmio(0xFEE00FFF, 1, "clash", [](IoAccess&) {}), std::logic_error);
  EXPECT_THROW(bus.map_mmio(0xFEDFF000, 0x2000, "covers", [](IoAccess&) {}), std::logic_error);
  EXPECT_THROW(bus.map_mmio(0x1000, 0, "empty", [](IoAccess&) {}), std::logic_error);
  EXPECT_THROW(bus.map_mmio(0xFFFFF000, 0x2000, "wraps", [](IoAccess&) {}), std::logic_error);
  EXPECT_NO_THROW(bus.map_mmio(0xFEE01000, 0x1000, "adjacent", [](IoAccess&) {}));
  EXPECT_NO_THROW(bus.map_mmio(0xFFFFF000, 0x1000, "top", [](IoAccess&) {}));
}

TEST_F(BusTest, BadAccessSizeIsACallerBug) {
  EXPECT_THROW(bus.port_read(0x80, 3), std::logic_error);
  EXPECT_THROW(bus.mmio_write(0x1000, 0, 8), std::logic_error);
}

TEST_F(BusTest, AccessesEmitEventsOnlyWhileListening) {
  bus.map_ports(0x80, 1, "post", [](IoAccess&) {});
  bus.port_write(0x80, 0x42, 1);
  EXPECT_EQ(events.total_emitted(), 0u);

  events.set_history_capacity(8);
  instructions = 5;
  bus.port_write(0x80, 0x142, 1);
  bus.port_read(0x3F8, 2);
  bus.mmio_write(0xB8000, 0x0741, 2);
  std::vector<Event> h = events.history();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].kind, EventKind::PortIo);
  EXPECT_EQ(h[0].a, 0x80u);
  EXPECT_EQ(h[0].b, 0x42u);  // masked to the byte written
  EXPECT_EQ(h[0].flags, Event::kWrite);
  EXPECT_EQ(h[0].time, 5u);
  EXPECT_EQ(h[1].flags, 0);
  EXPECT_EQ(h[1].b, 0xFFFFu);  // the open-bus value the CPU received
  EXPECT_EQ(h[1].size_or_level, 2);
  EXPECT_EQ(h[2].kind, EventKind::Mmio);
  EXPECT_EQ(h[2].a, 0xB8000u);  // the full physical address, not the window offset
  EXPECT_EQ(h[2].b, 0x0741u);
}

}  // namespace
}  // namespace vmlab

namespace vmlab {
namespace {

// Each claimed window counts its own accesses under Counters::devices.
TEST(BusDeviceCounters, CountsPerDeviceWindow) {
  Counters counters;
  VirtualClock clock(counters.instructions);
  EventStream events(clock);
  Bus bus(events, counters);
  bus.map_ports(0x3F8, 8, "com1", [](IoAccess& a) { a.data = 0; });
  bus.map_mmio(0xFEC00000, 0x1000, "ioapic", [](IoAccess& a) { a.data = 0; });
  bus.port_write(0x3F8, 1, 1);
  bus.port_write(0x3F9, 1, 1);
  bus.port_read(0x3FD, 1);
  bus.mmio_read(0xFEC00010, 4);
  bus.port_read(0x2F8, 1);  // unclaimed: no device counter
  EXPECT_EQ(counters.devices.at("com1.port_writes"), 2u);
  EXPECT_EQ(counters.devices.at("com1.port_reads"), 1u);
  EXPECT_EQ(counters.devices.at("ioapic.mmio_reads"), 1u);
  EXPECT_EQ(counters.devices.at("ioapic.mmio_writes"), 0u);
  EXPECT_EQ(counters.devices.count("unclaimed.port_reads"), 0u);
}

}  // namespace
}  // namespace vmlab
