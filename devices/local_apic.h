// The local APIC of the (single) CPU, xAPIC as on a Pentium 4: SDM Vol. 3, chapter 10.
//
// What the guest sees: the register page at 0xFEE00000 (devices/local_apic_regs.h),
// version 0x14 with six LVT entries (timer, thermal, PMI, LINT0, LINT1, error; the
// version register reports max LVT entry 5). Thermal and PMI are registers only:
// vmlab has no thermal sensor and no performance counters to drive them.
//
// Interrupt flow (10.8):
//   source --accept()--> IRR --intr_acknowledge()--> ISR --EOI write--> done
//   A fixed interrupt waits in the IRR until its priority class (vector >> 4) is above
//   the class of the PPR (the higher of TPR and the vector in service). EOI retires the
//   highest ISR bit; if that vector was level-triggered (TMR bit set) on_eoi(vector)
//   tells the I/O APIC so it can clear Remote IRR.
//
// Pass-through. While the APIC is globally disabled (IA32_APIC_BASE[11] = 0, set by
// set_enabled) or software-disabled (SVR bit 8 = 0, the state after reset) LINT0 is
// the CPU's INTR line and LINT1 its NMI line, the PC's wiring before an OS enables the
// APIC. When enabled, LINT0 and LINT1 follow their LVT entries.
//
// ExtINT contract with the interrupt fabric. extint_pending() says that the interrupt
// the CPU would take next comes from the 8259A: in pass-through, or with LVT LINT0 in
// ExtINT mode and LINT0 asserted, or after an ExtINT message from the I/O APIC. Such
// interrupts bypass IRR, ISR and the priority rules (10.8.4 note), and take precedence
// over fixed ones here. The fabric's INTA is therefore:
//     if (lapic.extint_pending()) { vector = pic.intr_acknowledge(); lapic.extint_acknowledged(); }
//     else vector = lapic.intr_acknowledge();
// and the CPU's INTR is lapic.intr_pending(), which includes ExtINT.
//
// Choices where the SDM leaves freedom (each documented at its function):
//   - A fixed interrupt that arrives while the APIC is disabled is dropped (only INIT,
//     NMI, SMI and SIPI are answered then, 10.4.7.2). A software disable keeps what
//     IRR and ISR hold but signals none of it until re-enabled; a global disable
//     resets the APIC.
//   - INIT, SIPI and SMI have no effect on this CPU: they are counted, and an IPI to
//     an APIC ID that is not ours goes nowhere (the xAPIC has no send-accept error).
//   - APR reads 0: it exists for lowest-priority arbitration on the P6 APIC bus, and
//     with one CPU there is nothing to arbitrate.
//   - IPIs are delivered while the ICR is written, so delivery status always reads 0.
//   - Accesses that are not 4-byte reads/writes at a 16-byte aligned offset read 0 and
//     write nothing (the SDM calls them undefined); they count in lapic.bad_accesses.
#pragma once
#include <array>
#include <functional>

#include "core/bus.h"
#include "core/counters.h"
#include "core/types.h"
#include "core/virtual_clock.h"
#include "cpu/cpu.h"
#include "devices/apic_delivery.h"
#include "devices/apic_vector_bits.h"
#include "devices/local_apic_regs.h"
#include "devices/local_apic_timer.h"

namespace vmlab {

class LocalApic : public InterruptController {
 public:
  static constexpr u32 kBase = 0xFEE00000;  // IA32_APIC_BASE[31:12] after reset
  static constexpr u32 kWindowSize = 0x1000;
  static constexpr u8 kVersion = 0x14;
  static constexpr u8 kMaxLvtEntry = kLvtEntries - 1;

  // The IPI last written to the ICR, decoded (debug views, tests, the SMP issue).
  struct Ipi {
    u8 vector = 0;
    DeliveryMode mode = DeliveryMode::Fixed;
    IcrShorthand shorthand = IcrShorthand::None;
    u8 destination = 0;
    bool logical = false;
  };

  // apic_id is the hardware-assigned ID the APIC ID register holds after reset.
  LocalApic(u8 apic_id, const VirtualClock& clock, EventQueue& timers, Counters& counters);

  // The page stays at `base`: moving it through IA32_APIC_BASE[31:12] is not
  // supported, because the Bus cannot move a window once mapped.
  void attach(Bus& bus, u32 base = kBase);
  // Power-on / RESET (10.4.7.1): globally enabled, software-disabled, LVTs masked.
  void reset();
  // One access to the register page; access.addr is the offset in the page.
  void mmio(IoAccess& access);

  // --- Wiring (set by the Machine) ---
  // intr_pending() may have become true: call Cpu::notify_interrupt().
  std::function<void()> on_intr_changed;
  // EOI of a level-triggered vector: the I/O APIC clears Remote IRR.
  std::function<void(u8 vector)> on_eoi;
  // An NMI for the CPU (LINT1 in pass-through, LVT or IPI in NMI mode).
  std::function<void()> on_nmi;

  // IA32_APIC_BASE[11]. Clearing it returns the APIC to its reset state (10.4.3 allows
  // this) and puts LINT0/LINT1 in pass-through; the register page then reads as open
  // bus (all ones) and ignores writes, as if no APIC were there.
  void set_enabled(bool enabled);
  bool enabled() const { return m_enabled; }
  bool software_enabled() const { return m_svr & SVR_APIC_ENABLE; }

  // Input pins. LINT0 carries the 8259A's INTR; LINT1 usually the chipset's NMI.
  void set_lint0(bool level) { set_lint(0, level); }
  void set_lint1(bool level) { set_lint(1, level); }

  // A fixed interrupt arrives (from the I/O APIC, an IPI or a local source): set its
  // IRR bit, and its TMR bit when level-triggered. Returns false if it was refused
  // (APIC disabled, or an illegal vector 0-15, which sets ESR bit 6).
  bool accept(u8 vector, bool level);
  // An interrupt message in any delivery mode (the I/O APIC's output goes here).
  void deliver(u8 vector, bool level, DeliveryMode mode);

  // --- InterruptController (see the ExtINT contract above) ---
  bool intr_pending() const override;
  // Moves the highest IRR vector to the ISR and returns it, or returns the spurious
  // vector (SVR[7:0], nothing set in the ISR) when no interrupt may be taken any more.
  u8 intr_acknowledge() override;
  bool extint_pending() const;
  // The fabric ran the 8259A's INTA for an ExtINT interrupt.
  void extint_acknowledged() { m_extint_message = false; }

  // --- Read-only views (debugger, tests) ---
  u8 apic_id() const { return m_apic_id; }
  u8 tpr() const { return u8(m_tpr); }
  u8 ppr() const;
  const ApicVectorBits& irr() const { return m_irr; }
  const ApicVectorBits& isr() const { return m_isr; }
  const ApicVectorBits& tmr() const { return m_tmr; }
  u32 lvt(LvtEntry entry) const { return m_lvt[entry]; }
  const LocalApicTimer& timer() const { return m_timer; }
  const Ipi& last_ipi() const { return m_last_ipi; }

 private:
  // local_apic_mmio.cpp: the register page.
  u32 read_register(u32 offset);
  void write_register(u32 offset, u32 value);
  void write_svr(u32 value);
  void write_lvt(LvtEntry entry, u32 value);
  void write_icr_low(u32 value);

  // local_apic.cpp: interrupt logic.
  void reset_state();
  bool pass_through() const { return !m_enabled || !software_enabled(); }
  void changed();
  void eoi();
  void set_lint(unsigned pin, bool level);
  bool lint_asserted(unsigned pin) const;
  void check_lint_level(unsigned pin);
  void clear_lint_remote_irr(u8 vector);
  void deliver_lvt(LvtEntry entry, bool level);
  void timer_expired();
  void signal_error(u32 esr_bit);
  void raise_nmi();
  void send_ipi(const Ipi& ipi);
  bool matches_destination(u8 destination, bool logical) const;

  const u8 m_reset_id;
  u8 m_apic_id;
  bool m_enabled = true;
  u32 m_tpr = 0, m_ldr = 0, m_dfr = ~0u, m_svr = 0xFF;
  u32 m_icr_low = 0, m_icr_high = 0;
  std::array<u32, kLvtEntries> m_lvt{};
  ApicVectorBits m_irr, m_isr, m_tmr;
  // Errors since the last ESR write; an ESR write latches them into m_esr (10.5.3).
  u32 m_esr = 0, m_esr_pending = 0;
  bool m_in_error = false;  // delivering the error interrupt: no recursion
  std::array<bool, 2> m_lint{};  // pin levels as driven, before polarity
  bool m_extint_message = false;
  Ipi m_last_ipi;
  LocalApicTimer m_timer;

  u64& m_bad_accesses;
  u64& m_spurious;
  u64& m_dropped;
  u64& m_ignored;
  u64& m_ipis;
  u64& m_ipi_init;
  u64& m_ipi_startup;
  u64& m_ipi_no_target;
  u64& m_ipi_invalid;
  u64& m_timer_expiries;
  u64& m_nmis;
};

}  // namespace vmlab
