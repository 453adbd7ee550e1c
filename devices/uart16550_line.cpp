// 16550A serial line: the transmitter and receiver, their FIFOs, and character timing
// in virtual time. The register file is in uart16550.cpp.
//
// Transmitter, one character at a time:
//
//   THR write --> TX FIFO (16, or 1 = THR) --> TSR --(one character time)--> line
//                 THRE = FIFO empty            TEMT = FIFO and TSR empty
//
// Receiver: line --> RX FIFO (16, or 1 = RBR) --> RBR read. A full receiver loses the
// arriving character (16450 mode: it overwrites the RBR) and sets OE.
#include "devices/uart16550.h"

namespace vmlab {

namespace {
// The PC's UART clock: a 1.8432 MHz crystal divided by 16 clocks per bit, so the
// line runs at 115200 / divisor bits per second.
constexpr u64 kBaudBase = 115200;
}  // namespace

// ---- timing ------------------------------------------------------------------------

// Virtual time taken by `half_bits` half bit-times at the current divisor. Half bits
// because a 5-bit word with "2 stop bits" really has 1.5. A divisor of 0 behaves as
// 65536, like the chip's 16-bit down counter.
u64 Uart16550::line_time(u32 half_bits) const {
  u64 divisor = m_divisor ? m_divisor : 0x10000;
  return half_bits * divisor * kVirtualHz / (2 * kBaudBase);
}

// One frame per LCR: start bit, 5-8 data bits, parity bit if PEN, stop bits.
u32 Uart16550::frame_half_bits() const {
  u32 data_bits = 5 + (m_lcr & LCR_WLS);
  u32 parity_bits = (m_lcr & LCR_PEN) ? 1 : 0;
  return 2 * (1 + data_bits + parity_bits) + stop_half_bits();
}

// LCR_STB selects 2 stop bits, except with 5-bit words, where it means 1.5.
u32 Uart16550::stop_half_bits() const {
  if (!(m_lcr & LCR_STB)) return 2;
  return (m_lcr & LCR_WLS) == 0 ? 3 : 4;
}

// Inside a timer handler, "now" is the handler's deadline rather than the clock,
// which may have run a few cycles past it: back-to-back characters then follow each
// other exactly, however coarsely the run loop advances time.
u64 Uart16550::now() const { return m_in_timer ? m_timer_time : m_clock.now(); }

// Schedule `handler` after `delay` cycles, replacing this deadline's previous timer.
// The IRQ level is brought up to date after every handler, as after every port access.
void Uart16550::arm(Deadline& deadline, u64 delay, Handler handler) {
  disarm(deadline);
  u64 when = now() + delay;
  deadline.armed = true;
  deadline.id = m_timers.schedule(when, [this, &deadline, when, handler] {
    deadline.armed = false;
    bool nested = m_in_timer;
    u64 saved = m_timer_time;
    m_in_timer = true;
    m_timer_time = when;
    (this->*handler)();
    m_in_timer = nested;
    m_timer_time = saved;
    update_irq();
  });
}

void Uart16550::disarm(Deadline& deadline) {
  if (deadline.armed) m_timers.cancel(deadline.id);
  deadline.armed = false;
}

// ---- transmitter -------------------------------------------------------------------

// A THR write acknowledges the THRE interrupt. The byte goes to the sink now (or is
// marked for our own receiver in loopback) and is queued for the line. A write into
// a full FIFO would be lost on the chip: it is counted and takes no line time.
void Uart16550::write_thr(u8 value) {
  m_thre_pending = false;
  bool looped = m_mcr & MCR_LOOP;
  ++m_tx_bytes;
  if (!looped && m_output) m_output(value);
  if (!m_timed_transmit) {  // the line is infinitely fast: THR and TSR are empty at once
    if (looped) accept_char(value, 0);
    thre_rise();
    return;
  }
  if (m_tx.size() >= fifo_capacity()) {
    ++m_tx_overflows;
    return;
  }
  m_tx.push_back({value, looped});
  ++m_writes_since_thre;
  start_next_char();
}

// When the line is free, move the next character into the TSR for one character
// time. If that empties the FIFO, THRE rises, except for the 16550A's FIFO-mode
// delay: when fewer than two bytes were written since THRE was last 1, THRE is held
// for one character time minus the stop bits, so a guest that writes one byte and
// polls THRE is paced at line speed. (The chip's condition is "two bytes in the FIFO
// at once"; the chip needs about a bit time to move a byte into the TSR, so two
// back-to-back writes put both in its FIFO. Counting writes gives the same answer.)
void Uart16550::start_next_char() {
  if (m_tsr_busy || m_tx.empty()) return;
  m_tsr = m_tx.front();
  m_tx.pop_front();
  m_tsr_busy = true;
  u64 frame = line_time(frame_half_bits());
  arm(m_frame_end, frame, &Uart16550::on_frame_end);
  if (!m_tx.empty()) return;
  if (fifo_enabled() && m_writes_since_thre < 2) {
    m_thre_hold = true;
    arm(m_thre_release, frame - line_time(stop_half_bits()), &Uart16550::on_thre_release);
  } else {
    thre_rise();
  }
}

// The last stop bit of the TSR's character has gone out.
void Uart16550::on_frame_end() {
  m_tsr_busy = false;
  if (m_tsr.looped) accept_char(m_tsr.byte, 0);
  start_next_char();
}

void Uart16550::on_thre_release() {
  m_thre_hold = false;
  if (m_tx.empty()) thre_rise();
}

// THRE goes from 0 to 1: latch the THRE interrupt (it shows in IIR when ETBEI is set).
void Uart16550::thre_rise() {
  disarm(m_thre_release);
  m_thre_hold = false;
  m_writes_since_thre = 0;
  m_thre_pending = true;
}

// FCR2 (or a FIFO mode change) empties the TX FIFO; the TSR finishes its character.
// THRE rising latches the THRE interrupt; after a mode change it is latched even if
// THRE was already 1 ("the first transmitter interrupt after changing FCR0 will be
// immediate").
void Uart16550::reset_tx_fifo(bool fifo_mode_changed) {
  bool was_empty = thre();
  m_tx.clear();
  if (!was_empty || fifo_mode_changed) thre_rise();
}

// ---- receiver ----------------------------------------------------------------------

void Uart16550::receive(u8 byte, u8 line_errors) {
  if (m_mcr & MCR_LOOP) return;  // the serial input is disconnected in loopback
  accept_char(byte, line_errors & (LSR_PE | LSR_FE | LSR_BI));
  update_irq();
}

// A complete character leaves the receiver shift register. With no room it is an
// overrun: in FIFO mode the character is lost, in 16450 mode it overwrites the RBR.
void Uart16550::accept_char(u8 byte, u8 errors) {
  ++m_rx_bytes;
  if (m_rx.size() >= fifo_capacity()) {
    ++m_overruns;
    m_lsr_errors |= LSR_OE;
    if (!fifo_enabled()) {
      m_rx.back() = {byte, errors};
      reveal_errors(errors);
    }
  } else {
    m_rx.push_back({byte, errors});
    if (m_rx.size() == 1) reveal_errors(errors);
    if (fifo_enabled() && errors) m_fifo_error = true;
  }
  restart_rx_timeout();
}

// PE, FE and BI belong to one character and show in LSR when it reaches the top of
// the FIFO (the RBR).
void Uart16550::reveal_errors(u8 errors) { m_lsr_errors |= errors; }

// Reading RBR takes the top character; the next one (if any) becomes the top and its
// errors show. An empty RBR reads back the last character again.
u8 Uart16550::read_rbr() {
  if (m_rx.empty()) return m_rbr;
  m_rbr = m_rx.front().byte;
  m_rx.pop_front();
  if (!m_rx.empty()) reveal_errors(m_rx.front().errors);
  m_timeout = false;
  restart_rx_timeout();
  resume_input();
  return m_rbr;
}

// Received data available: the RBR is full (16450 mode), or the FIFO holds at least
// the trigger level.
bool Uart16550::rx_data_available() const {
  if (!fifo_enabled()) return !m_rx.empty();
  static constexpr size_t kTriggerLevels[4] = {1, 4, 8, 14};
  return m_rx.size() >= kTriggerLevels[m_fcr >> 6];
}

// The character timeout (FIFO mode only) fires when characters sit in the FIFO and
// for four character times nothing was received and nothing was read; each of those
// events starts the four character times again.
void Uart16550::restart_rx_timeout() {
  disarm(m_rx_timeout);
  if (fifo_enabled() && !m_rx.empty())
    arm(m_rx_timeout, 4 * line_time(frame_half_bits()), &Uart16550::on_rx_timeout);
}

void Uart16550::on_rx_timeout() {
  if (!m_rx.empty()) m_timeout = true;
}

void Uart16550::reset_rx_fifo() {
  m_rx.clear();
  m_fifo_error = false;
  m_timeout = false;
  disarm(m_rx_timeout);
  resume_input();
}

// ---- host input --------------------------------------------------------------------

void Uart16550::set_input(ByteSource* source) {
  disarm(m_input_pull);
  m_input = source;
  resume_input();
}

bool Uart16550::can_receive_from_line() const {
  return !(m_mcr & MCR_LOOP) && m_rx.size() < fifo_capacity();
}

// Start pulling host input again, one character time from now, if there is a source
// with more to give and the receiver has room. Called wherever room may appear.
void Uart16550::resume_input() {
  if (!m_input || m_input_pull.armed || m_input->at_end() || !can_receive_from_line()) return;
  arm(m_input_pull, line_time(frame_half_bits()), &Uart16550::on_input_pull);
}

// One character time has passed: take a byte if the source has one (a source with
// nothing yet is asked again a character time later). Pulling stops while the
// receiver is full and resumes when the guest reads RBR.
void Uart16550::on_input_pull() {
  if (!m_input || !can_receive_from_line()) return;
  if (std::optional<u8> byte = m_input->poll()) accept_char(*byte, 0);
  resume_input();
}

}  // namespace vmlab
