// System control port A (0x92): fast A20 and fast reset; the POST code port (0x80);
// the echo test device (0xE0-0xE7).
#include "devices/system_ports.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/bus.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/virtual_clock.h"

namespace vmlab {
namespace {

using S = SystemPorts;

class SystemPortsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ports.attach(bus);
    ports.on_a20 = [this](bool on) { a20_calls.push_back(on); };
    ports.on_reset = [this] { ++reset_calls; };
  }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  SystemPorts ports{counters};
  std::vector<bool> a20_calls;
  int reset_calls = 0;
};

TEST_F(SystemPortsTest, Port92A20ReadsBackAndReportsChanges) {
  EXPECT_EQ(bus.port_read(S::kPort92, 1), 0x00u);
  bus.port_write(S::kPort92, S::PORT92_ALT_A20_GATE, 1);
  EXPECT_EQ(bus.port_read(S::kPort92, 1), S::PORT92_ALT_A20_GATE);
  EXPECT_TRUE(ports.a20());
  bus.port_write(S::kPort92, S::PORT92_ALT_A20_GATE, 1);  // no change, no call
  bus.port_write(S::kPort92, 0x00, 1);
  EXPECT_EQ(a20_calls, (std::vector<bool>{true, false}));
  EXPECT_EQ(reset_calls, 0);
}

TEST_F(SystemPortsTest, Port92ResetOnRisingEdgeOfInitNowOnly) {
  bus.port_write(S::kPort92, S::PORT92_INIT_NOW, 1);
  EXPECT_EQ(reset_calls, 1);
  EXPECT_EQ(bus.port_read(S::kPort92, 1), S::PORT92_INIT_NOW);  // reads back
  bus.port_write(S::kPort92, S::PORT92_INIT_NOW | S::PORT92_ALT_A20_GATE, 1);
  EXPECT_EQ(reset_calls, 1);  // still 1: no new 0 -> 1 transition
  bus.port_write(S::kPort92, S::PORT92_ALT_A20_GATE, 1);
  bus.port_write(S::kPort92, S::PORT92_ALT_A20_GATE | S::PORT92_INIT_NOW, 1);
  EXPECT_EQ(reset_calls, 2);
  EXPECT_EQ(counters.device("port92.resets"), 2u);
  EXPECT_EQ(a20_calls, std::vector<bool>{true});
}

TEST_F(SystemPortsTest, Port92UnimplementedBitsReadZeroAndWideAccessUsesLowByte) {
  bus.port_write(S::kPort92, 0xFFFC, 2);
  EXPECT_EQ(bus.port_read(S::kPort92, 1), 0x00u);
  EXPECT_EQ(bus.port_read(S::kPort92, 2), 0xFF00u);
  EXPECT_EQ(reset_calls, 0);
}

TEST_F(SystemPortsTest, ResetClearsPort92WithoutCallbacks) {
  bus.port_write(S::kPort92, S::PORT92_ALT_A20_GATE, 1);
  ports.reset();
  EXPECT_EQ(ports.port92(), 0);
  EXPECT_EQ(a20_calls.size(), 1u);
  bus.port_write(S::kPort92, S::PORT92_INIT_NOW, 1);  // 0 -> 1 again after reset
  EXPECT_EQ(reset_calls, 1);
}

TEST_F(SystemPortsTest, CallbacksAreOptional) {
  ports.on_a20 = nullptr;
  ports.on_reset = nullptr;
  bus.port_write(S::kPort92, 0x03, 1);
  EXPECT_EQ(counters.device("port92.resets"), 1u);
}

TEST_F(SystemPortsTest, PostPortStoresCountsAndReadsBack) {
  bus.port_write(S::kPostPort, 0x12, 1);
  bus.port_write(S::kPostPort, 0x34, 1);
  EXPECT_EQ(counters.last_post_code, 0x34);
  EXPECT_EQ(counters.device("post.writes"), 2u);
  EXPECT_EQ(bus.port_read(S::kPostPort, 1), 0x34u);
  EXPECT_EQ(ports.post_code(), 0x34);
  EXPECT_EQ(counters.device("post.writes"), 2u);  // reads do not count as writes
}

TEST_F(SystemPortsTest, TestDevEchoesEveryWidthAndOtherPortsReadZero) {
  bus.port_write(S::kTestDevBase, 0xDEADBEEF, 4);
  EXPECT_EQ(bus.port_read(S::kTestDevBase, 4), 0xDEADBEEFu);
  EXPECT_EQ(bus.port_read(S::kTestDevBase, 2), 0xBEEFu);
  bus.port_write(S::kTestDevBase, 0x1234, 2);
  EXPECT_EQ(bus.port_read(S::kTestDevBase, 4), 0x1234u);
  bus.port_write(S::kTestDevBase, 0x5A, 1);
  EXPECT_EQ(bus.port_read(S::kTestDevBase, 1), 0x5Au);
  EXPECT_EQ(ports.echo(), 0x5Au);
  for (u16 port = S::kTestDevBase + 1; port < S::kTestDevBase + S::kTestDevCount; ++port) {
    bus.port_write(port, 0xFF, 1);
    EXPECT_EQ(bus.port_read(port, 1), 0x00u);
  }
  EXPECT_EQ(ports.echo(), 0x5Au);
  EXPECT_EQ(bus.port_read(0xE8, 1), 0xFFu);  // not ours: open bus
}

}  // namespace
}  // namespace vmlab
