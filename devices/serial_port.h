// COM1: the register file of a 16550A UART as far as output needs it.
//
// This version transmits: THR writes go straight to the output sink (the line is never
// busy, so LSR always reports THRE and TEMT), and the divisor latch, IER, LCR, MCR and
// scratch registers read back what was written. Receive, FIFO timing, modem-status
// changes and interrupts belong to the platform issue (devices issue), which replaces
// this class with the full device; until then IIR always reads "no interrupt pending".
//
//   port  DLAB=0          DLAB=1
//   +0    RBR / THR       DLL
//   +1    IER             DLM
//   +2    IIR / FCR
//   +3    LCR (bit 7 = DLAB)
//   +4    MCR   +5 LSR   +6 MSR   +7 SCR
#pragma once
#include <functional>

#include "core/bus.h"

namespace vmlab {

class SerialPort {
 public:
  static constexpr u16 kCom1Base = 0x3F8;
  static constexpr u8 LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40;

  explicit SerialPort(std::function<void(u8)> output) : m_output(std::move(output)) {}
  void attach(Bus& bus, u16 base);
  void reset();
  void io(IoAccess& access);

 private:
  std::function<void(u8)> m_output;
  u8 m_ier = 0, m_lcr = 0, m_mcr = 0, m_scr = 0, m_fcr = 0;
  u8 m_dll = 0x0C, m_dlm = 0;
};

}  // namespace vmlab
