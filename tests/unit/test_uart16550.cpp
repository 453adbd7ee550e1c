// 16550A register file and interrupts: DLAB and the divisor latch, read-back, reset
// values, IIR priority and the clearing rule of each interrupt source, modem status
// (and its loopback mirror of MCR), OUT2 gating of the IRQ line, wide port accesses.
// Line timing, FIFOs and host input are in test_uart16550_line.cpp.
#include <memory>

#include "tests/unit/uart16550_fixture.h"

namespace vmlab::uart_test {
namespace {

TEST_F(UartTest, DlabSwitchesOffsetsZeroAndOneToTheDivisorLatch) {
  out(U::LCR, U::LCR_DLAB | 0x03);
  out(U::DLL, 0x34);
  out(U::DLM, 0x12);
  EXPECT_EQ(in(U::DLL), 0x34);
  EXPECT_EQ(in(U::DLM), 0x12);
  EXPECT_EQ(output, "");  // a DLL write is not a THR write

  out(U::LCR, 0x03);
  out(U::IER, U::IER_ERBFI);
  EXPECT_EQ(in(U::IER), U::IER_ERBFI);
  out(U::LCR, U::LCR_DLAB | 0x03);
  EXPECT_EQ(in(U::DLM), 0x12);  // the IER write did not touch DLM
  EXPECT_EQ(in(U::DLL), 0x34);
}

TEST_F(UartTest, RegistersReadBackWithUnimplementedBitsZero) {
  out(U::LCR, 0x1B);
  out(U::MCR, 0xFF);
  out(U::SCR, 0xA5);
  out(U::IER, 0xFF);
  EXPECT_EQ(in(U::LCR), 0x1B);
  EXPECT_EQ(in(U::MCR), 0x1F);  // MCR bits 7-5 do not exist on the 16550A
  EXPECT_EQ(in(U::SCR), 0xA5);
  EXPECT_EQ(in(U::IER), 0x0F);  // IER bits 7-4 are always 0
}

TEST_F(UartTest, ResetRestoresDatasheetValuesButKeepsDivisorAndScratch) {
  set_divisor(0x0180);
  out(U::SCR, 0x5A);
  out(U::IER, 0x0F);
  out(U::FCR, 0xC7);
  out(U::LCR, 0x1F);
  out(U::MCR, U::MCR_OUT2 | U::MCR_DTR);
  uart.receive('z');
  uart.reset();
  EXPECT_EQ(in(U::IER), 0x00);
  EXPECT_EQ(in(U::IIR), 0x01);  // no interrupt, FIFOs off
  EXPECT_EQ(in(U::LCR), 0x00);
  EXPECT_EQ(in(U::MCR), 0x00);
  EXPECT_EQ(in(U::LSR), U::LSR_THRE | U::LSR_TEMT);
  EXPECT_EQ(in(U::MSR), U::MSR_CTS | U::MSR_DSR | U::MSR_DCD);
  EXPECT_EQ(in(U::SCR), 0x5A);
  out(U::LCR, U::LCR_DLAB);
  EXPECT_EQ(in(U::DLL), 0x80);
  EXPECT_EQ(in(U::DLM), 0x01);
  EXPECT_FALSE(irq.level());
}

TEST_F(UartTest, ThreInterruptOnEnableIsAcknowledgedByReadingIir) {
  out(U::MCR, U::MCR_OUT2);
  EXPECT_EQ(in(U::IIR), 0x01);
  out(U::IER, U::IER_ETBEI);  // THR is empty: enabling ETBEI interrupts at once
  EXPECT_TRUE(irq.level());
  EXPECT_EQ(in(U::IIR), U::IIR_THRE);
  EXPECT_FALSE(irq.level());
  EXPECT_EQ(in(U::IIR), U::IIR_NO_INT);
  out(U::IER, U::IER_ETBEI);  // still enabled: no new edge, no new interrupt
  EXPECT_EQ(in(U::IIR), U::IIR_NO_INT);
  out(U::IER, 0);
  out(U::IER, U::IER_ETBEI);  // disable then enable re-raises it (drivers rely on it)
  EXPECT_EQ(in(U::IIR), U::IIR_THRE);
}

TEST_F(UartTest, ThreInterruptIsClearedByThrWriteAndReturnsWhenFifoEmpties) {
  setup_fifo(0);
  out(U::IER, U::IER_ETBEI);
  EXPECT_EQ(in(U::IER), U::IER_ETBEI);
  EXPECT_TRUE(irq.level());
  out(U::THR, 'a');  // writing THR acknowledges the interrupt
  EXPECT_FALSE(irq.level());
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_NO_INT);
  // One byte alone in the FIFO: THRE comes back a character minus a stop bit later.
  advance(kChar115200 - 8680 - 1);
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_NO_INT);
  advance(1);
  EXPECT_TRUE(irq.level());
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_THRE);
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_NO_INT);
}

TEST_F(UartTest, IirReadAcknowledgesThreOnlyWhenIirNamesIt) {
  out(U::MCR, U::MCR_OUT2);
  out(U::IER, U::IER_ETBEI | U::IER_ERBFI);
  uart.receive('x');
  EXPECT_EQ(in(U::IIR), U::IIR_RDA);   // received data outranks THRE
  EXPECT_EQ(in(U::IIR), U::IIR_RDA);   // ... and that read did not acknowledge THRE
  EXPECT_EQ(in(U::RBR), 'x');
  EXPECT_EQ(in(U::IIR), U::IIR_THRE);  // now THRE shows
  EXPECT_EQ(in(U::IIR), U::IIR_NO_INT);
}

TEST_F(UartTest, ReceivedDataInterruptIsClearedByReadingRbr) {
  out(U::MCR, U::MCR_OUT2);
  out(U::IER, U::IER_ERBFI);
  EXPECT_FALSE(irq.level());
  uart.receive('x');
  EXPECT_TRUE(irq.level());
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, U::LSR_DR);
  EXPECT_EQ(in(U::IIR), U::IIR_RDA);
  EXPECT_EQ(in(U::RBR), 'x');
  EXPECT_FALSE(irq.level());
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, 0);
  EXPECT_EQ(in(U::IIR), U::IIR_NO_INT);
  EXPECT_EQ(in(U::RBR), 'x');  // an empty RBR reads back the last character
}

TEST_F(UartTest, IirReportsSourcesInDatasheetPriorityOrder) {
  setup_fifo(0x40);  // trigger level 4
  out(U::IER, 0x0F);
  for (int i = 0; i < 20; ++i) uart.receive(u8('a' + i));  // 16 kept, overrun
  uart.set_modem_inputs(U::MSR_CTS | U::MSR_DSR);           // DCD dropped
  constexpr u8 F = U::IIR_FIFOS_ENABLED;

  EXPECT_EQ(in(U::IIR), F | U::IIR_RLS);
  EXPECT_EQ(in(U::LSR) & U::LSR_OE, U::LSR_OE);  // acknowledges line status
  EXPECT_EQ(in(U::IIR), F | U::IIR_RDA);
  for (int i = 0; i < 13; ++i) in(U::RBR);  // 3 left, below the trigger level
  advance(4 * kChar115200);
  EXPECT_EQ(in(U::IIR), F | U::IIR_CTI);    // timeout outranks THRE
  for (int i = 0; i < 3; ++i) in(U::RBR);
  EXPECT_EQ(in(U::IIR), F | U::IIR_THRE);   // this read acknowledges THRE
  EXPECT_EQ(in(U::IIR), F | U::IIR_MS);
  EXPECT_TRUE(irq.level());
  EXPECT_EQ(in(U::MSR), U::MSR_CTS | U::MSR_DSR | U::MSR_DDCD);
  EXPECT_EQ(in(U::IIR), F | U::IIR_NO_INT);
  EXPECT_FALSE(irq.level());
}

TEST_F(UartTest, LineErrorsShowWhenTheirCharacterReachesTheTop) {
  setup_fifo(0);
  out(U::IER, U::IER_ELSI);
  uart.receive('a');
  uart.receive('b', U::LSR_FE);
  EXPECT_FALSE(irq.level());  // 'b' is not at the top yet
  u8 lsr = in(U::LSR);
  EXPECT_EQ(lsr & (U::LSR_FE | U::LSR_RCVR_FIFO_ERROR), U::LSR_RCVR_FIFO_ERROR);
  EXPECT_EQ(in(U::RBR), 'a');
  EXPECT_TRUE(irq.level());
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_RLS);
  lsr = in(U::LSR);  // reports FE once and acknowledges it
  EXPECT_EQ(lsr & (U::LSR_FE | U::LSR_RCVR_FIFO_ERROR | U::LSR_DR),
            U::LSR_FE | U::LSR_RCVR_FIFO_ERROR | U::LSR_DR);
  EXPECT_FALSE(irq.level());
  lsr = in(U::LSR);  // 'b' is still in the FIFO: bit 7 stays
  EXPECT_EQ(lsr & (U::LSR_FE | U::LSR_RCVR_FIFO_ERROR), U::LSR_RCVR_FIFO_ERROR);
  EXPECT_EQ(in(U::RBR), 'b');
  in(U::LSR);
  EXPECT_EQ(in(U::LSR) & U::LSR_RCVR_FIFO_ERROR, 0);
}

TEST_F(UartTest, BreakAndParityErrorsAreReportedInLsr) {
  uart.receive(0x00, U::LSR_BI);
  EXPECT_EQ(in(U::LSR), U::LSR_DR | U::LSR_BI | U::LSR_THRE | U::LSR_TEMT);
  in(U::RBR);
  uart.receive('p', U::LSR_PE | U::LSR_THRE);  // only PE/FE/BI are line errors
  EXPECT_EQ(in(U::LSR), U::LSR_DR | U::LSR_PE | U::LSR_THRE | U::LSR_TEMT);
  EXPECT_EQ(in(U::LSR), U::LSR_DR | U::LSR_THRE | U::LSR_TEMT);  // 16450 mode: no bit 7
}

TEST_F(UartTest, ModemStatusDeltasInterruptAndClearOnMsrRead) {
  out(U::MCR, U::MCR_OUT2);
  out(U::IER, U::IER_EDSSI);
  EXPECT_EQ(in(U::MSR), U::MSR_CTS | U::MSR_DSR | U::MSR_DCD);
  uart.set_modem_inputs(U::MSR_CTS | U::MSR_DSR | U::MSR_DCD | U::MSR_RI);
  EXPECT_FALSE(irq.level());  // RI rising is not an event: TERI is the trailing edge
  uart.set_modem_inputs(U::MSR_DSR | U::MSR_DCD);  // RI ends, CTS drops
  EXPECT_TRUE(irq.level());
  EXPECT_EQ(in(U::IIR), U::IIR_MS);
  EXPECT_EQ(in(U::MSR), U::MSR_DSR | U::MSR_DCD | U::MSR_TERI | U::MSR_DCTS);
  EXPECT_FALSE(irq.level());
  EXPECT_EQ(in(U::MSR), U::MSR_DSR | U::MSR_DCD);
}

TEST_F(UartTest, LoopbackMsrMirrorsMcrOutputs) {
  in(U::MSR);
  out(U::MCR, U::MCR_LOOP | U::MCR_RTS | U::MCR_OUT2);  // the probe Linux does
  EXPECT_EQ(in(U::MSR), U::MSR_CTS | U::MSR_DCD | U::MSR_DDSR);  // DSR fell (DTR is 0)
  out(U::MCR, U::MCR_LOOP | U::MCR_DTR | U::MCR_OUT1);
  EXPECT_EQ(in(U::MSR), U::MSR_DSR | U::MSR_RI | U::MSR_DCTS | U::MSR_DDSR | U::MSR_DDCD);
  out(U::MCR, U::MCR_LOOP);
  EXPECT_EQ(in(U::MSR), U::MSR_DDSR | U::MSR_TERI);
  EXPECT_EQ(in(U::MSR), 0x00);
  uart.set_modem_inputs(0);  // the real inputs are disconnected in loopback
  EXPECT_EQ(in(U::MSR), 0x00);
  out(U::MCR, 0);            // back to the inputs, which are all off now
  EXPECT_EQ(in(U::MSR), 0x00);
}

TEST_F(UartTest, Out2GatesTheIrqLineAndLoopbackForcesItOff) {
  out(U::IER, U::IER_ETBEI);
  EXPECT_TRUE(irq.changes.empty());  // pending, but OUT2 is off
  EXPECT_EQ(in(U::IER), U::IER_ETBEI);
  out(U::MCR, U::MCR_OUT2);
  out(U::MCR, 0);
  out(U::MCR, U::MCR_OUT2 | U::MCR_LOOP);
  EXPECT_EQ(in(U::IIR), U::IIR_THRE);  // the chip still has the interrupt pending
  std::vector<std::pair<unsigned, bool>> expected = {{4, true}, {4, false}};
  EXPECT_EQ(irq.changes, expected);
}

// The QEMU-compatible wiring the PC platform uses: OUT2 no longer gates the line,
// loopback still disconnects it.
TEST_F(UartTest, WithoutOut2GatingTheInterruptReachesTheLine) {
  uart.set_out2_gates_irq(false);
  out(U::IER, U::IER_ERBFI);
  uart.receive('x');                   // MCR = 0, as xv6 leaves it
  out(U::MCR, U::MCR_LOOP);
  std::vector<std::pair<unsigned, bool>> expected = {{4, true}, {4, false}};
  EXPECT_EQ(irq.changes, expected);
}

// The default transmitter (no line timing): THRE and TEMT stay set, and an enabled
// THRE interrupt comes back at once after each byte.
TEST_F(UartTest, UntimedTransmitKeepsTheTransmitterEmpty) {
  uart.set_timed_transmit(false);
  out(U::MCR, U::MCR_OUT2);
  out(U::IER, U::IER_ETBEI);
  in(U::IIR);  // acknowledge the initial THRE interrupt
  out(U::THR, 'a');
  EXPECT_EQ(in(U::LSR) & (U::LSR_THRE | U::LSR_TEMT), U::LSR_THRE | U::LSR_TEMT);
  EXPECT_EQ(in(U::IIR) & 0x0F, U::IIR_THRE);
  EXPECT_EQ(output, "a");
}

TEST_F(UartTest, IrqLineIsDrivenOnlyOnLevelChanges) {
  out(U::MCR, U::MCR_OUT2);
  out(U::IER, U::IER_ERBFI);
  uart.receive('1');
  uart.receive('2');  // overrun in 16450 mode; still the same level
  in(U::LSR);
  in(U::RBR);
  std::vector<std::pair<unsigned, bool>> expected = {{4, true}, {4, false}};
  EXPECT_EQ(irq.changes, expected);
}

TEST_F(UartTest, WideAccessesAreSplitIntoByteCycles) {
  out(U::LCR, 0x03);
  out(U::MCR, U::MCR_DTR);
  EXPECT_EQ(bus.port_read(kBase + U::LCR, 2), 0x0103u);
  bus.port_write(kBase + U::MCR, 0x5A03, 2);  // MCR, then LSR (ignored)
  EXPECT_EQ(in(U::MCR), 0x03);
  out(U::SCR, 0x77);
  EXPECT_EQ(bus.port_read(kBase + U::SCR, 2), 0xFF77u);  // past our ports: open bus
}

TEST_F(UartTest, WorksAtAnyBase) {
  Uart16550 com2("com2", clock, timers, counters, IrqLine(&irq, 3), nullptr);
  com2.attach(bus, 0x2F8);
  bus.port_write(0x2F8 + U::SCR, 0x42, 1);
  EXPECT_EQ(bus.port_read(0x2F8 + U::SCR, 1), 0x42u);
  EXPECT_EQ(in(U::SCR), 0x00);  // COM1 untouched
  bus.port_write(0x2F8 + U::THR, 'q', 1);  // no sink: dropped, still counted
  EXPECT_EQ(counters.device("com2.tx_bytes"), 1u);
  EXPECT_EQ(bus.port_owner(0x2FF), "com2");
}

TEST_F(UartTest, DestroyingTheUartCancelsItsTimers) {
  {
    Uart16550 com2("com2", clock, timers, counters, IrqLine(&irq, 3), nullptr);
    com2.attach(bus, 0x2F8);
    com2.set_timed_transmit(true);  // a character on the line: a timer is armed
    bus.port_write(0x2F8 + U::THR, 'q', 1);
    EXPECT_FALSE(timers.empty());
  }
  EXPECT_TRUE(timers.empty());
  advance(kChar9600 * 10);  // nothing fires into a dead object
}

}  // namespace
}  // namespace vmlab::uart_test
