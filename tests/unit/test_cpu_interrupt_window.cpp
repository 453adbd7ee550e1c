// The interrupt shadow (SDM Vol. 3, 6.8.3; Vol. 2, STI): after STI sets IF, an interrupt
// already pending is recognised after exactly one more instruction, not before and not
// later. `sti; nop; cli` is the classic window that lets a pending interrupt in.
#include <gtest/gtest.h>

#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

constexpr u8 kVector = 0x40;

StopReason run_with_pending(CpuTestMachine& m, OnePendingInterrupt& pic, std::initializer_list<u8> code) {
  m.cpu.set_interrupt_controller(&pic);
  m.load(kKernelCode, code);
  m.start(kKernelCode, kKernelStackTop, EFLAGS_FIXED1);  // IF = 0: the interrupt waits
  StopReason r = m.run();
  m.cpu.set_interrupt_controller(nullptr);
  return r;
}

TEST(CpuInterruptWindow, StiNopCliTakesThePendingInterruptAfterTheNop) {
  CpuTestMachine m;
  OnePendingInterrupt pic(kVector);
  ASSERT_EQ(run_with_pending(m, pic, {0xFB, 0x90, 0xFA, 0xF4}), StopReason::Halted);  // sti nop cli hlt
  EXPECT_EQ(m.delivery().vector, kVector);
  EXPECT_EQ(m.delivery().eip, kKernelCode + 2) << "delivered after the NOP, before the CLI";
}

TEST(CpuInterruptWindow, StiCliLeavesNoWindow) {
  CpuTestMachine m;
  OnePendingInterrupt pic(kVector);
  ASSERT_EQ(run_with_pending(m, pic, {0xFB, 0xFA, 0xF4}), StopReason::Halted);  // sti cli hlt
  EXPECT_EQ(m.delivery().vector, -1) << "the CLI in the shadow closes the window";
  EXPECT_EQ(m.cpu.eip(), kKernelCode + 3);
}

TEST(CpuInterruptWindow, StiHltWakesOnThePendingInterrupt) {
  CpuTestMachine m;
  OnePendingInterrupt pic(kVector);
  ASSERT_EQ(run_with_pending(m, pic, {0xFB, 0xF4, 0xF4}), StopReason::Halted);  // sti hlt hlt
  EXPECT_EQ(m.delivery().vector, kVector);
  EXPECT_EQ(m.delivery().eip, kKernelCode + 2) << "the HLT in the shadow runs, then the interrupt";
}

TEST(CpuInterruptWindow, TheWindowOpensInsideALongBlockToo) {
  // Cached blocks run many instructions per boundary: the shadow must still end after one.
  CpuTestMachine m;
  OnePendingInterrupt pic(kVector);
  ASSERT_EQ(run_with_pending(m, pic, {0xFB, 0x90, 0x90, 0x90, 0x90, 0x90, 0xFA, 0xF4}), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kVector);
  EXPECT_EQ(m.delivery().eip, kKernelCode + 2);
}

}  // namespace
}  // namespace vmlab::test
