// The PC's pair of 8259A programmable interrupt controllers, and the PIIX ELCR.
//
//              IRQ0-7                    IRQ8-15
//                |                          |
//   INTR <-- [ master 0x20/0x21 ] <-IR2-- [ slave 0xA0/0xA1 ]      ELCR 0x4D0 (IRQ 0-7)
//     --> INTA: master resolves an IR; if ICW3 says a slave sits      0x4D1 (IRQ 8-15)
//        there, it drives that IR number on CAS2-0 and the slave
//        whose ICW3 ID matches supplies the vector.
//
// Each 8259A holds three 8-bit registers: IRR (requests latched from the IR pins),
// ISR (requests the CPU is servicing) and IMR (masked inputs). On INTA the highest-
// priority unmasked IRR bit whose priority is above every ISR bit moves to ISR and its
// vector (ICW2 bits 7-3 | IR number) goes to the CPU. Port A0=0 takes ICW1, OCW2 and
// OCW3 (told apart by D4 and D3) and reads IRR or ISR; port A0=1 takes ICW2-ICW4 during
// initialization, OCW1 (IMR) otherwise, and reads IMR.
//
// Where vmlab departs from (or has to choose for) the datasheet:
//  - Power-on contents are undefined in the datasheet. reset() leaves both chips with
//    IMR = 0xFF, IRR = ISR = 0, vector base 0, so nothing is delivered before software
//    runs the ICW sequence (which clears IMR, as ICW1 does).
//  - An edge-triggered request stays latched in IRR if the line falls again before
//    INTA (the real part wants the line held until INTA). Devices signal edges with
//    IrqLine::pulse(), so the latch must hold. Level-triggered requests follow the line.
//  - Trigger mode per input is level if ICW1 LTIM is set or its ELCR bit is set.
//  - Master IR2 is driven only by the slave's INT, as on the PC/AT; set_irq(2) does
//    nothing (ISA "IRQ2" devices are wired to IRQ9).
//  - Spurious: if nothing is deliverable at INTA the chip answers with its IR7 vector
//    without setting ISR. A spurious slave leaves master ISR bit 2 set, so an OS must
//    still send the master an EOI for a spurious IRQ15.
//  - The slave's INT falls during an INTA it answers; a request still deliverable
//    afterwards (auto-EOI, special mask mode) raises INT again: a new edge on IR2.
//  - Master/slave roles come from the SP/EN wiring; ICW4 BUF and M/S are stored only.
//  - With ICW4 uPM = 0 (MCS-80/85 mode) the CPU gets the byte the chip drives on the
//    second INTA pulse: the low byte of the CALL address (ICW1 A7-A5, ADI interval).
//  - Wide port accesses are split into byte cycles as the ISA bus does; bytes that
//    fall outside the pair's ports read as open bus (0xFF) and writes to them are lost.
#pragma once
#include <array>
#include <functional>

#include "core/irq.h"
#include "core/types.h"
#include "cpu/cpu.h"

namespace vmlab {

class Bus;
struct Counters;
struct IoAccess;

// One 8259A. PicPair wires two of them; tests and debug views read them directly.
class Pic8259 {
 public:
  // ICW1 (A0=0, D4=1)
  static constexpr u8 ICW1_IC4 = 0x01, ICW1_SNGL = 0x02, ICW1_ADI = 0x04, ICW1_LTIM = 0x08,
                      ICW1_INIT = 0x10;
  // ICW4
  static constexpr u8 ICW4_uPM = 0x01, ICW4_AEOI = 0x02, ICW4_MS = 0x04, ICW4_BUF = 0x08,
                      ICW4_SFNM = 0x10;
  // OCW2 (A0=0, D4=0, D3=0): R SL EOI in bits 7-5, L2-L0 in bits 2-0
  static constexpr u8 OCW2_EOI = 0x20, OCW2_SL = 0x40, OCW2_R = 0x80;
  // OCW3 (A0=0, D4=0, D3=1)
  static constexpr u8 OCW3_RIS = 0x01, OCW3_RR = 0x02, OCW3_P = 0x04, OCW3_SEL = 0x08,
                      OCW3_SMM = 0x20, OCW3_ESMM = 0x40;

  // What an INTA cycle did: the IR number answered (7 when spurious).
  struct Ack {
    unsigned ir;
    bool spurious;
  };

  // sp_en: the level of the SP/EN pin, true for the master.
  explicit Pic8259(bool sp_en) : m_sp_en(sp_en) { reset(); }

  void reset();
  void write(bool a0, u8 value);
  u8 read(bool a0);  // not const: a read after the poll command is an acknowledge
  bool set_input(unsigned ir, bool high);
  void set_elcr(u8 elcr);
  bool int_output() const { return deliverable() >= 0; }
  Ack acknowledge();
  u8 vector(unsigned ir) const;
  bool has_slave_on(unsigned ir) const;
  bool answers_cascade(unsigned cas) const;

  // Read-only state for debug views and tests.
  u8 irr() const { return m_irr; }
  u8 isr() const { return m_isr; }
  u8 imr() const { return m_imr; }
  u8 elcr() const { return m_elcr; }
  u8 vector_base() const { return m_icw2 & 0xF8; }
  u8 icw1() const { return m_icw1; }
  u8 icw3() const { return m_icw3; }
  u8 icw4() const { return m_icw4; }
  u8 lowest_priority() const { return m_lowest; }
  bool special_mask_mode() const { return m_special_mask; }
  bool rotate_in_auto_eoi() const { return m_rotate_aeoi; }
  bool initializing() const { return m_next_icw != 0; }

 private:
  static constexpr u8 bit(unsigned ir) { return u8(1u << ir); }
  u8 level_mask() const { return (m_icw1 & ICW1_LTIM) ? 0xFF : m_elcr; }
  unsigned by_priority(unsigned rank) const { return (m_lowest + 1 + rank) & 7; }
  int deliverable() const;
  int highest_in_service() const;
  void write_icw1(u8 value);
  void write_data(u8 value);
  void write_ocw2(u8 value);
  void write_ocw3(u8 value);
  u8 poll();

  const bool m_sp_en;
  u8 m_lines = 0;  // levels on IR7-IR0; driven from outside, so reset() keeps them
  u8 m_irr = 0, m_isr = 0, m_imr = 0, m_elcr = 0;
  u8 m_icw1 = 0, m_icw2 = 0, m_icw3 = 0, m_icw4 = 0;
  u8 m_next_icw = 0;  // 2, 3 or 4 during initialization, 0 when OCWs are expected
  u8 m_lowest = 7;    // IR with the lowest priority; IR m_lowest+1 has the highest
  bool m_read_isr = false, m_poll = false, m_special_mask = false, m_rotate_aeoi = false;
};

// The master/slave pair as the CPU and the ISA IRQ lines see it.
class PicPair : public InterruptController, public IrqSink {
 public:
  static constexpr u16 kMasterBase = 0x20, kSlaveBase = 0xA0, kElcrBase = 0x4D0;
  static constexpr unsigned kCascadeIr = 2;
  // ELCR bits that are reserved (always 0) on the PIIX: IRQ 0, 1, 2 and 8, 13.
  static constexpr u8 kElcr1Writable = 0xF8, kElcr2Writable = 0xDE;

  explicit PicPair(Counters& counters);
  void attach(Bus& bus);
  void reset();
  // `callback` runs each time INTR goes from deasserted to asserted (a device raised a
  // line, a mask or EOI let a waiting request through, ...), never while it stays high.
  void set_intr_changed(std::function<void()> callback) { m_intr_changed = std::move(callback); }

  void set_irq(unsigned line, bool level) override;
  bool intr_pending() const override { return m_master.int_output(); }
  u8 intr_acknowledge() override;

  const Pic8259& master() const { return m_master; }
  const Pic8259& slave() const { return m_slave; }

 private:
  void chip_io(Pic8259& chip, u16 base, IoAccess& access);
  void elcr_io(IoAccess& access);
  u8 slave_acknowledge(unsigned cas, bool& spurious);
  void update();

  Pic8259 m_master{true};
  Pic8259 m_slave{false};
  bool m_intr = false;  // INTR as last seen, to report only its rising edges
  std::function<void()> m_intr_changed;
  std::array<u64*, 16> m_requests{};
  u64& m_acks;
  u64& m_spurious;
};

}  // namespace vmlab
