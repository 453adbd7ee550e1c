// Local APIC (SDM Vol. 3, chapter 10) driven through its register page on a real Bus:
// reset values and reserved bits, PPR, the IRR -> ISR -> EOI flow with priorities and
// TPR, spurious vectors, ESR, and the disabled states. IPIs and the LINT pins are in
// test_local_apic_ipi.cpp, the timer in test_local_apic_timer.cpp.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/local_apic_fixture.h"

namespace vmlab::lapic_test {
namespace {

TEST_F(LocalApicTest, RegistersAfterReset) {
  EXPECT_EQ(read(LAPIC_APICID), u32(kId) << 24);
  EXPECT_EQ(read(LAPIC_VERSION), 0x00050014u);  // max LVT entry 5, version 0x14
  EXPECT_EQ(read(LAPIC_TPR), 0u);
  EXPECT_EQ(read(LAPIC_PPR), 0u);
  EXPECT_EQ(read(LAPIC_LDR), 0u);
  EXPECT_EQ(read(LAPIC_DFR), 0xFFFFFFFFu);
  EXPECT_EQ(read(LAPIC_SVR), 0xFFu);
  for (u32 offset = LAPIC_LVT_TIMER; offset <= LAPIC_LVT_ERROR; offset += 0x10)
    EXPECT_EQ(read(offset), LVT_MASK) << std::hex << offset;
  for (u32 k = 0; k < 8; ++k) {
    EXPECT_EQ(read(LAPIC_ISR0 + 0x10 * k), 0u);
    EXPECT_EQ(read(LAPIC_TMR0 + 0x10 * k), 0u);
    EXPECT_EQ(read(LAPIC_IRR0 + 0x10 * k), 0u);
  }
  EXPECT_EQ(read(LAPIC_ESR), 0u);
  EXPECT_EQ(read(LAPIC_ICR_LOW), 0u);
  EXPECT_EQ(read(LAPIC_INIT_COUNT), 0u);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 0u);
  EXPECT_EQ(read(LAPIC_DIV_CONF), 0u);
  EXPECT_TRUE(apic.enabled());
  EXPECT_FALSE(apic.software_enabled());
}

TEST_F(LocalApicTest, ReservedBitsReadAsZeroAndDfrLowBitsAsOne) {
  enable();
  write(LAPIC_APICID, 0xFFFFFFFF);
  write(LAPIC_TPR, 0xFFFFFFFF);
  write(LAPIC_LDR, 0xFFFFFFFF);
  write(LAPIC_DFR, 0);
  write(LAPIC_ICR_HIGH, 0xFFFFFFFF);
  write(LAPIC_DIV_CONF, 0xFFFFFFFF);
  EXPECT_EQ(read(LAPIC_APICID), 0xFF000000u);
  EXPECT_EQ(read(LAPIC_TPR), 0xFFu);
  EXPECT_EQ(read(LAPIC_LDR), 0xFF000000u);
  EXPECT_EQ(read(LAPIC_DFR), 0x0FFFFFFFu);
  EXPECT_EQ(read(LAPIC_ICR_HIGH), 0xFF000000u);
  EXPECT_EQ(read(LAPIC_DIV_CONF), 0xBu);
  const u32 lvt_expected[kLvtEntries] = {0x300FF, 0x107FF, 0x107FF, 0x1A7FF, 0x127FF, 0x100FF};
  for (unsigned i = 0; i < kLvtEntries; ++i) {
    write(LAPIC_LVT_TIMER + 0x10 * i, 0xFFFFFFFF);
    EXPECT_EQ(read(LAPIC_LVT_TIMER + 0x10 * i), lvt_expected[i]) << "LVT entry " << i;
  }
  // The ICR low word goes out as an IPI (reserved mode 7, all-excluding-self: nowhere);
  // delivery status (bit 12) reads idle.
  write(LAPIC_ICR_LOW, 0xFFFFFFFF);
  EXPECT_EQ(read(LAPIC_ICR_LOW), 0x000CCFFFu);
  write(LAPIC_SVR, 0xFFFFFFFF);
  EXPECT_EQ(read(LAPIC_SVR), 0x3FFu);
  EXPECT_EQ(latch_esr(), 0u);  // none of this was an error
}

TEST_F(LocalApicTest, WritesToReadOnlyRegistersAreIgnoredWithoutError) {
  enable();
  apic.accept(0x40, false);
  for (u32 offset : {LAPIC_VERSION, LAPIC_APR, LAPIC_PPR, LAPIC_RRD, LAPIC_ISR0 + 0x20,
                     LAPIC_IRR0 + 0x20, LAPIC_TMR0 + 0x20, LAPIC_CUR_COUNT})
    write(offset, 0xFFFFFFFF);
  EXPECT_EQ(read(LAPIC_VERSION), 0x00050014u);
  EXPECT_EQ(read(LAPIC_PPR), 0u);
  EXPECT_EQ(read(LAPIC_IRR0 + 0x20), 1u);  // vector 0x40 is bit 0 of IRR2
  EXPECT_EQ(read(LAPIC_ISR0 + 0x20), 0u);
  EXPECT_EQ(read(LAPIC_TMR0 + 0x20), 0u);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 0u);
  EXPECT_EQ(latch_esr(), 0u);
}

TEST_F(LocalApicTest, ReservedOffsetSetsIllegalRegisterAddressAfterEsrWrite) {
  enable();
  write(LAPIC_LVT_ERROR, 0xFE);  // unmasked error interrupt, vector 0xFE
  EXPECT_EQ(read(0x040), 0u);
  EXPECT_EQ(read(LAPIC_ESR), 0u);  // not latched yet
  EXPECT_TRUE(apic.irr().test(0xFE));
  EXPECT_EQ(latch_esr(), ESR_ILLEGAL_REGISTER_ADDRESS);
  EXPECT_EQ(latch_esr(), 0u);  // the write cleared it
  write(0x2F0, 1);             // LVT CMCI: reserved with max LVT entry 5
  write(0x800, 1);             // beyond the register file
  EXPECT_EQ(latch_esr(), ESR_ILLEGAL_REGISTER_ADDRESS);
}

TEST_F(LocalApicTest, AccessesOtherThanAlignedDwordsReadZeroAndAreCounted) {
  enable();
  write(LAPIC_TPR, 0x20);
  EXPECT_EQ(bus.mmio_read(LocalApic::kBase + LAPIC_TPR, 1), 0u);
  EXPECT_EQ(bus.mmio_read(LocalApic::kBase + LAPIC_TPR, 2), 0u);
  bus.mmio_write(LocalApic::kBase + LAPIC_TPR, 0x70, 1);
  bus.mmio_write(LocalApic::kBase + LAPIC_TPR + 4, 0x70, 4);  // inside the slot, unaligned
  EXPECT_EQ(bus.mmio_read(LocalApic::kBase + LAPIC_TPR + 8, 4), 0u);
  EXPECT_EQ(read(LAPIC_TPR), 0x20u);
  EXPECT_EQ(counter("lapic.bad_accesses"), 5u);
  EXPECT_EQ(latch_esr(), 0u);
}

TEST_F(LocalApicTest, PprIsTprUnlessTheVectorInServiceHasAHigherClass) {
  enable();
  write(LAPIC_TPR, 0x35);
  EXPECT_EQ(read(LAPIC_PPR), 0x35u);
  apic.accept(0x51, false);
  ASSERT_EQ(take(), 0x51);
  EXPECT_EQ(read(LAPIC_PPR), 0x50u);  // ISRV class wins, sub-class 0
  write(LAPIC_TPR, 0x5A);
  EXPECT_EQ(read(LAPIC_PPR), 0x5Au);  // equal classes: TPR
  write(LAPIC_TPR, 0x62);
  EXPECT_EQ(read(LAPIC_PPR), 0x62u);
  write(LAPIC_TPR, 0);
  eoi();
  EXPECT_EQ(read(LAPIC_PPR), 0u);
}

TEST_F(LocalApicTest, HighestClassFirstAndSameClassWaitsForEoi) {
  enable();
  for (u8 v : {0x41, 0x61, 0x45}) apic.accept(v, false);
  EXPECT_EQ(read(LAPIC_IRR0 + 0x20), (1u << 1) | (1u << 5));  // 0x41, 0x45
  EXPECT_EQ(read(LAPIC_IRR0 + 0x30), 1u << 1);                // 0x61
  ASSERT_TRUE(apic.intr_pending());
  EXPECT_EQ(take(), 0x61);
  EXPECT_EQ(read(LAPIC_ISR0 + 0x30), 1u << 1);
  EXPECT_FALSE(apic.intr_pending());  // class 4 < class 6 in service
  eoi();
  ASSERT_TRUE(apic.intr_pending());
  EXPECT_EQ(take(), 0x45);
  EXPECT_FALSE(apic.intr_pending());  // 0x41 has the class of 0x45: not higher
  eoi();
  EXPECT_EQ(take(), 0x41);
  eoi();
  EXPECT_FALSE(apic.intr_pending());
  EXPECT_EQ(read(LAPIC_ISR0 + 0x20), 0u);
  EXPECT_TRUE(eois.empty());  // all edge-triggered: no EOI broadcast
}

TEST_F(LocalApicTest, HigherClassNestsAndEoiRetiresTheHighestInService) {
  enable();
  apic.accept(0x40, false);
  EXPECT_EQ(take(), 0x40);
  apic.accept(0x80, false);
  ASSERT_TRUE(apic.intr_pending());
  EXPECT_EQ(take(), 0x80);
  EXPECT_EQ(read(LAPIC_PPR), 0x80u);
  eoi();  // retires 0x80, 0x40 stays in service
  EXPECT_FALSE(apic.isr().test(0x80));
  EXPECT_TRUE(apic.isr().test(0x40));
  EXPECT_EQ(read(LAPIC_PPR), 0x40u);
}

TEST_F(LocalApicTest, TprBlocksClassesAtOrBelowIt) {
  enable();
  write(LAPIC_TPR, 0x50);
  apic.accept(0x5F, false);
  EXPECT_FALSE(apic.intr_pending());
  apic.accept(0x60, false);
  EXPECT_TRUE(apic.intr_pending());
  EXPECT_EQ(take(), 0x60);
  eoi();
  EXPECT_FALSE(apic.intr_pending());
  int before = intr_changes;
  write(LAPIC_TPR, 0x40);
  EXPECT_GT(intr_changes, before);  // lowering TPR may unblock: the CPU is told
  EXPECT_TRUE(apic.intr_pending());
  EXPECT_EQ(take(), 0x5F);
}

TEST_F(LocalApicTest, LateAcknowledgeGetsTheSpuriousVector) {
  enable(0xEF);
  apic.accept(0x40, false);
  ASSERT_TRUE(apic.intr_pending());
  write(LAPIC_TPR, 0xF0);  // raised before the CPU got to INTA
  EXPECT_EQ(take(), 0xEF);
  EXPECT_TRUE(apic.irr().test(0x40));  // still waiting
  EXPECT_EQ(apic.isr().highest(), 0);  // nothing in service: no EOI due
  EXPECT_EQ(counter("lapic.spurious"), 1u);
  write(LAPIC_TPR, 0);
  EXPECT_EQ(take(), 0x40);
  EXPECT_EQ(take(), 0xEF);  // and nothing at all pending
  EXPECT_EQ(counter("lapic.spurious"), 2u);
}

TEST_F(LocalApicTest, EoiOfLevelTriggeredVectorIsBroadcast) {
  enable();
  apic.accept(0x70, true);
  apic.accept(0x30, false);
  EXPECT_EQ(read(LAPIC_TMR0 + 0x30), 1u << 16);  // 0x70
  EXPECT_EQ(take(), 0x70);
  eoi();
  EXPECT_EQ(take(), 0x30);
  eoi();
  EXPECT_EQ(eois, std::vector<u8>{0x70});
  eoi();  // nothing in service: ignored
  EXPECT_EQ(eois.size(), 1u);
}

TEST_F(LocalApicTest, IllegalVectorIsRefusedAndRecorded) {
  enable();
  EXPECT_FALSE(apic.accept(15, false));
  EXPECT_FALSE(apic.intr_pending());
  EXPECT_EQ(apic.irr().highest(), 0);
  EXPECT_EQ(latch_esr(), ESR_RECEIVE_ILLEGAL_VECTOR);
}

TEST_F(LocalApicTest, BadErrorVectorIsRecordedButDoesNotLoop) {
  enable();
  write(LAPIC_LVT_ERROR, 0x02);  // the error interrupt itself is illegal
  read(0x050);
  EXPECT_EQ(latch_esr(), ESR_ILLEGAL_REGISTER_ADDRESS | ESR_RECEIVE_ILLEGAL_VECTOR);
  EXPECT_EQ(apic.irr().highest(), 0);
}

TEST_F(LocalApicTest, SoftwareDisableMasksLvtsAndStopsDelivery) {
  enable();
  write(LAPIC_LVT_LINT0, 0x30);
  apic.accept(0x40, false);
  write(LAPIC_SVR, 0xFF);  // bit 8 clear
  EXPECT_EQ(read(LAPIC_LVT_LINT0), LVT_MASK | 0x30);
  write(LAPIC_LVT_LINT0, 0x31);  // the mask cannot be cleared now
  EXPECT_EQ(read(LAPIC_LVT_LINT0), LVT_MASK | 0x31);
  EXPECT_FALSE(apic.intr_pending());  // held in the IRR, not signalled
  EXPECT_EQ(read(LAPIC_IRR0 + 0x20), 1u);
  EXPECT_FALSE(apic.accept(0x50, false));
  EXPECT_EQ(counter("lapic.dropped_while_disabled"), 1u);
  EXPECT_EQ(take(), 0xFF);
  enable();
  EXPECT_EQ(read(LAPIC_LVT_LINT0), LVT_MASK | 0x31);  // software unmasks
  EXPECT_TRUE(apic.intr_pending());
  EXPECT_EQ(take(), 0x40);
}

TEST_F(LocalApicTest, GlobalDisableHidesThePageAndResetsTheApic) {
  enable();
  write(LAPIC_TPR, 0x40);
  apic.accept(0x80, false);
  apic.set_enabled(false);
  EXPECT_EQ(read(LAPIC_TPR), 0xFFFFFFFFu);  // open bus
  write(LAPIC_SVR, 0x1FF);
  EXPECT_FALSE(apic.software_enabled());
  EXPECT_FALSE(apic.intr_pending());
  apic.set_lint0(true);  // pass-through
  EXPECT_TRUE(apic.extint_pending());
  apic.set_lint0(false);
  apic.set_enabled(true);
  EXPECT_EQ(read(LAPIC_TPR), 0u);
  EXPECT_EQ(read(LAPIC_SVR), 0xFFu);
  EXPECT_EQ(apic.irr().highest(), 0);
}

TEST_F(LocalApicTest, ResetRestoresPowerOnState) {
  enable();
  write(LAPIC_APICID, 0x07000000);
  write(LAPIC_LVT_TIMER, 0x40);
  write(LAPIC_INIT_COUNT, 1000);
  apic.accept(0x50, true);
  take();
  apic.reset();
  EXPECT_EQ(read(LAPIC_APICID), u32(kId) << 24);
  EXPECT_EQ(read(LAPIC_LVT_TIMER), LVT_MASK);
  EXPECT_EQ(read(LAPIC_CUR_COUNT), 0u);
  EXPECT_TRUE(timers.empty());
  EXPECT_EQ(apic.isr().highest(), 0);
  EXPECT_EQ(apic.tmr().highest(), 0);
  EXPECT_FALSE(apic.software_enabled());
}

TEST_F(LocalApicTest, AcceptTellsTheCpu) {
  enable();
  int before = intr_changes;
  apic.accept(0x90, false);
  EXPECT_GT(intr_changes, before);
  EXPECT_TRUE(apic.intr_pending());
}

}  // namespace
}  // namespace vmlab::lapic_test
