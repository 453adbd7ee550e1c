// A 16550A UART (National Semiconductor PC16550D): the PC's COM ports.
//
//   offset  DLAB=0 read   DLAB=0 write   DLAB=1
//   +0      RBR           THR            DLL   divisor latch, low byte
//   +1      IER           IER            DLM   divisor latch, high byte
//   +2      IIR           FCR
//   +3      LCR (bit 7 is DLAB)
//   +4      MCR     +5 LSR     +6 MSR     +7 SCR
//
// The serial line runs in virtual time. One character takes
//     frame bits x divisor / 115200 seconds
// (115200 = the PC's 1.8432 MHz UART crystal / 16 clocks per bit; a frame is a start
// bit, 5-8 data bits, an optional parity bit and 1, 1.5 or 2 stop bits as LCR says:
// 10 bits for 8N1). The transmitter, the FIFO THRE delay, the character timeout and
// host input are all timers on the EventQueue, so a guest sees the same LSR values at
// the same instruction on every run.
//
// Transmit. The host side of the line is ideal: each byte written to THR reaches the
// output sink at once (so output is never lost when a guest exits with bytes still
// queued). The register side is timed like the chip: the byte goes into the TX FIFO
// (one byte, the THR, in 16450 mode), moves into the shift register (TSR) when the
// line is free, and occupies the line for one character time. THRE is "FIFO/THR
// empty", TEMT is "FIFO/THR and TSR empty". In loopback (MCR.LOOP) the byte is not
// sent to the sink; it reaches the receiver when its character time ends.
//
// Receive. receive() puts a byte on the line now; an attached ByteSource is read one
// byte per character time, and only while the receiver has room (and is not in
// loopback, where the line input is disconnected). A script piped into stdin is
// therefore typed at line speed and never overruns the guest; when the whole script
// is already in the pipe, the guest sees each byte at the same cycle on every run.
//
// Interrupts. The INTR output is high while an interrupt enabled in IER is pending.
// On the PC it reaches the ISA IRQ line only through a buffer enabled by the OUT2
// pin, which MCR.OUT2 drives and loopback forces inactive: so the IrqLine is raised
// while (an enabled interrupt is pending) and MCR.OUT2 and not MCR.LOOP.
// set_out2_gates_irq(false) drops the OUT2 condition (not the loopback one), as QEMU's
// serial port does; teaching kernels written against QEMU (xv6) leave OUT2 clear and
// still expect receive interrupts. The PC platform chooses this (devices/pc_platform.cpp).
#pragma once
#include <deque>
#include <functional>
#include <string>

#include "core/bus.h"
#include "core/counters.h"
#include "core/irq.h"
#include "core/virtual_clock.h"
#include "devices/byte_source.h"

namespace vmlab {

class Uart16550 {
 public:
  static constexpr u16 kCom1Base = 0x3F8;
  static constexpr unsigned kCom1Irq = 4;

  // Register offsets from the base port. Names share offsets as the datasheet's do.
  static constexpr u8 RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2,
                      LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

  // IER: interrupt enables.
  static constexpr u8 IER_ERBFI = 0x01;  // received data available (and char timeout)
  static constexpr u8 IER_ETBEI = 0x02;  // transmitter holding register empty
  static constexpr u8 IER_ELSI = 0x04;   // receiver line status
  static constexpr u8 IER_EDSSI = 0x08;  // modem status

  // IIR: bit 0 is 0 while an interrupt is pending; bits 3-1 say which (highest
  // priority first in this list); bits 7-6 are 11 in FIFO mode.
  static constexpr u8 IIR_NO_INT = 0x01;
  static constexpr u8 IIR_RLS = 0x06;   // receiver line status (OE PE FE BI)
  static constexpr u8 IIR_RDA = 0x04;   // received data available / trigger level
  static constexpr u8 IIR_CTI = 0x0C;   // character timeout indication (FIFO mode)
  static constexpr u8 IIR_THRE = 0x02;  // transmitter holding register empty
  static constexpr u8 IIR_MS = 0x00;    // modem status
  static constexpr u8 IIR_FIFOS_ENABLED = 0xC0;

  // FCR (write only). Bits other than FCR0 are only programmed when FCR0 is written 1.
  static constexpr u8 FCR_FIFO_ENABLE = 0x01;
  static constexpr u8 FCR_RCVR_RESET = 0x02;  // self-clearing
  static constexpr u8 FCR_XMIT_RESET = 0x04;  // self-clearing
  static constexpr u8 FCR_DMA_MODE = 0x08;    // RXRDY/TXRDY pin mode: no pins here
  static constexpr u8 FCR_RCVR_TRIGGER = 0xC0;  // 00=1 01=4 10=8 11=14 bytes

  // LCR
  static constexpr u8 LCR_WLS = 0x03;   // word length select: 5 + WLS data bits
  static constexpr u8 LCR_STB = 0x04;   // 2 stop bits (1.5 with 5-bit words)
  static constexpr u8 LCR_PEN = 0x08;   // parity enable
  static constexpr u8 LCR_EPS = 0x10;   // even parity select
  static constexpr u8 LCR_STICK_PARITY = 0x20;
  static constexpr u8 LCR_SET_BREAK = 0x40;
  static constexpr u8 LCR_DLAB = 0x80;  // divisor latch access bit

  // MCR
  static constexpr u8 MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08,
                      MCR_LOOP = 0x10;

  // LSR
  static constexpr u8 LSR_DR = 0x01;    // data ready
  static constexpr u8 LSR_OE = 0x02;    // overrun error
  static constexpr u8 LSR_PE = 0x04;    // parity error
  static constexpr u8 LSR_FE = 0x08;    // framing error
  static constexpr u8 LSR_BI = 0x10;    // break interrupt
  static constexpr u8 LSR_THRE = 0x20;  // transmitter holding register (FIFO) empty
  static constexpr u8 LSR_TEMT = 0x40;  // transmitter empty: THR/FIFO and TSR
  static constexpr u8 LSR_RCVR_FIFO_ERROR = 0x80;  // a PE/FE/BI character is in the FIFO

  // MSR: delta bits 3-0, line state bits 7-4.
  static constexpr u8 MSR_DCTS = 0x01, MSR_DDSR = 0x02, MSR_TERI = 0x04, MSR_DDCD = 0x08;
  static constexpr u8 MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;

  // `name` ("com1") names the Bus window and the counters "<name>.tx_bytes" (bytes
  // written to THR), "<name>.rx_bytes" (characters that arrived at the receiver),
  // "<name>.overruns" (characters lost to a full receiver, LSR.OE) and
  // "<name>.tx_overflows" (THR writes while the TX FIFO was full: the chip would drop
  // them; we still hand them to the sink). `timers` must outlive the UART. `output`
  // may be empty (output dropped).
  Uart16550(std::string name, const VirtualClock& clock, EventQueue& timers,
            Counters& counters, IrqLine irq, std::function<void(u8)> output);
  ~Uart16550();
  Uart16550(const Uart16550&) = delete;
  Uart16550& operator=(const Uart16550&) = delete;

  // Claim ports [base, base+8).
  void attach(Bus& bus, u16 base);
  // The MR (master reset) pin: IER IIR FCR LCR MCR LSR MSR to their reset values,
  // FIFOs and the transmitter emptied, IRQ lowered. DLL, DLM and SCR keep their values.
  void reset();
  // One port access; `access.addr` is the port number. Used by attach().
  void io(IoAccess& access);

  // A character arrives on the serial input now. `line_errors` is any of LSR_PE,
  // LSR_FE, LSR_BI to mark it as received with that error. Ignored in loopback mode.
  void receive(u8 byte, u8 line_errors = 0);
  // Read host input from `source` (nullptr detaches). Borrowed: the source must stay
  // alive until it is detached or the UART is destroyed. Until the source is at its
  // end, a timer polls it every character time while the receiver has room, so the
  // EventQueue is not empty while a guest waits for input that has not come yet.
  void set_input(ByteSource* source);
  // The modem inputs as MSR bits (MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD). Initially
  // CTS, DSR and DCD: a terminal is connected. Changes set the MSR delta bits.
  void set_modem_inputs(u8 msr_lines);
  // Transmit timing. Off (the default): a byte written to THR leaves at once, so THRE
  // and TEMT never read 0, as on QEMU; guests that poll THRE before each byte then
  // print without waiting (and, in the virtualized modes, without thousands of port
  // exits per character). On: the 16550A's line model, one character time per byte at
  // the programmed baud rate (see the transmitter notes in uart16550_line.cpp).
  void set_timed_transmit(bool timed) { m_timed_transmit = timed; }
  // Whether MCR.OUT2 must be set for the interrupt to reach the IRQ line (see above).
  void set_out2_gates_irq(bool gates) {
    m_out2_gates_irq = gates;
    update_irq();
  }

 private:
  struct RxChar {
    u8 byte;
    u8 errors;  // LSR_PE | LSR_FE | LSR_BI
  };
  struct TxChar {
    u8 byte;
    bool looped;  // written in loopback mode: goes to our own receiver
  };
  // One pending timer of ours, so it can be cancelled when it is re-armed or dies.
  struct Deadline {
    TimerId id = 0;
    bool armed = false;
  };
  using Handler = void (Uart16550::*)();

  // Registers (uart16550.cpp)
  u8 read_register(u8 offset);
  void write_register(u8 offset, u8 value);
  u8 read_rbr();
  u8 read_iir();
  u8 read_lsr();
  u8 read_msr();
  void write_ier(u8 value);
  void write_fcr(u8 value);
  void write_mcr(u8 value);
  u8 interrupt_id() const;
  void update_modem_status();
  void update_irq();

  // The serial line (uart16550_line.cpp)
  void write_thr(u8 value);
  void start_next_char();
  void on_frame_end();
  void on_thre_release();
  void thre_rise();
  void accept_char(u8 byte, u8 errors);
  void reveal_errors(u8 errors);
  void restart_rx_timeout();
  void on_rx_timeout();
  void reset_rx_fifo();
  void reset_tx_fifo(bool fifo_mode_changed);
  void resume_input();
  void on_input_pull();
  bool can_receive_from_line() const;
  bool rx_data_available() const;
  u64 line_time(u32 half_bits) const;
  u32 frame_half_bits() const;
  u32 stop_half_bits() const;
  u64 now() const;
  void arm(Deadline& deadline, u64 delay, Handler handler);
  void disarm(Deadline& deadline);

  bool fifo_enabled() const { return m_fcr & FCR_FIFO_ENABLE; }
  size_t fifo_capacity() const { return fifo_enabled() ? 16 : 1; }
  bool thre() const { return m_tx.empty() && !m_thre_hold; }
  bool temt() const { return thre() && !m_tsr_busy; }

  std::string m_name;
  const VirtualClock& m_clock;
  EventQueue& m_timers;
  IrqLine m_irq;
  std::function<void(u8)> m_output;
  u64& m_tx_bytes;
  u64& m_rx_bytes;
  u64& m_overruns;
  u64& m_tx_overflows;
  u16 m_base = 0;

  // Programmer-visible registers
  u8 m_ier = 0, m_lcr = 0, m_mcr = 0, m_scr = 0;
  u8 m_fcr = 0;           // as programmed: FIFO enable, DMA mode, trigger level
  u16 m_divisor = 1;      // DLM:DLL; 0 counts as 65536, as the 16-bit counter does
  u8 m_rbr = 0;           // last character read: what an empty RBR reads back
  u8 m_lsr_errors = 0;    // OE PE FE BI, latched until LSR is read
  bool m_fifo_error = false;  // LSR bit 7
  u8 m_msr_lines = 0;     // MSR bits 7-4 as last reported (inputs, or MCR in loopback)
  u8 m_msr_deltas = 0;    // MSR bits 3-0, cleared by reading MSR
  u8 m_modem_inputs = MSR_CTS | MSR_DSR | MSR_DCD;

  // Receiver
  std::deque<RxChar> m_rx;  // RX FIFO, or the RBR alone (capacity 1) in 16450 mode
  bool m_timeout = false;   // character timeout indication
  Deadline m_rx_timeout;
  ByteSource* m_input = nullptr;
  Deadline m_input_pull;

  // Transmitter
  std::deque<TxChar> m_tx;  // TX FIFO, or the THR alone (capacity 1) in 16450 mode
  TxChar m_tsr{};           // the character on the line while m_tsr_busy
  bool m_tsr_busy = false;
  bool m_thre_hold = false;     // the FIFO-mode THRE delay is holding THRE at 0
  u32 m_writes_since_thre = 0;  // THR writes since THRE was last 1
  bool m_thre_pending = false;  // THRE interrupt latch (cleared by IIR read or THR write)
  Deadline m_frame_end;
  Deadline m_thre_release;

  bool m_out2_gates_irq = true;
  bool m_timed_transmit = false;
  bool m_irq_level = false;  // what we last drove on m_irq
  bool m_in_timer = false;   // a timer handler runs: now() is its deadline
  u64 m_timer_time = 0;
};

}  // namespace vmlab
