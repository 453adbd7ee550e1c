// IMCR (MP specification 1.4, 3.6.2.1): select 0x70 through port 0x22, then bit 0 of
// port 0x23 switches between PIC mode and symmetric I/O mode.
#include "devices/imcr.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/events.h"
#include "core/virtual_clock.h"

namespace vmlab {
namespace {

class ImcrTest : public ::testing::Test {
 protected:
  ImcrTest() {
    imcr.attach(bus);
    imcr.on_change = [this](bool apic) { changes.push_back(apic); };
  }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  Imcr imcr{counters};
  std::vector<bool> changes;
};

TEST_F(ImcrTest, StartsInPicMode) {
  EXPECT_FALSE(imcr.apic_mode());
  bus.port_write(0x22, 0x70, 1);
  EXPECT_EQ(bus.port_read(0x23, 1), 0u);
}

TEST_F(ImcrTest, SelectThenWriteSwitchesModes) {
  bus.port_write(0x22, 0x70, 1);
  bus.port_write(0x23, 0x01, 1);
  EXPECT_TRUE(imcr.apic_mode());
  EXPECT_EQ(bus.port_read(0x22, 1), 0x70u);
  EXPECT_EQ(bus.port_read(0x23, 1), 0x01u);
  bus.port_write(0x23, 0xFF, 1);  // already APIC mode; only bit 0 is kept
  EXPECT_EQ(bus.port_read(0x23, 1), 0x01u);
  bus.port_write(0x23, 0x00, 1);
  EXPECT_FALSE(imcr.apic_mode());
  EXPECT_EQ(changes, (std::vector<bool>{true, false}));
  EXPECT_EQ(counters.device("imcr.mode_changes"), 2u);
}

TEST_F(ImcrTest, OtherSelectionsAreNotTheImcr) {
  bus.port_write(0x22, 0x71, 1);
  bus.port_write(0x23, 0x01, 1);
  EXPECT_FALSE(imcr.apic_mode());
  EXPECT_EQ(bus.port_read(0x23, 1), 0xFFu);
  EXPECT_TRUE(changes.empty());
}

TEST_F(ImcrTest, WordAccessIsSplitIntoSelectAndData) {
  bus.port_write(0x22, 0x0170, 2);  // 0x70 to port 0x22, then 0x01 to port 0x23
  EXPECT_TRUE(imcr.apic_mode());
  EXPECT_EQ(bus.port_read(0x22, 2), 0x0170u);
}

TEST_F(ImcrTest, ResetReturnsToPicMode) {
  bus.port_write(0x22, 0x70, 1);
  bus.port_write(0x23, 0x01, 1);
  imcr.reset();
  EXPECT_FALSE(imcr.apic_mode());
  EXPECT_EQ(bus.port_read(0x22, 1), 0u);
  EXPECT_EQ(changes, (std::vector<bool>{true, false}));
}

}  // namespace
}  // namespace vmlab
