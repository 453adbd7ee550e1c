// 8259A pair: ICW sequence, OCW1-3, priority (fixed, rotated, nested, special modes),
// edge and level triggering (ELCR), the cascade, spurious IRQ7/IRQ15, counters, and
// accesses a guest may make at any size and moment. Expectations are the datasheet's.
#include "devices/pic8259.h"

#include <gtest/gtest.h>

#include <array>

#include "core/bus.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/virtual_clock.h"

namespace vmlab {
namespace {

class PicTest : public ::testing::Test {
 protected:
  PicTest() {
    pic.attach(bus);
    pic.set_intr_changed([this] { ++intr_rises; });
  }

  void out(u16 port, u8 value) { bus.port_write(port, value, 1); }
  u8 in(u16 port) { return u8(bus.port_read(port, 1)); }
  // The standard PC/AT sequence with vectors 0x20 and 0x28 and the slave on IR2.
  void init_pc(u8 master_icw4 = 0x01, u8 slave_icw4 = 0x01) {
    out(0x20, 0x11), out(0x21, 0x20), out(0x21, 0x04), out(0x21, master_icw4);
    out(0xA0, 0x11), out(0xA1, 0x28), out(0xA1, 0x02), out(0xA1, slave_icw4);
  }
  u8 irr(u16 base) { return out(base, 0x0A), in(base); }  // OCW3 RR=1 RIS=0
  u8 isr(u16 base) { return out(base, 0x0B), in(base); }  // OCW3 RR=1 RIS=1
  void eoi(u16 base) { out(base, 0x20); }                 // OCW2 non-specific EOI
  void edge(unsigned line) { pic.set_irq(line, true), pic.set_irq(line, false); }
  u8 ack() { return pic.intr_acknowledge(); }
  u64 counter(const char* name) { return counters.device(name); }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  PicPair pic{counters};
  int intr_rises = 0;
};

TEST_F(PicTest, ResetStateMasksEverythingUntilInitialized) {
  EXPECT_EQ(in(0x21), 0xFF);
  EXPECT_EQ(in(0xA1), 0xFF);
  EXPECT_EQ(in(0x20), 0x00);  // IRR selected
  EXPECT_EQ(in(0x4D0), 0x00);
  EXPECT_EQ(in(0x4D1), 0x00);
  EXPECT_EQ(pic.master().lowest_priority(), 7);
  edge(1);
  EXPECT_EQ(irr(0x20), 0x02);  // latched, but masked
  EXPECT_FALSE(pic.intr_pending());
  init_pc();
  out(0x4D0, 0x20);
  edge(3);
  ack();
  pic.reset();
  EXPECT_EQ(pic.master().isr(), 0);
  EXPECT_EQ(pic.master().irr(), 0);
  EXPECT_EQ(pic.master().imr(), 0xFF);
  EXPECT_EQ(pic.master().vector_base(), 0);
  EXPECT_EQ(in(0x4D0), 0x00);
  EXPECT_FALSE(pic.intr_pending());
}

TEST_F(PicTest, StandardInitializationSequence) {
  init_pc();
  EXPECT_FALSE(pic.master().initializing());
  EXPECT_EQ(pic.master().vector_base(), 0x20);
  EXPECT_EQ(pic.slave().vector_base(), 0x28);
  EXPECT_EQ(pic.master().icw3(), 0x04);
  EXPECT_EQ(pic.slave().icw3(), 0x02);
  EXPECT_EQ(pic.master().icw4(), 0x01);
  EXPECT_EQ(in(0x21), 0x00);  // ICW1 cleared IMR
  out(0x21, 0xFB);            // initialization is over: this is OCW1
  EXPECT_EQ(in(0x21), 0xFB);
  EXPECT_EQ(pic.master().vector_base(), 0x20);
}

TEST_F(PicTest, Irq1EdgeGivesVector0x21AndEoiClearsIsr) {
  init_pc();
  edge(1);
  EXPECT_TRUE(pic.intr_pending());
  EXPECT_EQ(intr_rises, 1);
  EXPECT_EQ(ack(), 0x21);
  EXPECT_EQ(isr(0x20), 0x02);
  EXPECT_EQ(irr(0x20), 0x00);
  EXPECT_FALSE(pic.intr_pending());
  eoi(0x20);
  EXPECT_EQ(isr(0x20), 0x00);
  EXPECT_EQ(counter("pic.acks"), 1u);
  EXPECT_EQ(counter("pic.irq1.requests"), 1u);
  EXPECT_EQ(counter("pic.spurious"), 0u);
}

TEST_F(PicTest, MaskedRequestStaysInIrrAndFiresWhenUnmasked) {
  init_pc();
  out(0x21, 0x02);
  edge(1);
  EXPECT_FALSE(pic.intr_pending());
  EXPECT_EQ(intr_rises, 0);
  EXPECT_EQ(irr(0x20), 0x02);
  out(0x21, 0x00);
  EXPECT_TRUE(pic.intr_pending());
  EXPECT_EQ(intr_rises, 1);
  EXPECT_EQ(ack(), 0x21);
}

TEST_F(PicTest, FixedPriorityIrq0BeforeIrq1) {
  init_pc();
  edge(1), edge(0);
  EXPECT_EQ(ack(), 0x20);
  eoi(0x20);
  EXPECT_EQ(ack(), 0x21);
}

TEST_F(PicTest, SlaveIrq8RanksBetweenIrq1AndIrq3ThroughTheCascade) {
  init_pc();
  edge(3), edge(8), edge(1);
  EXPECT_EQ(ack(), 0x21);
  eoi(0x20);
  EXPECT_EQ(ack(), 0x28);
  EXPECT_EQ(isr(0x20), 0x04);
  EXPECT_EQ(isr(0xA0), 0x01);
  EXPECT_FALSE(pic.intr_pending());  // IRQ3 waits for the cascade level
  eoi(0xA0), eoi(0x20);
  EXPECT_EQ(ack(), 0x23);
  EXPECT_EQ(counter("pic.irq2.requests"), 1u);
  EXPECT_EQ(counter("pic.irq8.requests"), 1u);
}

TEST_F(PicTest, HigherPriorityNestsLowerWaitsForEoi) {
  init_pc();
  edge(3);
  EXPECT_EQ(ack(), 0x23);
  edge(3), edge(4);
  EXPECT_FALSE(pic.intr_pending());  // same and lower level blocked
  edge(1);
  EXPECT_TRUE(pic.intr_pending());
  EXPECT_EQ(ack(), 0x21);
  EXPECT_EQ(isr(0x20), 0x0A);
  eoi(0x20);  // clears IR1, the highest in service
  EXPECT_EQ(isr(0x20), 0x08);
  EXPECT_FALSE(pic.intr_pending());
  eoi(0x20);
  EXPECT_EQ(ack(), 0x23);
  eoi(0x20);
  EXPECT_EQ(ack(), 0x24);
}

TEST_F(PicTest, SpecificEoiClearsTheNamedLevel) {
  init_pc();
  edge(3), ack(), edge(1), ack();
  out(0x20, 0x63);  // specific EOI, level 3
  EXPECT_EQ(isr(0x20), 0x02);
  out(0x20, 0x65);  // level 5 is not in service: nothing happens
  EXPECT_EQ(isr(0x20), 0x02);
  out(0x20, 0x61);
  EXPECT_EQ(isr(0x20), 0x00);
}

TEST_F(PicTest, AutoEoiLeavesIsrClear) {
  init_pc(0x03, 0x03);
  edge(4), edge(5);
  EXPECT_EQ(ack(), 0x24);
  EXPECT_EQ(isr(0x20), 0x00);
  EXPECT_TRUE(pic.intr_pending());  // nothing in service blocks IR5
  EXPECT_EQ(ack(), 0x25);
  edge(9), edge(10);
  EXPECT_EQ(ack(), 0x29);
  EXPECT_EQ(isr(0x20), 0x00);
  EXPECT_EQ(isr(0xA0), 0x00);
  EXPECT_TRUE(pic.intr_pending());  // the slave's INT rose again: a new IR2 edge
  EXPECT_EQ(ack(), 0x2A);
}

TEST_F(PicTest, SlaveAutoEoiWaitsForMasterEoi) {
  init_pc(0x01, 0x03);
  edge(9), edge(10);
  EXPECT_EQ(ack(), 0x29);
  EXPECT_EQ(isr(0x20), 0x04);
  EXPECT_FALSE(pic.intr_pending());
  eoi(0x20);
  EXPECT_EQ(ack(), 0x2A);
}

TEST_F(PicTest, RotateInAutoEoiMode) {
  init_pc(0x03);
  out(0x20, 0x80);
  EXPECT_TRUE(pic.master().rotate_in_auto_eoi());
  edge(1);
  EXPECT_EQ(ack(), 0x21);
  EXPECT_EQ(pic.master().lowest_priority(), 1);
  edge(0), edge(3);
  EXPECT_EQ(ack(), 0x23);  // order is now 2 3 4 5 6 7 0 1
  EXPECT_EQ(ack(), 0x20);
  out(0x20, 0x00);
  EXPECT_FALSE(pic.master().rotate_in_auto_eoi());
}

TEST_F(PicTest, RotateOnNonSpecificEoi) {
  init_pc();
  edge(0);
  EXPECT_EQ(ack(), 0x20);
  out(0x20, 0xA0);
  EXPECT_EQ(isr(0x20), 0x00);
  EXPECT_EQ(pic.master().lowest_priority(), 0);
  edge(0), edge(1);
  EXPECT_EQ(ack(), 0x21);
}

TEST_F(PicTest, SetPriorityAndRotateOnSpecificEoi) {
  init_pc();
  out(0x20, 0xC4);  // IR4 lowest, IR5 highest
  edge(3), edge(6);
  EXPECT_EQ(ack(), 0x26);
  EXPECT_FALSE(pic.intr_pending());  // IR3 now ranks below IR6
  out(0x20, 0xE6);                   // rotate on specific EOI, level 6
  EXPECT_EQ(pic.master().lowest_priority(), 6);
  EXPECT_EQ(isr(0x20), 0x00);
  EXPECT_EQ(ack(), 0x23);
}

TEST_F(PicTest, Ocw3SelectsIrrOrIsrUntilChanged) {
  init_pc();
  edge(1), edge(3);
  EXPECT_EQ(ack(), 0x21);
  EXPECT_EQ(irr(0x20), 0x08);
  EXPECT_EQ(in(0x20), 0x08);  // the selection persists
  EXPECT_EQ(isr(0x20), 0x02);
  out(0x20, 0x08);  // OCW3 with RR=0: no change
  EXPECT_EQ(in(0x20), 0x02);
  out(0x21, 0x5A);
  EXPECT_EQ(in(0x21), 0x5A);  // A0=1 reads IMR whatever OCW3 selected
  edge(12);
  EXPECT_EQ(irr(0xA0), 0x10);
  EXPECT_EQ(isr(0xA0), 0x00);
}

TEST_F(PicTest, PollCommandAcknowledgesHighestRequest) {
  init_pc();
  edge(3), edge(1);
  out(0x20, 0x0C);
  EXPECT_EQ(in(0x20), 0x81);
  EXPECT_EQ(isr(0x20), 0x02);
  EXPECT_EQ(irr(0x20), 0x08);
  out(0x20, 0x0C);
  EXPECT_EQ(in(0x21), 0x00);  // IR3 is blocked by IR1 in service: no interrupt
  EXPECT_EQ(in(0x20), 0x08);  // the poll is over: IRR again
  eoi(0x20);
  out(0x20, 0x0C);
  EXPECT_EQ(in(0x21), 0x83);
  eoi(0x20);
  edge(10);
  out(0x20, 0x0C);
  EXPECT_EQ(in(0x20), 0x82);  // the master reports the cascade level only
  out(0xA0, 0x0C);
  EXPECT_EQ(in(0xA0), 0x82);
  EXPECT_EQ(isr(0xA0), 0x04);
  EXPECT_EQ(isr(0x20), 0x04);
}

TEST_F(PicTest, LevelTriggeredViaElcrFollowsTheLine) {
  init_pc();
  out(0x4D0, 0x20);  // IRQ5 level-triggered
  pic.set_irq(5, true);
  EXPECT_TRUE(pic.intr_pending());
  pic.set_irq(5, false);
  EXPECT_FALSE(pic.intr_pending());  // withdrawn before INTA
  EXPECT_EQ(irr(0x20), 0x00);
  pic.set_irq(5, true);
  EXPECT_EQ(ack(), 0x25);
  EXPECT_EQ(irr(0x20), 0x20);  // IRR shows the line, still high
  EXPECT_FALSE(pic.intr_pending());
  eoi(0x20);
  EXPECT_TRUE(pic.intr_pending());  // still high after EOI: requested again
  EXPECT_EQ(ack(), 0x25);
  pic.set_irq(5, false);
  eoi(0x20);
  EXPECT_FALSE(pic.intr_pending());
  EXPECT_EQ(counter("pic.irq5.requests"), 2u);
}

TEST_F(PicTest, LevelTriggeredViaIcw1Ltim) {
  out(0x20, 0x19), out(0x21, 0x20), out(0x21, 0x04), out(0x21, 0x01);
  pic.set_irq(1, true);
  EXPECT_TRUE(pic.intr_pending());
  pic.set_irq(1, false);
  EXPECT_FALSE(pic.intr_pending());
  out(0x20, 0x11), out(0x21, 0x20), out(0x21, 0x04), out(0x21, 0x01);
  pic.set_irq(1, true), pic.set_irq(1, false);
  EXPECT_TRUE(pic.intr_pending());  // edge-triggered again: the edge is latched
}

TEST_F(PicTest, SpuriousIrq7WhenTheRequestIsGoneAtInta) {
  init_pc();
  out(0x4D0, 0x20);
  pic.set_irq(5, true);
  EXPECT_TRUE(pic.intr_pending());
  pic.set_irq(5, false);  // after the CPU saw INTR, before INTA
  EXPECT_EQ(ack(), 0x27);
  EXPECT_EQ(isr(0x20), 0x00);
  edge(1);
  out(0x21, 0x02);  // masked between INTR and INTA
  EXPECT_EQ(ack(), 0x27);
  EXPECT_EQ(isr(0x20), 0x00);
  EXPECT_EQ(irr(0x20), 0x02);
  EXPECT_EQ(counter("pic.spurious"), 2u);
}

TEST_F(PicTest, SpuriousIrq15LeavesMasterIsr2Set) {
  init_pc();
  out(0x4D1, 0x04);  // IRQ10 level-triggered
  pic.set_irq(10, true);
  pic.set_irq(10, false);
  EXPECT_TRUE(pic.intr_pending());  // master IR2 latched the slave's INT edge
  EXPECT_EQ(ack(), 0x2F);
  EXPECT_EQ(isr(0xA0), 0x00);
  EXPECT_EQ(isr(0x20), 0x04);
  EXPECT_EQ(counter("pic.spurious"), 1u);
  eoi(0x20);
  EXPECT_EQ(isr(0x20), 0x00);
  EXPECT_FALSE(pic.intr_pending());
}

TEST_F(PicTest, EdgeWhilePendingIsOneRequest) {
  init_pc();
  out(0x21, 0x02);
  edge(1), edge(1), edge(1);
  pic.set_irq(1, true), pic.set_irq(1, true);  // held high: no further edge
  EXPECT_EQ(counter("pic.irq1.requests"), 1u);
  out(0x21, 0x00);
  EXPECT_EQ(ack(), 0x21);
  eoi(0x20);
  EXPECT_FALSE(pic.intr_pending());
  pic.set_irq(1, false), pic.set_irq(1, true);
  EXPECT_EQ(counter("pic.irq1.requests"), 2u);
  EXPECT_EQ(intr_rises, 2);
}

TEST_F(PicTest, ElcrReservedBitsReadZero) {
  out(0x4D0, 0xFF), out(0x4D1, 0xFF);
  EXPECT_EQ(in(0x4D0), 0xF8);  // IRQ 0, 1, 2
  EXPECT_EQ(in(0x4D1), 0xDE);  // IRQ 8, 13
  EXPECT_EQ(bus.port_read(0x4D0, 2), 0xDEF8u);
  EXPECT_EQ(bus.port_read(0x4D1, 2), 0xFFDEu);  // 0x4D2 is not ours: open bus
  bus.port_write(0x4D0, 0x0400, 2);
  EXPECT_EQ(in(0x4D0), 0x00);
  EXPECT_EQ(in(0x4D1), 0x04);
}

TEST_F(PicTest, Icw1ResetsWhatTheDatasheetLists) {
  init_pc();
  edge(3), ack();
  out(0x21, 0xFF);
  out(0x20, 0xC3);  // IR3 lowest
  out(0x20, 0x6B);  // special mask mode, read ISR
  pic.set_irq(1, true);
  out(0x20, 0x11);
  EXPECT_TRUE(pic.master().initializing());
  EXPECT_EQ(in(0x21), 0x00);  // IMR cleared
  EXPECT_EQ(in(0x20), 0x00);  // status read is IRR, and the edge sense was reset
  EXPECT_EQ(pic.master().isr(), 0x08);  // ICW1 does not touch ISR
  EXPECT_EQ(pic.master().lowest_priority(), 7);
  EXPECT_FALSE(pic.master().special_mask_mode());
  out(0xA0, 0x11);
  EXPECT_EQ(pic.slave().icw3(), 0x07);  // slave address set to 7
  out(0x21, 0x20), out(0x21, 0x04), out(0x21, 0x01);
  EXPECT_FALSE(pic.intr_pending());  // IRQ1 stayed high: no new edge
  pic.set_irq(1, false), pic.set_irq(1, true);
  EXPECT_EQ(ack(), 0x21);
}

TEST_F(PicTest, SingleModeSkipsIcw3AndHasNoCascade) {
  out(0xA0, 0x11), out(0xA1, 0x28), out(0xA1, 0x02), out(0xA1, 0x01);
  out(0x20, 0x13), out(0x21, 0x40), out(0x21, 0x01);  // ICW1 SNGL IC4, ICW2, ICW4
  EXPECT_FALSE(pic.master().initializing());
  EXPECT_EQ(pic.master().icw4(), 0x01);
  out(0x21, 0xAB);
  EXPECT_EQ(in(0x21), 0xAB);
  out(0x21, 0x00);
  edge(8);
  EXPECT_EQ(ack(), 0x42);  // IR2 is an ordinary input: the master answers
  EXPECT_EQ(isr(0xA0), 0x00);
}

TEST_F(PicTest, WithoutIc4TheChipIsInMcs80Mode) {
  init_pc();
  out(0x20, 0xF6), out(0x21, 0x12);  // A7-A5 = 111, ADI (interval 4), SNGL; ICW2
  EXPECT_EQ(pic.master().icw4(), 0x00);
  EXPECT_FALSE(pic.master().initializing());
  edge(1);
  EXPECT_EQ(ack(), 0xE4);  // low CALL address byte: A7-A5 | IR << 2
  eoi(0x20);
  out(0x20, 0xD2), out(0x21, 0x12);  // A7-A6 = 11, interval 8
  edge(1);
  EXPECT_EQ(ack(), 0xC8);
}

TEST_F(PicTest, SlaveWithAnotherIdLeavesTheDataBusFloating) {
  out(0x20, 0x11), out(0x21, 0x20), out(0x21, 0x04), out(0x21, 0x01);
  out(0xA0, 0x11), out(0xA1, 0x28), out(0xA1, 0x03), out(0xA1, 0x01);
  edge(8);
  EXPECT_EQ(ack(), 0xFF);
  EXPECT_EQ(isr(0x20), 0x04);
  EXPECT_EQ(isr(0xA0), 0x00);
  EXPECT_EQ(irr(0xA0), 0x01);
}

TEST_F(PicTest, SpecialMaskModeEnablesLowerLevels) {
  init_pc();
  edge(3);
  EXPECT_EQ(ack(), 0x23);
  out(0x21, 0x08);
  edge(4);
  EXPECT_FALSE(pic.intr_pending());
  out(0x20, 0x68);  // ESMM SMM
  EXPECT_TRUE(pic.intr_pending());
  EXPECT_EQ(ack(), 0x24);
  EXPECT_EQ(isr(0x20), 0x18);
  eoi(0x20);  // skips IR3: masked in special mask mode
  EXPECT_EQ(isr(0x20), 0x08);
  eoi(0x20);
  EXPECT_EQ(isr(0x20), 0x08);
  out(0x20, 0x63);
  EXPECT_EQ(isr(0x20), 0x00);
  out(0x20, 0x48);  // ESMM without SMM: special mask mode off
  EXPECT_FALSE(pic.master().special_mask_mode());
}

TEST_F(PicTest, SpecialFullyNestedModeLetsTheSlaveNest) {
  init_pc();
  edge(10);
  EXPECT_EQ(ack(), 0x2A);
  edge(8);
  EXPECT_FALSE(pic.intr_pending());  // fully nested: IR2 in service blocks IR2
  eoi(0xA0), eoi(0x20);
  EXPECT_EQ(ack(), 0x28);
  eoi(0xA0), eoi(0x20);
  init_pc(0x11);
  edge(10);
  EXPECT_EQ(ack(), 0x2A);
  edge(8);
  EXPECT_TRUE(pic.intr_pending());
  EXPECT_EQ(ack(), 0x28);
  EXPECT_EQ(isr(0xA0), 0x05);
}

TEST_F(PicTest, OnlyLines0To15ReachThePairAndLine2IsTheCascade) {
  init_pc();
  pic.set_irq(2, true);
  pic.set_irq(16, true);
  pic.set_irq(0xFFFFFFFF, true);
  EXPECT_FALSE(pic.intr_pending());
  EXPECT_EQ(irr(0x20), 0x00);
  EXPECT_EQ(ack(), 0x27);  // an INTA with nothing pending is spurious
}

TEST_F(PicTest, WideAccessesAreSplitIntoByteCycles) {
  init_pc();
  out(0x21, 0x5A);
  EXPECT_EQ(bus.port_read(0x20, 2), 0x5A00u);  // IRR, IMR
  EXPECT_EQ(bus.port_read(0x20, 4), 0xFFFF5A00u);
  EXPECT_EQ(bus.port_read(0x21, 2), 0xFF5Au);
  bus.port_write(0xA0, 0x3011, 2);  // ICW1 then ICW2 in one access
  bus.port_write(0xA1, 0x0102, 2);  // ICW3; the 0x01 goes to port 0xA2, not ours
  EXPECT_EQ(pic.slave().vector_base(), 0x30);
  EXPECT_EQ(pic.slave().icw3(), 0x02);
  EXPECT_TRUE(pic.slave().initializing());  // still waiting for ICW4
  out(0xA1, 0x01);
  EXPECT_FALSE(pic.slave().initializing());
  bus.port_write(0x21, 0xFFFFFF00, 4);
  EXPECT_EQ(in(0x21), 0x00);
}

TEST_F(PicTest, OcwsDuringTheIcwSequenceDoNotDerailIt) {
  out(0x20, 0x11);
  out(0x20, 0x0B);  // OCW3 between ICW1 and ICW2
  out(0x20, 0x20);  // EOI with nothing in service
  out(0x21, 0x20), out(0x21, 0x04), out(0x21, 0x01);
  EXPECT_EQ(pic.master().vector_base(), 0x20);
  EXPECT_FALSE(pic.master().initializing());
  EXPECT_EQ(in(0x21), 0x00);
  edge(0), ack();
  EXPECT_EQ(in(0x20), 0x01);  // ISR read selected
}

// Any byte at any port and size, lines toggled and INTAs taken at random moments.
// Invariants: reserved ELCR bits stay 0, level inputs' IRR bits equal their lines, and
// in 8086 mode every vector comes from a programmed base or the floating bus.
TEST_F(PicTest, ArbitraryGuestTrafficKeepsInvariants) {
  const u16 ports[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1};
  const u8 sizes[] = {1, 2, 4};
  std::array<bool, 16> lines{};
  u32 seed = 12345;
  auto next = [&seed] { return seed = seed * 1103515245 + 12345, seed >> 8; };
  for (int step = 0; step < 50000; ++step) {
    const u32 r = next();
    if (r % 4 == 0) {
      const unsigned line = next() % 18;
      if (line < 16) lines[line] = !lines[line];
      pic.set_irq(line, line < 16 && lines[line]);
    } else if (r % 4 == 1 && pic.intr_pending()) {
      const u8 v = ack();
      const Pic8259& m = pic.master();
      const Pic8259& s = pic.slave();
      if ((m.icw4() & Pic8259::ICW4_uPM) && (s.icw4() & Pic8259::ICW4_uPM)) {
        const u8 base = v & 0xF8;
        EXPECT_TRUE(base == m.vector_base() || base == s.vector_base() || v == 0xFF) << step;
      }
    } else if (r % 4 == 2) {
      bus.port_read(ports[next() % 6], sizes[next() % 3]);
    } else {
      bus.port_write(ports[next() % 6], next(), sizes[next() % 3]);
    }
    ASSERT_EQ(pic.master().elcr() & 0x07, 0) << step;
    ASSERT_EQ(pic.slave().elcr() & 0x21, 0) << step;
    for (unsigned line = 0; line < 16; ++line) {
      const Pic8259& chip = line < 8 ? pic.master() : pic.slave();
      const u8 b = u8(1u << (line & 7));
      const bool level = (chip.icw1() & Pic8259::ICW1_LTIM) || (chip.elcr() & b);
      if (line == 2 || !level) continue;
      ASSERT_EQ(bool(chip.irr() & b), lines[line]) << "line " << line << " step " << step;
    }
  }
}

}  // namespace
}  // namespace vmlab
