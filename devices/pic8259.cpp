#include "devices/pic8259.h"

#include <algorithm>
#include <string>

#include "core/bus.h"
#include "core/counters.h"

namespace vmlab {

// ---------------------------------------------------------------------------------------
// One 8259A
// ---------------------------------------------------------------------------------------

// Power-on state (see the header: the datasheet leaves it undefined). Everything masked,
// nothing latched or in service, fixed priority, OCWs expected. The IR pin levels are
// left alone: the devices driving them are not reset by resetting this chip.
void Pic8259::reset() {
  m_irr = 0;  // ELCR and LTIM are 0: every input is edge-triggered and none has fired
  m_isr = 0;
  m_imr = 0xFF;
  m_elcr = 0;
  m_icw1 = m_icw2 = m_icw3 = m_icw4 = 0;
  m_next_icw = 0;
  m_lowest = 7;
  m_read_isr = m_poll = m_special_mask = m_rotate_aeoi = false;
}

// A write from the CPU. With A0=0, D4 selects ICW1 and otherwise D3 tells OCW3 from
// OCW2; this holds even in the middle of an ICW sequence. With A0=1 the byte is the
// next ICW while initializing and OCW1 (IMR) otherwise.
void Pic8259::write(bool a0, u8 value) {
  if (a0) {
    write_data(value);
  } else if (value & ICW1_INIT) {
    write_icw1(value);
  } else if (value & OCW3_SEL) {
    write_ocw3(value);
  } else {
    write_ocw2(value);
  }
}

// ICW1 starts initialization. Per the datasheet it resets the edge sense circuit (a
// line already high must fall and rise again to request), clears IMR, gives IR7 the
// lowest priority, sets the slave address to 7, clears special mask mode, selects IRR
// for status reads and, without IC4, zeroes every ICW4 function. ISR and the rotate-in-
// AEOI flag are not listed and are kept. The datasheet is silent about a pending poll;
// it is dropped so that a read during initialization cannot acknowledge anything.
void Pic8259::write_icw1(u8 value) {
  m_icw1 = value;
  m_irr = m_lines & level_mask();  // level inputs keep following their lines
  m_imr = 0;
  m_lowest = 7;
  if (!m_sp_en) m_icw3 = 7;
  m_special_mask = false;
  m_read_isr = false;
  m_poll = false;
  if (!(value & ICW1_IC4)) m_icw4 = 0;
  m_next_icw = 2;
}

// A0=1: ICW2, ICW3 (cascade mode only), ICW4 (when ICW1 asked for it), then OCW1.
void Pic8259::write_data(u8 value) {
  switch (m_next_icw) {
    case 2:
      m_icw2 = value;
      m_next_icw = !(m_icw1 & ICW1_SNGL) ? 3 : (m_icw1 & ICW1_IC4) ? 4 : 0;
      break;
    case 3:
      m_icw3 = value;
      m_next_icw = (m_icw1 & ICW1_IC4) ? 4 : 0;
      break;
    case 4:
      m_icw4 = value & 0x1F;  // D7-D5 are 0 in the ICW4 format
      m_next_icw = 0;
      break;
    default:
      m_imr = value;  // OCW1
      break;
  }
}

// OCW2: the R, SL and EOI bits select one of eight commands; SL=1 commands act on the
// level L2-L0 instead of the highest-priority in-service level.
void Pic8259::write_ocw2(u8 value) {
  const unsigned level = value & 7;
  const int highest = highest_in_service();
  switch (value >> 5) {
    case 0: m_rotate_aeoi = false; break;  // rotate in automatic EOI mode (clear)
    case 4: m_rotate_aeoi = true; break;   // rotate in automatic EOI mode (set)
    case 1:                                // non-specific EOI
      if (highest >= 0) m_isr &= ~bit(unsigned(highest));
      break;
    case 5:  // rotate on non-specific EOI: the level just finished becomes the lowest
      if (highest >= 0) {
        m_isr &= ~bit(unsigned(highest));
        m_lowest = u8(highest);
      }
      break;
    case 3: m_isr &= ~bit(level); break;  // specific EOI
    case 7:                               // rotate on specific EOI
      m_isr &= ~bit(level);
      m_lowest = u8(level);
      break;
    case 6: m_lowest = u8(level); break;  // set priority command
    default: break;                       // 2: no operation
  }
}

// OCW3: P arms the poll; RR=1 selects IRR or ISR (RIS) for later reads; ESMM=1 sets or
// clears special mask mode (SMM). Fields whose enable bit is 0 keep their old setting.
void Pic8259::write_ocw3(u8 value) {
  if (value & OCW3_P) m_poll = true;
  if (value & OCW3_RR) m_read_isr = value & OCW3_RIS;
  if (value & OCW3_ESMM) m_special_mask = value & OCW3_SMM;
}

// A read from the CPU. The first read after a poll command, at either address, is the
// poll word; otherwise A0=1 reads IMR and A0=0 the register OCW3 selected.
u8 Pic8259::read(bool a0) {
  if (m_poll) {
    m_poll = false;
    return poll();
  }
  if (a0) return m_imr;
  return m_read_isr ? m_isr : m_irr;
}

// The poll word: I (bit 7) set and W2-W0 the highest-priority request, which the read
// acknowledges like an INTA. Without a request it is 0 and nothing changes. The poll
// never goes through the cascade: a master polled for IR2 says 0x82 and software polls
// the slave next.
u8 Pic8259::poll() {
  if (deliverable() < 0) return 0;
  return u8(0x80 | acknowledge().ir);
}

// Drive IR pin `ir`. Returns true when this made a new request: a rising edge on an
// edge-triggered input whose IRR bit was clear (an edge while already pending is the
// same request), or a level-triggered input going high.
bool Pic8259::set_input(unsigned ir, bool high) {
  const u8 b = bit(ir & 7);
  const bool rising = high && !(m_lines & b);
  m_lines = high ? u8(m_lines | b) : u8(m_lines & ~b);
  const bool was_requested = m_irr & b;
  if (level_mask() & b) {
    m_irr = high ? u8(m_irr | b) : u8(m_irr & ~b);
    return high && !was_requested;
  }
  if (!rising || was_requested) return false;
  m_irr |= b;
  return true;
}

// ELCR: 1 = level-triggered. A level input's IRR bit follows its line from now on; an
// input turned edge-triggered keeps what it had latched.
void Pic8259::set_elcr(u8 elcr) {
  m_elcr = elcr;
  const u8 level = level_mask();
  m_irr = u8((m_irr & ~level) | (m_lines & level));
}

// The IR the priority resolver would hand the CPU, or -1. Scan from the highest
// priority down: an unmasked request wins; an in-service level blocks itself and every
// lower one. In special mask mode masked in-service levels do not block; in special
// fully nested mode (master) a request from a slave may interrupt its own level.
int Pic8259::deliverable() const {
  const u8 pending = m_irr & ~m_imr;
  const u8 blocking = m_special_mask ? u8(m_isr & ~m_imr) : m_isr;
  const bool sfnm = (m_icw4 & ICW4_SFNM) && m_sp_en;
  for (unsigned rank = 0; rank < 8; ++rank) {
    const unsigned ir = by_priority(rank);
    if (blocking & bit(ir)) {
      return (sfnm && has_slave_on(ir) && (pending & bit(ir))) ? int(ir) : -1;
    }
    if (pending & bit(ir)) return int(ir);
  }
  return -1;
}

// The highest-priority in-service level a non-specific EOI clears, or -1. In special
// mask mode an ISR bit masked by IMR is skipped, as the datasheet warns.
int Pic8259::highest_in_service() const {
  const u8 candidates = m_special_mask ? u8(m_isr & ~m_imr) : m_isr;
  for (unsigned rank = 0; rank < 8; ++rank) {
    if (candidates & bit(by_priority(rank))) return int(by_priority(rank));
  }
  return -1;
}

// INTA. The resolved request moves from IRR to ISR (a level input's IRR bit stays: it
// shows the line). In auto-EOI mode the ISR bit is cleared again at the end of the
// cycle, rotating priority if "rotate in AEOI" is set. With nothing deliverable the
// chip answers IR7 and sets no ISR bit: a spurious interrupt.
Pic8259::Ack Pic8259::acknowledge() {
  const int resolved = deliverable();
  if (resolved < 0) return Ack{7, true};
  const unsigned ir = unsigned(resolved);
  if (!(level_mask() & bit(ir))) m_irr &= ~bit(ir);
  if (m_icw4 & ICW4_AEOI) {
    if (m_rotate_aeoi) m_lowest = u8(ir);
  } else {
    m_isr |= bit(ir);
  }
  return Ack{ir, false};
}

// The byte the CPU reads in the second INTA pulse. In 8086 mode that is the vector:
// ICW2 T7-T3 and the IR number. In MCS-80/85 mode it is the low byte of the CALL
// address: A7-A5 of ICW1 with IR in A4-A2 (ADI = 1, interval 4) or A7-A6 with IR in
// A5-A3 (ADI = 0, interval 8).
u8 Pic8259::vector(unsigned ir) const {
  ir &= 7;
  if (m_icw4 & ICW4_uPM) return u8((m_icw2 & 0xF8) | ir);
  if (m_icw1 & ICW1_ADI) return u8((m_icw1 & 0xE0) | (ir << 2));
  return u8((m_icw1 & 0xC0) | (ir << 3));
}

// Master side of the cascade: in cascade mode ICW3 marks the IRs that have a slave.
bool Pic8259::has_slave_on(unsigned ir) const {
  return m_sp_en && !(m_icw1 & ICW1_SNGL) && (m_icw3 & bit(ir & 7));
}

// Slave side: a slave in cascade mode answers when CAS2-0 carry its ICW3 ID.
bool Pic8259::answers_cascade(unsigned cas) const {
  return !m_sp_en && !(m_icw1 & ICW1_SNGL) && (m_icw3 & 7) == cas;
}

// ---------------------------------------------------------------------------------------
// The pair
// ---------------------------------------------------------------------------------------

PicPair::PicPair(Counters& counters)
    : m_acks(counters.device("pic.acks")), m_spurious(counters.device("pic.spurious")) {
  for (unsigned line = 0; line < m_requests.size(); ++line)
    m_requests[line] = &counters.device("pic.irq" + std::to_string(line) + ".requests");
}

void PicPair::attach(Bus& bus) {
  bus.map_ports(kMasterBase, 2, "pic.master",
                [this](IoAccess& a) { chip_io(m_master, kMasterBase, a); });
  bus.map_ports(kSlaveBase, 2, "pic.slave",
                [this](IoAccess& a) { chip_io(m_slave, kSlaveBase, a); });
  bus.map_ports(kElcrBase, 2, "pic.elcr", [this](IoAccess& a) { elcr_io(a); });
}

// Both chips to their power-on state (ELCR 0 included); INTR falls.
void PicPair::reset() {
  m_master.reset();
  m_slave.reset();
  m_intr = false;
  update();
}

// An ISA IRQ line changed level. Lines 0-7 reach master IR0-7 and 8-15 slave IR0-7;
// line 2 and lines past 15 have no pin on this pair and are ignored.
void PicPair::set_irq(unsigned line, bool level) {
  if (line >= 16 || line == kCascadeIr) return;
  Pic8259& chip = line < 8 ? m_master : m_slave;
  if (chip.set_input(line & 7, level)) ++*m_requests[line];
  update();
}

// The CPU's INTA cycle. The master resolves an IR; if ICW3 puts a slave there, the
// IR number goes out on CAS2-0 and the slave with that ID supplies the vector. If no
// slave answers, nobody drives the data bus and the CPU reads 0xFF.
u8 PicPair::intr_acknowledge() {
  ++m_acks;
  const Pic8259::Ack ack = m_master.acknowledge();
  bool spurious = ack.spurious;
  u8 vector;
  if (m_master.has_slave_on(ack.ir)) {
    vector = slave_acknowledge(ack.ir, spurious);
  } else {
    vector = m_master.vector(ack.ir);
  }
  if (spurious) ++m_spurious;
  update();
  return vector;
}

// The slave's half of INTA. Its INT output falls during the cycle, so a request still
// deliverable afterwards reaches master IR2 as a fresh rising edge in update().
u8 PicPair::slave_acknowledge(unsigned cas, bool& spurious) {
  if (!m_slave.answers_cascade(cas)) return 0xFF;
  const Pic8259::Ack ack = m_slave.acknowledge();
  spurious = spurious || ack.spurious;
  if (cas == kCascadeIr) m_master.set_input(kCascadeIr, false);
  return m_slave.vector(ack.ir);
}

// Carry the slave's INT to master IR2 and tell the CPU when INTR rises. Called after
// everything that can change either chip's output.
void PicPair::update() {
  if (m_master.set_input(kCascadeIr, m_slave.int_output())) ++*m_requests[kCascadeIr];
  const bool was = m_intr;
  m_intr = m_master.int_output();
  if (m_intr && !was && m_intr_changed) m_intr_changed();
}

// Ports of one chip. A wide access is split into byte cycles at port, port+1, ... as
// the ISA bus splits it for an 8-bit device; bytes past the chip's two ports are open
// bus. Byte 0 of the access is the lowest port.
void PicPair::chip_io(Pic8259& chip, u16 base, IoAccess& a) {
  u32 result = 0;
  const unsigned bytes = std::min<unsigned>(a.size, 4);
  for (unsigned i = 0; i < bytes; ++i) {
    const u32 offset = a.addr + i - base;
    u8 byte = a.is_write ? u8(a.data >> (8 * i)) : 0xFF;
    if (offset < 2) {
      if (a.is_write) {
        chip.write(offset == 1, byte);
      } else {
        byte = chip.read(offset == 1);
      }
    }
    result |= u32(byte) << (8 * i);
  }
  if (!a.is_write) a.data = result;
  update();
}

// ELCR1 (0x4D0, IRQ 0-7) and ELCR2 (0x4D1, IRQ 8-15), read/write, reserved bits 0.
// Split into byte cycles like chip_io.
void PicPair::elcr_io(IoAccess& a) {
  u32 result = 0;
  const unsigned bytes = std::min<unsigned>(a.size, 4);
  for (unsigned i = 0; i < bytes; ++i) {
    const u32 offset = a.addr + i - kElcrBase;
    Pic8259* chip = offset == 0 ? &m_master : offset == 1 ? &m_slave : nullptr;
    const u8 writable = offset == 0 ? kElcr1Writable : kElcr2Writable;
    u8 byte = a.is_write ? u8(a.data >> (8 * i)) : 0xFF;
    if (chip && a.is_write) chip->set_elcr(byte & writable);
    if (chip) byte = chip->elcr();
    result |= u32(byte) << (8 * i);
  }
  if (!a.is_write) a.data = result;
  update();
}

}  // namespace vmlab
