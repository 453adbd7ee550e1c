// 16550A register file, interrupt identification and modem status. The serial line
// (FIFOs, character timing, host input) is in uart16550_line.cpp.
#include "devices/uart16550.h"

namespace vmlab {

Uart16550::Uart16550(std::string name, const VirtualClock& clock, EventQueue& timers,
                     Counters& counters, IrqLine irq, std::function<void(u8)> output)
    : m_name(std::move(name)),
      m_clock(clock),
      m_timers(timers),
      m_irq(irq),
      m_output(std::move(output)),
      m_tx_bytes(counters.device(m_name + ".tx_bytes")),
      m_rx_bytes(counters.device(m_name + ".rx_bytes")),
      m_overruns(counters.device(m_name + ".overruns")),
      m_tx_overflows(counters.device(m_name + ".tx_overflows")) {
  m_msr_lines = m_modem_inputs;
}

// Our timer callbacks point at this object, so none may outlive it.
Uart16550::~Uart16550() {
  disarm(m_rx_timeout);
  disarm(m_input_pull);
  disarm(m_frame_end);
  disarm(m_thre_release);
}

void Uart16550::attach(Bus& bus, u16 base) {
  m_base = base;
  bus.map_ports(base, 8, m_name, [this](IoAccess& a) { io(a); });
}

// Reset values from the datasheet's reset table: every register bit low except LSR
// THRE and TEMT (the transmitter is idle) and MSR bits 7-4 (they follow the inputs).
// The divisor latch and SCR are not reset. Host input resumes with the empty FIFO.
void Uart16550::reset() {
  disarm(m_rx_timeout);
  disarm(m_frame_end);
  disarm(m_thre_release);
  m_ier = m_lcr = m_mcr = m_fcr = 0;
  m_lsr_errors = 0;
  m_fifo_error = false;
  m_msr_deltas = 0;
  m_msr_lines = m_modem_inputs;
  m_rx.clear();
  m_timeout = false;
  m_tx.clear();
  m_tsr_busy = false;
  m_thre_hold = false;
  m_writes_since_thre = 0;
  m_thre_pending = false;
  resume_input();
  update_irq();
}

// An ISA bus turns a 16- or 32-bit IN/OUT into byte cycles at consecutive ports, so a
// wide access here is that many register accesses, low byte first. Bytes that fall
// past our eight ports read as open bus (0xFF); writes to them are dropped.
void Uart16550::io(IoAccess& access) {
  u32 result = 0;
  for (u32 i = 0; i < access.size; ++i) {
    u32 offset = access.addr - m_base + i;
    if (access.is_write) {
      if (offset < 8) write_register(u8(offset), u8(access.data >> (8 * i)));
    } else {
      u32 byte = offset < 8 ? read_register(u8(offset)) : 0xFF;
      result |= byte << (8 * i);
    }
  }
  if (!access.is_write) access.data = result;
  update_irq();
}

// One byte read from the register at `offset`, with the read's side effects
// (RBR pops the FIFO, IIR/LSR/MSR acknowledge their interrupts).
u8 Uart16550::read_register(u8 offset) {
  bool dlab = m_lcr & LCR_DLAB;
  switch (offset) {
    case RBR: return dlab ? u8(m_divisor) : read_rbr();
    case IER: return dlab ? u8(m_divisor >> 8) : m_ier;
    case IIR: return read_iir();
    case LCR: return m_lcr;
    case MCR: return m_mcr;
    case LSR: return read_lsr();
    case MSR: return read_msr();
    default: return m_scr;
  }
}

// LSR and MSR writes are ignored: the datasheet reserves them for factory test.
void Uart16550::write_register(u8 offset, u8 value) {
  bool dlab = m_lcr & LCR_DLAB;
  switch (offset) {
    case THR:
      if (dlab) m_divisor = u16((m_divisor & 0xFF00) | value);
      else write_thr(value);
      break;
    case IER:
      if (dlab) m_divisor = u16((m_divisor & 0x00FF) | (value << 8));
      else write_ier(value);
      break;
    case FCR: write_fcr(value); break;
    case LCR: m_lcr = value; break;
    case MCR: write_mcr(value); break;
    case SCR: m_scr = value; break;
    default: break;
  }
}

// The highest-priority interrupt that is both pending and enabled, as its IIR code,
// or IIR_NO_INT. The order is the datasheet's: line status, received data (trigger
// level), character timeout, THR empty, modem status.
u8 Uart16550::interrupt_id() const {
  if ((m_ier & IER_ELSI) && m_lsr_errors) return IIR_RLS;
  if ((m_ier & IER_ERBFI) && rx_data_available()) return IIR_RDA;
  if ((m_ier & IER_ERBFI) && m_timeout) return IIR_CTI;
  if ((m_ier & IER_ETBEI) && m_thre_pending) return IIR_THRE;
  if ((m_ier & IER_EDSSI) && m_msr_deltas) return IIR_MS;
  return IIR_NO_INT;
}

// Reading IIR is how the THRE interrupt is acknowledged, but only when IIR names it:
// a guest that reads IIR while a higher-priority interrupt shows has not seen THRE.
u8 Uart16550::read_iir() {
  u8 id = interrupt_id();
  if (id == IIR_THRE) m_thre_pending = false;
  return u8(id | (fifo_enabled() ? IIR_FIFOS_ENABLED : 0));
}

// Reading LSR reports and then clears the latched errors (OE, and PE/FE/BI of the
// character at the top of the FIFO). Bit 7 stays set while an errored character is
// still in the FIFO.
u8 Uart16550::read_lsr() {
  u8 value = m_lsr_errors;
  if (!m_rx.empty()) value |= LSR_DR;
  if (thre()) value |= LSR_THRE;
  if (temt()) value |= LSR_TEMT;
  if (fifo_enabled() && m_fifo_error) value |= LSR_RCVR_FIFO_ERROR;
  m_lsr_errors = 0;
  m_fifo_error = false;
  for (const RxChar& c : m_rx) m_fifo_error |= c.errors != 0;
  return value;
}

// Reading MSR clears the delta bits, which acknowledges the modem status interrupt.
u8 Uart16550::read_msr() {
  u8 value = u8(m_msr_lines | m_msr_deltas);
  m_msr_deltas = 0;
  return value;
}

// Enabling ETBEI while THRE is 1 raises the THRE interrupt at once (drivers rely on
// this to restart transmission).
void Uart16550::write_ier(u8 value) {
  bool was_enabled = m_ier & IER_ETBEI;
  m_ier = value & (IER_ERBFI | IER_ETBEI | IER_ELSI | IER_EDSSI);
  if (!was_enabled && (m_ier & IER_ETBEI) && thre()) m_thre_pending = true;
}

// Switching FIFO mode on or off empties both FIFOs (the shift register keeps its
// character). The other FCR bits are only programmed when FCR0 is written 1.
void Uart16550::write_fcr(u8 value) {
  bool enable = value & FCR_FIFO_ENABLE;
  bool mode_changed = enable != fifo_enabled();
  m_fcr = enable ? u8(value & (FCR_FIFO_ENABLE | FCR_DMA_MODE | FCR_RCVR_TRIGGER)) : 0;
  if (mode_changed || (enable && (value & FCR_RCVR_RESET))) reset_rx_fifo();
  if (mode_changed || (enable && (value & FCR_XMIT_RESET))) reset_tx_fifo(mode_changed);
}

// MCR bits 7-5 do not exist on the 16550A and read as 0. LOOP changes where MSR's
// line bits come from and whether the serial input is connected.
void Uart16550::write_mcr(u8 value) {
  m_mcr = value & (MCR_DTR | MCR_RTS | MCR_OUT1 | MCR_OUT2 | MCR_LOOP);
  update_modem_status();
  resume_input();
}

// Recompute MSR bits 7-4 and set the delta bits for what changed. In loopback the
// modem inputs are disconnected and the MCR outputs feed them inside the chip:
// RTS -> CTS, DTR -> DSR, OUT1 -> RI, OUT2 -> DCD. TERI is set only on the trailing
// edge of RI (RI going from 1 to 0: the ring has ended).
void Uart16550::update_modem_status() {
  u8 lines = m_modem_inputs;
  if (m_mcr & MCR_LOOP) {
    lines = 0;
    if (m_mcr & MCR_RTS) lines |= MSR_CTS;
    if (m_mcr & MCR_DTR) lines |= MSR_DSR;
    if (m_mcr & MCR_OUT1) lines |= MSR_RI;
    if (m_mcr & MCR_OUT2) lines |= MSR_DCD;
  }
  u8 changed = lines ^ m_msr_lines;
  if (changed & MSR_CTS) m_msr_deltas |= MSR_DCTS;
  if (changed & MSR_DSR) m_msr_deltas |= MSR_DDSR;
  if ((m_msr_lines & MSR_RI) && !(lines & MSR_RI)) m_msr_deltas |= MSR_TERI;
  if (changed & MSR_DCD) m_msr_deltas |= MSR_DDCD;
  m_msr_lines = lines;
}

// The host changed the modem input pins; in loopback they are disconnected, so only
// the MSR of a later return to normal mode sees the change.
void Uart16550::set_modem_inputs(u8 msr_lines) {
  m_modem_inputs = msr_lines & (MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD);
  update_modem_status();
  update_irq();
}

// Drive the IRQ line only when its level changes, so the interrupt controller sees
// exactly the edges the ISA line would carry.
void Uart16550::update_irq() {
  bool out2_pin_active = ((m_mcr & MCR_OUT2) || !m_out2_gates_irq) && !(m_mcr & MCR_LOOP);
  bool level = out2_pin_active && interrupt_id() != IIR_NO_INT;
  if (level == m_irq_level) return;
  m_irq_level = level;
  m_irq.set(level);
}

}  // namespace vmlab
