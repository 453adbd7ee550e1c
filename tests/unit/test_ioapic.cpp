// I/O APIC (82093AA) through IOREGSEL/IOWIN on a real Bus: identification registers,
// redirection entries and their read-only bits, edge and level delivery, Remote IRR
// and EOI, masking, polarity, and the per-pin delivery counters.
#include "devices/ioapic.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "core/events.h"
#include "core/virtual_clock.h"
#include "devices/local_apic.h"

namespace vmlab {
namespace {

struct Message {
  u8 vector;
  bool level;
  DeliveryMode mode;
  bool operator==(const Message&) const = default;
};

class IoapicTest : public ::testing::Test {
 protected:
  IoapicTest() {
    ioapic.attach(bus);
    ioapic.on_deliver = [this](u8 vector, bool level, DeliveryMode mode) {
      sent.push_back({vector, level, mode});
    };
  }

  u32 read_reg(u8 index) {
    bus.mmio_write(Ioapic::kBase + Ioapic::IOREGSEL, index, 4);
    return bus.mmio_read(Ioapic::kBase + Ioapic::IOWIN, 4);
  }
  void write_reg(u8 index, u32 value) {
    bus.mmio_write(Ioapic::kBase + Ioapic::IOREGSEL, index, 4);
    bus.mmio_write(Ioapic::kBase + Ioapic::IOWIN, value, 4);
  }
  void program(unsigned pin, u64 entry) {
    write_reg(u8(IOREDTBL0 + 2 * pin + 1), u32(entry >> 32));
    write_reg(u8(IOREDTBL0 + 2 * pin), u32(entry));
  }
  u64 entry(unsigned pin) {
    return u64(read_reg(u8(IOREDTBL0 + 2 * pin + 1))) << 32 | read_reg(u8(IOREDTBL0 + 2 * pin));
  }
  u64 deliveries(unsigned pin) {
    return counters.device("ioapic.pin" + std::to_string(pin) + ".deliveries");
  }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  Ioapic ioapic{1, counters};
  std::vector<Message> sent;
};

TEST_F(IoapicTest, IdentificationRegisters) {
  EXPECT_EQ(read_reg(IOAPICID), 1u << 24);
  EXPECT_EQ(read_reg(IOAPICVER), 0x00170011u);
  EXPECT_EQ(read_reg(IOAPICARB), 1u << 24);
  write_reg(IOAPICID, 0xFFFFFFFF);
  EXPECT_EQ(read_reg(IOAPICID), 0x0F000000u);
  EXPECT_EQ(read_reg(IOAPICARB), 0x0F000000u);  // loaded from the ID
  write_reg(IOAPICVER, 0);
  write_reg(IOAPICARB, 0);
  EXPECT_EQ(read_reg(IOAPICVER), 0x00170011u);
  EXPECT_EQ(read_reg(IOAPICARB), 0x0F000000u);
  EXPECT_EQ(read_reg(0x03), 0u);  // unimplemented
  EXPECT_EQ(read_reg(0x40), 0u);  // past entry 23
}

TEST_F(IoapicTest, IoregselReadsBackAndOtherAccessesAreCounted) {
  bus.mmio_write(Ioapic::kBase, 0x12345617, 4);
  EXPECT_EQ(bus.mmio_read(Ioapic::kBase, 4), 0x17u);
  EXPECT_EQ(bus.mmio_read(Ioapic::kBase + Ioapic::IOWIN, 2), 0u);
  bus.mmio_write(Ioapic::kBase + 0x20, 1, 4);
  EXPECT_EQ(bus.mmio_read(Ioapic::kBase + 0x04, 4), 0u);
  EXPECT_EQ(counters.device("ioapic.bad_accesses"), 3u);
}

TEST_F(IoapicTest, RedirectionEntriesRoundTripWithReadOnlyBits) {
  for (unsigned pin = 0; pin < Ioapic::kPins; ++pin)
    EXPECT_EQ(entry(pin), IOREDTBL_MASK) << "pin " << pin;  // masked after reset
  program(5, ~0ull);
  // DELIVS, Remote IRR and the reserved bits read 0.
  EXPECT_EQ(entry(5), 0xFF0000000001AFFFull);
  program(23, 0x0300000000018931ull);  // dest 3, masked, level, low, logical, mode 1
  EXPECT_EQ(entry(23), 0x0300000000018931ull);
  EXPECT_EQ(entry(22), IOREDTBL_MASK);
  ioapic.reset();
  EXPECT_EQ(entry(23), IOREDTBL_MASK);
}

TEST_F(IoapicTest, EdgeTriggeredPinDeliversOnTheAssertingEdgeOnly) {
  program(2, 0x30);
  ioapic.set_irq(2, true);
  ioapic.set_irq(2, true);  // no new edge
  ioapic.set_irq(2, false);
  ioapic.set_irq(2, true);
  EXPECT_EQ(sent, (std::vector<Message>{{0x30, false, DeliveryMode::Fixed},
                                        {0x30, false, DeliveryMode::Fixed}}));
  EXPECT_EQ(deliveries(2), 2u);
  EXPECT_EQ(entry(2) & IOREDTBL_REMOTE_IRR, 0u);
}

TEST_F(IoapicTest, ActiveLowEdgePinDeliversOnTheFallingEdge) {
  ioapic.set_irq(3, true);  // idle level of an active-low line
  program(3, IOREDTBL_INTPOL | 0x31);
  EXPECT_TRUE(sent.empty());
  ioapic.set_irq(3, false);
  ioapic.set_irq(3, true);
  EXPECT_EQ(sent, (std::vector<Message>{{0x31, false, DeliveryMode::Fixed}}));
}

TEST_F(IoapicTest, LevelTriggeredPinWaitsForEoiAndRedeliversWhileAsserted) {
  program(9, IOREDTBL_TRIGGER | 0x49);
  ioapic.set_irq(9, true);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], (Message{0x49, true, DeliveryMode::Fixed}));
  EXPECT_NE(entry(9) & IOREDTBL_REMOTE_IRR, 0u);
  ioapic.set_irq(9, false);
  ioapic.set_irq(9, true);  // Remote IRR still set: nothing new
  EXPECT_EQ(sent.size(), 1u);
  ioapic.eoi(0x48);  // another vector: no effect
  EXPECT_NE(entry(9) & IOREDTBL_REMOTE_IRR, 0u);
  ioapic.eoi(0x49);  // still asserted: delivered again
  EXPECT_EQ(sent.size(), 2u);
  EXPECT_NE(entry(9) & IOREDTBL_REMOTE_IRR, 0u);
  ioapic.set_irq(9, false);
  ioapic.eoi(0x49);
  EXPECT_EQ(entry(9) & IOREDTBL_REMOTE_IRR, 0u);
  EXPECT_EQ(sent.size(), 2u);
  EXPECT_EQ(deliveries(9), 2u);
}

TEST_F(IoapicTest, ActiveLowLevelPinIsAssertedWhileLow) {
  ioapic.set_irq(11, true);
  program(11, IOREDTBL_TRIGGER | IOREDTBL_INTPOL | 0x5B);
  EXPECT_TRUE(sent.empty());
  ioapic.set_irq(11, false);
  EXPECT_EQ(sent.size(), 1u);
  ioapic.set_irq(11, true);
  ioapic.eoi(0x5B);
  EXPECT_EQ(sent.size(), 1u);
}

TEST_F(IoapicTest, MaskedPinsDoNotDeliverAndUnmaskingAnAssertedLevelPinDoes) {
  program(4, IOREDTBL_MASK | 0x34);
  ioapic.set_irq(4, true);  // edge lost while masked
  program(4, 0x34);
  EXPECT_TRUE(sent.empty());
  program(10, IOREDTBL_MASK | IOREDTBL_TRIGGER | 0x3A);
  ioapic.set_irq(10, true);
  EXPECT_TRUE(sent.empty());
  program(10, IOREDTBL_TRIGGER | 0x3A);
  EXPECT_EQ(sent, (std::vector<Message>{{0x3A, true, DeliveryMode::Fixed}}));
  EXPECT_EQ(deliveries(4), 0u);
}

TEST_F(IoapicTest, SwitchingToEdgeClearsRemoteIrr) {
  program(12, IOREDTBL_TRIGGER | 0x4C);
  ioapic.set_irq(12, true);
  ASSERT_NE(entry(12) & IOREDTBL_REMOTE_IRR, 0u);
  program(12, IOREDTBL_MASK | 0x4C);
  EXPECT_EQ(entry(12) & IOREDTBL_REMOTE_IRR, 0u);
  ioapic.set_irq(12, false);
  program(12, IOREDTBL_TRIGGER | 0x4C);
  EXPECT_EQ(sent.size(), 1u);
}

TEST_F(IoapicTest, NonFixedModesAreEdgeTriggeredAndCarryTheirMode) {
  program(1, IOREDTBL_TRIGGER | (4ull << IOREDTBL_DELMOD_SHIFT));  // NMI programmed level
  ioapic.set_irq(1, true);
  ioapic.set_irq(1, false);
  ioapic.set_irq(1, true);
  program(0, 7ull << IOREDTBL_DELMOD_SHIFT);  // ExtINT
  ioapic.set_irq(0, true);
  program(6, 1ull << IOREDTBL_DELMOD_SHIFT | IOREDTBL_TRIGGER | 0x66);  // lowest priority
  ioapic.set_irq(6, true);
  EXPECT_EQ(sent, (std::vector<Message>{{0, false, DeliveryMode::Nmi},
                                        {0, false, DeliveryMode::Nmi},
                                        {0, false, DeliveryMode::ExtInt},
                                        {0x66, true, DeliveryMode::LowestPriority}}));
  EXPECT_EQ(entry(1) & IOREDTBL_REMOTE_IRR, 0u);
}

TEST_F(IoapicTest, ReservedDeliveryModesSendNothing) {
  program(7, 3ull << IOREDTBL_DELMOD_SHIFT | 0x37);
  ioapic.set_irq(7, true);
  program(8, 6ull << IOREDTBL_DELMOD_SHIFT | 0x38);
  ioapic.set_irq(8, true);
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(counters.device("ioapic.reserved_mode"), 2u);
}

TEST_F(IoapicTest, PinOutOfRangeIsAWiringError) {
  EXPECT_THROW(ioapic.set_irq(24, true), std::logic_error);
}

// The wiring the Machine will make: I/O APIC messages into the local APIC, and the
// local APIC's EOI of a level-triggered vector back to the I/O APIC.
TEST(IoapicWithLocalApic, LevelInterruptRoundTripThroughEoi) {
  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  EventQueue timers;
  LocalApic lapic{0, clock, timers, counters};
  Ioapic ioapic{1, counters};
  lapic.attach(bus);
  ioapic.attach(bus);
  ioapic.on_deliver = [&](u8 vector, bool level, DeliveryMode mode) {
    lapic.deliver(vector, level, mode);
  };
  lapic.on_eoi = [&](u8 vector) { ioapic.eoi(vector); };
  bus.mmio_write(LocalApic::kBase + LAPIC_SVR, SVR_APIC_ENABLE | 0xFF, 4);
  bus.mmio_write(Ioapic::kBase + Ioapic::IOREGSEL, IOREDTBL0 + 2 * 10, 4);
  bus.mmio_write(Ioapic::kBase + Ioapic::IOWIN, u32(IOREDTBL_TRIGGER) | 0x5A, 4);

  ioapic.set_irq(10, true);
  ASSERT_TRUE(lapic.intr_pending());
  EXPECT_EQ(lapic.intr_acknowledge(), 0x5A);
  EXPECT_TRUE(lapic.tmr().test(0x5A));
  bus.mmio_write(LocalApic::kBase + LAPIC_EOI, 0, 4);  // device not serviced yet
  EXPECT_TRUE(lapic.irr().test(0x5A));                 // so it interrupts again
  EXPECT_EQ(lapic.intr_acknowledge(), 0x5A);
  ioapic.set_irq(10, false);  // the handler serviced the device
  bus.mmio_write(LocalApic::kBase + LAPIC_EOI, 0, 4);
  EXPECT_FALSE(lapic.intr_pending());
  EXPECT_EQ(ioapic.redirection_entry(10) & IOREDTBL_REMOTE_IRR, 0u);
  EXPECT_EQ(counters.device("ioapic.pin10.deliveries"), 2u);
}

}  // namespace
}  // namespace vmlab
