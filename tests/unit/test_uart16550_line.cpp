// 16550A serial line in virtual time: THRE/TEMT timing per baud rate and frame
// format, the FIFO-mode THRE delay, trigger levels, character timeout, overrun,
// FIFO resets, loopback data, and host input paced at one character time.
#include <unistd.h>

#include "devices/byte_source.h"
#include "tests/unit/uart16550_fixture.h"

namespace vmlab::uart_test {
namespace {

TEST_F(UartTest, ThrWriteReachesTheSinkAtOnceAndIsCounted) {
  out(U::THR, 'h');
  out(U::THR, 'i');
  EXPECT_EQ(output, "hi");
  EXPECT_EQ(counters.device("com1.tx_bytes"), 2u);
}

// 16450 mode: the THR hands its byte to the TSR as soon as the line is free, so
// THRE is back at once for the first byte; a second byte waits in the THR.
TEST_F(UartTest, In16450ModeThreAndTemtFollowTheShiftRegister) {
  set_divisor(1);
  out(U::LCR, 0x03);
  out(U::THR, 'A');
  EXPECT_TRUE(thre());
  EXPECT_FALSE(temt());
  out(U::THR, 'B');
  EXPECT_FALSE(thre());
  advance_to(kChar115200 - 1);
  EXPECT_FALSE(thre());
  advance_to(kChar115200);  // 'A' done, 'B' moves into the TSR
  EXPECT_TRUE(thre());
  EXPECT_FALSE(temt());
  advance_to(2 * kChar115200 - 1);
  EXPECT_FALSE(temt());
  advance_to(2 * kChar115200);
  EXPECT_TRUE(temt());
}

// FIFO mode, one byte at a time (what a polling guest does): THRE stays 0 for a
// character time minus the stop bit; TEMT follows at the end of the stop bit.
TEST_F(UartTest, InFifoModeALoneByteHoldsThreForACharacterTime) {
  out(U::LCR, 0x03);
  set_divisor(12);
  out(U::FCR, 0x07);
  out(U::THR, 'A');
  EXPECT_FALSE(thre());
  advance_to(kChar9600 - kBit9600 - 1);
  EXPECT_FALSE(thre());
  advance_to(kChar9600 - kBit9600);
  EXPECT_TRUE(thre());
  EXPECT_FALSE(temt());
  out(U::THR, 'B');  // queued behind the stop bit of 'A'
  advance_to(kChar9600 - 1);
  EXPECT_FALSE(temt());
  advance_to(kChar9600 + kChar9600 - kBit9600);  // 'B' started at kChar9600
  EXPECT_TRUE(thre());
  EXPECT_FALSE(temt());
  advance_to(2 * kChar9600);
  EXPECT_TRUE(temt());
  EXPECT_EQ(output, "AB");
}

// A burst of writes fills the FIFO; THRE comes back the moment the last byte moves
// into the TSR, with no extra delay, and characters follow back to back.
TEST_F(UartTest, InFifoModeABurstDrainsAtLineSpeed) {
  setup_fifo(0);
  for (char c : std::string("xyz")) out(U::THR, u8(c));
  advance_to(2 * kChar115200 - 1);
  EXPECT_FALSE(thre());
  advance_to(2 * kChar115200);
  EXPECT_TRUE(thre());
  EXPECT_FALSE(temt());
  advance_to(3 * kChar115200 - 1);
  EXPECT_FALSE(temt());
  advance(1);
  EXPECT_TRUE(temt());
}

TEST_F(UartTest, CharacterTimeFollowsLcrFrameFormat) {
  set_divisor(1);
  out(U::LCR, U::LCR_PEN | U::LCR_STB | 0x02);  // 7E2: 1 + 7 + 1 + 2 = 11 bits
  out(U::THR, '7');
  advance_to(95486 - 1);  // floor(11 x 1e9 / 115200)
  EXPECT_FALSE(temt());
  advance_to(95486);
  EXPECT_TRUE(temt());
  out(U::LCR, U::LCR_STB);  // 5 bits, 1.5 stop bits: 7.5 bits
  out(U::THR, '5');
  u64 start = clock.now();
  advance_to(start + 65104 - 1);
  EXPECT_FALSE(temt());
  advance_to(start + 65104);
  EXPECT_TRUE(temt());
}

TEST_F(UartTest, DivisorZeroIsTheSlowestLineNotACrash) {
  out(U::LCR, 0x03);
  set_divisor(0);
  out(U::THR, '0');
  advance_to(5688888888 - 1);  // 10 bits x 65536 / 115200 s
  EXPECT_FALSE(temt());
  advance_to(5688888888);
  EXPECT_TRUE(temt());
}

TEST_F(UartTest, WritesIntoAFullTxFifoAreCountedAndStillReachTheSink) {
  setup_fifo(0);
  for (int i = 0; i < 18; ++i) out(U::THR, u8('a' + i));  // 1 in the TSR, 16 queued
  EXPECT_EQ(output.size(), 18u);
  EXPECT_EQ(counters.device("com1.tx_overflows"), 1u);
  advance_to(17 * kChar115200 - 1);
  EXPECT_FALSE(temt());
  advance(1);
  EXPECT_TRUE(temt());  // the line carried 17 characters
}

TEST_F(UartTest, RxTriggerLevelsGateTheDataAvailableInterrupt) {
  const struct {
    u8 bits;
    int level;
  } cases[] = {{0x00, 1}, {0x40, 4}, {0x80, 8}, {0xC0, 14}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.level);
    setup_fifo(c.bits);
    out(U::IER, U::IER_ERBFI);
    for (int i = 0; i < c.level - 1; ++i) uart.receive('.');
    EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_NO_INT);
    uart.receive('!');
    EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_RDA);
    EXPECT_TRUE(irq.level());
    in(U::RBR);  // below the trigger level again
    EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_NO_INT);
    EXPECT_FALSE(irq.level());
  }
}

TEST_F(UartTest, CharacterTimeoutAfterFourQuietCharacterTimes) {
  setup_fifo(0x80);  // trigger level 8
  out(U::IER, U::IER_ERBFI);
  uart.receive('a');
  advance(kChar115200);
  uart.receive('b');  // receiving restarts the timeout
  advance(4 * kChar115200 - 1);
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_NO_INT);
  advance(1);
  EXPECT_TRUE(irq.level());
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_CTI);
  EXPECT_EQ(in(U::RBR), 'a');  // reading clears it and restarts the timer
  EXPECT_FALSE(irq.level());
  advance(4 * kChar115200 - 1);
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_NO_INT);
  advance(1);
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_CTI);
  EXPECT_EQ(in(U::RBR), 'b');
  advance(40 * kChar115200);  // empty FIFO: no timeout
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_NO_INT);
}

TEST_F(UartTest, NoCharacterTimeoutIn16450Mode) {
  out(U::IER, U::IER_ERBFI);
  uart.receive('a');
  EXPECT_TRUE(timers.empty());  // nothing to time out
  EXPECT_EQ(in(U::IIR), U::IIR_RDA);
}

TEST_F(UartTest, FifoOverrunLosesTheNewCharacterAndSetsOe) {
  setup_fifo(0);
  out(U::IER, U::IER_ELSI);
  for (int i = 0; i < 17; ++i) uart.receive(u8('A' + i));
  EXPECT_EQ(counters.device("com1.rx_bytes"), 17u);
  EXPECT_EQ(counters.device("com1.overruns"), 1u);
  EXPECT_EQ(in(U::IIR), U::IIR_FIFOS_ENABLED | U::IIR_RLS);
  EXPECT_EQ(in(U::LSR) & (U::LSR_OE | U::LSR_DR), U::LSR_OE | U::LSR_DR);
  EXPECT_EQ(in(U::LSR) & U::LSR_OE, 0);  // cleared by the read
  std::string got;
  while (in(U::LSR) & U::LSR_DR) got += char(in(U::RBR));
  EXPECT_EQ(got, "ABCDEFGHIJKLMNOP");
}

TEST_F(UartTest, RbrOverrunIn16450ModeOverwritesTheCharacter) {
  uart.receive('1');
  uart.receive('2');
  EXPECT_EQ(in(U::LSR) & U::LSR_OE, U::LSR_OE);
  EXPECT_EQ(in(U::RBR), '2');
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, 0);
}

TEST_F(UartTest, FifoResetsEmptyTheFifosButNotTheShiftRegister) {
  setup_fifo(0);
  for (int i = 0; i < 5; ++i) uart.receive('r');
  out(U::FCR, U::FCR_FIFO_ENABLE | U::FCR_RCVR_RESET);
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, 0);
  for (char c : std::string("abc")) out(U::THR, u8(c));
  EXPECT_FALSE(thre());
  out(U::FCR, U::FCR_FIFO_ENABLE | U::FCR_XMIT_RESET);
  EXPECT_TRUE(thre());
  EXPECT_FALSE(temt());  // 'a' is still on the line
  advance_to(kChar115200);
  EXPECT_TRUE(temt());   // and 'b', 'c' never went out
  EXPECT_EQ(output, "abc");
  uart.receive('s');
  out(U::FCR, 0);  // leaving FIFO mode empties the FIFOs too
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, 0);
  EXPECT_EQ(in(U::IIR), U::IIR_NO_INT);
}

TEST_F(UartTest, LoopbackReturnsBytesAfterACharacterTimeInsteadOfSendingThem) {
  setup_fifo(0);
  out(U::MCR, U::MCR_LOOP);
  out(U::THR, 'L');
  out(U::THR, 'P');
  EXPECT_EQ(output, "");
  uart.receive('x');  // the serial input is disconnected in loopback
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, 0);
  advance_to(kChar115200 - 1);
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, 0);
  advance_to(kChar115200);
  EXPECT_EQ(in(U::RBR), 'L');
  advance_to(2 * kChar115200);
  EXPECT_EQ(in(U::RBR), 'P');
  EXPECT_EQ(counters.device("com1.rx_bytes"), 2u);
  EXPECT_EQ(counters.device("com1.tx_bytes"), 2u);
}

// Host input arrives one byte per character time while the receiver has room.
TEST_F(UartTest, StringSourceIsTypedAtLineSpeed) {
  setup_fifo(0xC0);
  StringSource source("hey");
  uart.set_input(&source);
  advance_to(kChar115200 - 1);
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, 0);
  advance_to(kChar115200);
  EXPECT_EQ(in(U::RBR), 'h');
  advance_to(3 * kChar115200 - 1);
  EXPECT_EQ(in(U::RBR), 'e');
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, 0);
  advance_to(3 * kChar115200);
  EXPECT_EQ(in(U::RBR), 'y');
  EXPECT_TRUE(source.at_end());
  advance(10 * kChar115200);
  EXPECT_TRUE(timers.empty());  // an ended source is not polled again
  EXPECT_EQ(counters.device("com1.overruns"), 0u);
}

// In 16450 mode the RBR holds one byte: input waits for the guest instead of
// overrunning, and resumes a character time after the RBR is read.
TEST_F(UartTest, HostInputWaitsForRoomInTheReceiver) {
  out(U::LCR, 0x03);  // 8N1 at divisor 1, the power-on divisor
  StringSource source("ab");
  uart.set_input(&source);
  advance_to(kChar9600 * 50);  // 'a' came long ago
  EXPECT_EQ(counters.device("com1.rx_bytes"), 1u);
  EXPECT_EQ(in(U::RBR), 'a');
  u64 read_at = clock.now();
  advance_to(read_at + kChar115200 - 1);
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, 0);
  advance_to(read_at + kChar115200);
  EXPECT_EQ(in(U::RBR), 'b');
  EXPECT_EQ(counters.device("com1.overruns"), 0u);
}

TEST_F(UartTest, HostInputPausesInLoopback) {
  StringSource source("q");
  uart.set_input(&source);
  out(U::MCR, U::MCR_LOOP);
  advance(10 * kChar115200);
  EXPECT_FALSE(source.at_end());
  EXPECT_TRUE(timers.empty());
  out(U::MCR, 0);
  advance(kChar115200);
  EXPECT_EQ(in(U::RBR), 'q');
}

// The whole script is in the pipe before the run: arrival times are fixed.
TEST_F(UartTest, PipedInputArrivesAtTheSameTimesEveryRun) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "ok", 2), 2);
  close(fds[1]);
  StdinSource source(fds[0]);
  setup_fifo(0xC0);
  uart.set_input(&source);
  advance_to(2 * kChar115200);
  EXPECT_EQ(in(U::RBR), 'o');
  EXPECT_EQ(in(U::RBR), 'k');
  advance(10 * kChar115200);  // the next pull sees end of file
  EXPECT_TRUE(source.at_end());
  EXPECT_TRUE(timers.empty());
  close(fds[0]);
}

TEST_F(UartTest, ResetEmptiesTheLineAndKeepsReadingInput) {
  setup_fifo(0);
  out(U::THR, 't');
  uart.receive('r');
  StringSource source("s");
  uart.set_input(&source);
  uart.reset();
  EXPECT_TRUE(temt());
  EXPECT_EQ(in(U::LSR) & U::LSR_DR, 0);
  advance(kChar115200);
  EXPECT_EQ(in(U::RBR), 's');
}

}  // namespace
}  // namespace vmlab::uart_test
