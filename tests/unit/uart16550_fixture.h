// Test bench for the 16550A: a Bus with the UART at COM1, a clock the test advances,
// a recording IRQ sink and a string that collects transmitted bytes.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/bus.h"
#include "recording_irq_sink.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/irq.h"
#include "core/virtual_clock.h"
#include "devices/uart16550.h"

namespace vmlab::uart_test {

using U = Uart16550;

// Character times at 8N1 (10 bits), floor(bits x divisor x 1e9 / 115200) ns.
constexpr u64 kChar115200 = 86805;    // divisor 1
constexpr u64 kChar9600 = 1041666;    // divisor 12
constexpr u64 kBit9600 = 104166;      // one stop bit at divisor 12

class UartTest : public ::testing::Test {
 protected:
  static constexpr u16 kBase = U::kCom1Base;

  // The line model is what most of these tests check; the instant default has its own test.
  UartTest() {
    uart.attach(bus, kBase);
    uart.set_timed_transmit(true);
  }

  u8 in(u8 reg) { return u8(bus.port_read(u16(kBase + reg), 1)); }
  void out(u8 reg, u8 value) { bus.port_write(u16(kBase + reg), value, 1); }
  // Move virtual time forward and fire whatever became due, as the run loop does.
  void advance(u64 cycles) {
    clock.charge(cycles);
    timers.run_due(clock.now());
  }
  void advance_to(u64 when) { advance(when - clock.now()); }
  void set_divisor(u16 divisor) {
    u8 lcr = in(U::LCR);
    out(U::LCR, lcr | U::LCR_DLAB);
    out(U::DLL, u8(divisor));
    out(U::DLM, u8(divisor >> 8));
    out(U::LCR, lcr);
  }
  // 8N1 at 115200 baud, FIFOs enabled with the given trigger bits, IRQ wired (OUT2).
  void setup_fifo(u8 trigger_bits) {
    out(U::LCR, 0x03);
    set_divisor(1);
    out(U::FCR, U::FCR_FIFO_ENABLE | U::FCR_RCVR_RESET | U::FCR_XMIT_RESET | trigger_bits);
    out(U::MCR, U::MCR_OUT2);
  }
  bool thre() { return in(U::LSR) & U::LSR_THRE; }
  bool temt() { return in(U::LSR) & U::LSR_TEMT; }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  EventQueue timers;
  RecordingIrqSink irq;
  std::string output;
  Uart16550 uart{"com1", clock, timers, counters, IrqLine(&irq, U::kCom1Irq),
                 [this](u8 byte) { output += char(byte); }};
};

}  // namespace vmlab::uart_test
