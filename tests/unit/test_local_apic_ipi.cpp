// Local APIC: IPIs through the ICR (shorthands, physical and logical destinations,
// INIT/SIPI recording, illegal vectors), the LINT0/LINT1 pins in pass-through, ExtINT,
// edge and level modes, and ExtINT messages.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/local_apic_fixture.h"

namespace vmlab::lapic_test {
namespace {

TEST_F(LocalApicTest, SelfIpiThroughTheShorthand) {
  enable();
  write(LAPIC_ICR_LOW, (1u << ICR_SHORTHAND_SHIFT) | 0x55);
  EXPECT_TRUE(apic.irr().test(0x55));
  EXPECT_FALSE(apic.tmr().test(0x55));
  EXPECT_EQ(read(LAPIC_ICR_LOW) & ICR_DELIVERY_STATUS, 0u);
  EXPECT_EQ(take(), 0x55);
  EXPECT_EQ(apic.last_ipi().shorthand, IcrShorthand::Self);
  // Level trigger is overridden: the xAPIC sends IPIs edge-triggered.
  write(LAPIC_ICR_LOW, (2u << ICR_SHORTHAND_SHIFT) | ICR_TRIGGER_LEVEL | ICR_LEVEL_ASSERT | 0x66);
  EXPECT_TRUE(apic.irr().test(0x66));
  EXPECT_FALSE(apic.tmr().test(0x66));
  write(LAPIC_ICR_LOW, (3u << ICR_SHORTHAND_SHIFT) | 0x77);  // all excluding self
  EXPECT_FALSE(apic.irr().test(0x77));
  EXPECT_EQ(counter("lapic.ipi_no_target"), 1u);
  EXPECT_EQ(counter("lapic.ipis"), 3u);
}

TEST_F(LocalApicTest, IpiToOwnIdPhysicalOrLogical) {
  enable();
  write(LAPIC_ICR_HIGH, u32(kId) << 24);
  write(LAPIC_ICR_LOW, 0x41);
  EXPECT_TRUE(apic.irr().test(0x41));
  write(LAPIC_ICR_HIGH, u32(kId + 1) << 24);
  write(LAPIC_ICR_LOW, 0x42);
  EXPECT_FALSE(apic.irr().test(0x42));
  // Flat logical model: any common bit.
  write(LAPIC_LDR, 0x04000000);
  write(LAPIC_ICR_HIGH, 0x0C000000);
  write(LAPIC_ICR_LOW, ICR_DESTINATION_LOGICAL | 0x43);
  EXPECT_TRUE(apic.irr().test(0x43));
  write(LAPIC_ICR_HIGH, 0x03000000);
  write(LAPIC_ICR_LOW, ICR_DESTINATION_LOGICAL | 0x44);
  EXPECT_FALSE(apic.irr().test(0x44));
  // Cluster model: cluster 2, member bit 0.
  write(LAPIC_DFR, 0x0FFFFFFF);
  write(LAPIC_LDR, 0x21000000);
  write(LAPIC_ICR_HIGH, 0x23000000);
  write(LAPIC_ICR_LOW, ICR_DESTINATION_LOGICAL | 0x45);
  EXPECT_TRUE(apic.irr().test(0x45));
  write(LAPIC_ICR_HIGH, 0x13000000);
  write(LAPIC_ICR_LOW, ICR_DESTINATION_LOGICAL | 0x46);
  EXPECT_FALSE(apic.irr().test(0x46));
  EXPECT_EQ(counter("lapic.ipi_no_target"), 3u);
}

TEST_F(LocalApicTest, InitAndStartupAreRecordedAndReachNoOtherCpu) {
  enable();
  write(LAPIC_ICR_HIGH, 1u << 24);
  write(LAPIC_ICR_LOW, ICR_LEVEL_ASSERT | (5u << ICR_DELIVERY_MODE_SHIFT));
  EXPECT_EQ(apic.last_ipi().mode, DeliveryMode::Init);
  EXPECT_EQ(apic.last_ipi().destination, 1);
  write(LAPIC_ICR_LOW, ICR_LEVEL_ASSERT | (6u << ICR_DELIVERY_MODE_SHIFT) | 0x08);
  EXPECT_EQ(apic.last_ipi().mode, DeliveryMode::StartUp);
  EXPECT_EQ(apic.last_ipi().vector, 0x08);  // start page 0x8000; legal for SIPI
  EXPECT_EQ(counter("lapic.ipi_init"), 1u);
  EXPECT_EQ(counter("lapic.ipi_startup"), 1u);
  EXPECT_EQ(counter("lapic.ipi_no_target"), 2u);
  EXPECT_EQ(apic.irr().highest(), 0);
  EXPECT_EQ(latch_esr(), 0u);
}

TEST_F(LocalApicTest, NmiIpiAndInvalidShorthandCombinations) {
  enable();
  write(LAPIC_ICR_HIGH, u32(kId) << 24);
  write(LAPIC_ICR_LOW, 4u << ICR_DELIVERY_MODE_SHIFT);  // NMI to own ID
  EXPECT_EQ(nmis, 1);
  write(LAPIC_ICR_LOW, (1u << ICR_SHORTHAND_SHIFT) | (4u << ICR_DELIVERY_MODE_SHIFT));
  EXPECT_EQ(nmis, 1);  // NMI with the self shorthand is invalid (Table 10-3)
  EXPECT_EQ(counter("lapic.ipi_invalid"), 1u);
}

TEST_F(LocalApicTest, IpiWithIllegalVectorIsNotSent) {
  enable();
  write(LAPIC_ICR_LOW, (1u << ICR_SHORTHAND_SHIFT) | 0x0E);
  EXPECT_EQ(apic.irr().highest(), 0);
  EXPECT_EQ(latch_esr(), ESR_SEND_ILLEGAL_VECTOR);
}

TEST_F(LocalApicTest, Lint0PassesThroughWhileSoftwareDisabled) {
  ASSERT_FALSE(apic.software_enabled());  // the state after reset
  apic.set_lint0(true);
  EXPECT_TRUE(apic.intr_pending());
  EXPECT_TRUE(apic.extint_pending());
  EXPECT_GT(intr_changes, 0);
  apic.set_lint0(false);
  EXPECT_FALSE(apic.intr_pending());
  apic.set_lint1(true);  // LINT1 is the NMI pin
  apic.set_lint1(true);
  apic.set_lint1(false);
  EXPECT_EQ(nmis, 1);
}

TEST_F(LocalApicTest, Lint0InExtIntModeFollowsThePin) {
  enable();
  apic.set_lint0(true);
  EXPECT_FALSE(apic.intr_pending());  // LVT LINT0 still masked
  write(LAPIC_LVT_LINT0, 7u << LVT_DELIVERY_MODE_SHIFT);
  EXPECT_TRUE(apic.extint_pending());
  EXPECT_TRUE(apic.intr_pending());
  write(LAPIC_TPR, 0xF0);  // ExtINT ignores priorities
  EXPECT_TRUE(apic.intr_pending());
  apic.set_lint0(false);
  EXPECT_FALSE(apic.extint_pending());
  EXPECT_FALSE(apic.intr_pending());
}

TEST_F(LocalApicTest, ExtIntMessageWaitsForTheFabricsAcknowledge) {
  enable();
  apic.deliver(0, false, DeliveryMode::ExtInt);
  EXPECT_TRUE(apic.extint_pending());
  EXPECT_TRUE(apic.intr_pending());
  apic.extint_acknowledged();
  EXPECT_FALSE(apic.intr_pending());
}

TEST_F(LocalApicTest, Lint0FixedEdgeRespectsPolarity) {
  enable();
  write(LAPIC_LVT_LINT0, 0x30);
  apic.set_lint0(true);
  EXPECT_EQ(take(), 0x30);
  eoi();
  apic.set_lint0(true);  // still high: no new edge
  EXPECT_FALSE(apic.intr_pending());
  apic.set_lint0(false);
  write(LAPIC_LVT_LINT0, LVT_PIN_POLARITY | 0x31);  // active low
  apic.set_lint0(true);
  EXPECT_FALSE(apic.intr_pending());
  apic.set_lint0(false);  // the asserting edge
  EXPECT_EQ(take(), 0x31);
}

TEST_F(LocalApicTest, Lint0LevelFixedUsesRemoteIrrAndRedeliversAfterEoi) {
  enable();
  write(LAPIC_LVT_LINT0, LVT_TRIGGER_MODE | 0x32);
  apic.set_lint0(true);
  EXPECT_EQ(read(LAPIC_LVT_LINT0) & LVT_REMOTE_IRR, LVT_REMOTE_IRR);
  EXPECT_TRUE(apic.tmr().test(0x32));
  EXPECT_EQ(take(), 0x32);
  eoi();  // still asserted: accepted again at once
  EXPECT_EQ(eois, std::vector<u8>{0x32});
  EXPECT_TRUE(apic.irr().test(0x32));
  EXPECT_EQ(take(), 0x32);
  apic.set_lint0(false);
  eoi();
  EXPECT_EQ(read(LAPIC_LVT_LINT0) & LVT_REMOTE_IRR, 0u);
  EXPECT_FALSE(apic.intr_pending());
}

TEST_F(LocalApicTest, UnmaskingAnAssertedLevelLintDelivers) {
  enable();
  apic.set_lint0(true);
  write(LAPIC_LVT_LINT0, LVT_MASK | LVT_TRIGGER_MODE | 0x33);
  EXPECT_FALSE(apic.intr_pending());
  write(LAPIC_LVT_LINT0, LVT_TRIGGER_MODE | 0x33);
  EXPECT_EQ(take(), 0x33);
}

TEST_F(LocalApicTest, Lint1InNmiModeRaisesNmiOnTheEdge) {
  enable();
  write(LAPIC_LVT_LINT1, 4u << LVT_DELIVERY_MODE_SHIFT);
  apic.set_lint1(true);
  apic.set_lint1(false);
  EXPECT_EQ(nmis, 1);
  EXPECT_FALSE(apic.intr_pending());
}

}  // namespace
}  // namespace vmlab::lapic_test
