#include "devices/local_apic.h"

namespace vmlab {

namespace {

DeliveryMode lvt_mode(u32 lvt) {
  return DeliveryMode((lvt & LVT_DELIVERY_MODE) >> LVT_DELIVERY_MODE_SHIFT);
}

u8 priority_class(u32 vector) { return u8(vector >> 4); }

}  // namespace

LocalApic::LocalApic(u8 apic_id, const VirtualClock& clock, EventQueue& timers,
                     Counters& counters)
    : m_reset_id(apic_id),
      m_apic_id(apic_id),
      m_timer(clock, timers, [this] { timer_expired(); }),
      m_bad_accesses(counters.device("lapic.bad_accesses")),
      m_spurious(counters.device("lapic.spurious")),
      m_dropped(counters.device("lapic.dropped_while_disabled")),
      m_ignored(counters.device("lapic.ignored_deliveries")),
      m_ipis(counters.device("lapic.ipis")),
      m_ipi_init(counters.device("lapic.ipi_init")),
      m_ipi_startup(counters.device("lapic.ipi_startup")),
      m_ipi_no_target(counters.device("lapic.ipi_no_target")),
      m_ipi_invalid(counters.device("lapic.ipi_invalid")),
      m_timer_expiries(counters.device("lapic.timer_expiries")),
      m_nmis(counters.device("lapic.nmis")) {
  reset_state();
}

void LocalApic::attach(Bus& bus, u32 base) {
  bus.map_mmio(base, kWindowSize, "lapic", [this](IoAccess& a) { mmio(a); });
}

void LocalApic::reset() {
  reset_state();
  m_enabled = true;
  changed();
}

// Register values after power-up or RESET (10.4.7.1). The pin levels are not APIC
// state: the devices driving LINT0/LINT1 keep them.
void LocalApic::reset_state() {
  m_apic_id = m_reset_id;
  m_tpr = m_ldr = 0;
  m_dfr = ~0u;
  m_svr = 0xFF;
  m_icr_low = m_icr_high = 0;
  m_lvt.fill(LVT_MASK);
  m_irr.clear_all();
  m_isr.clear_all();
  m_tmr.clear_all();
  m_esr = m_esr_pending = 0;
  m_extint_message = false;
  m_last_ipi = Ipi{};
  m_timer.reset();
}

void LocalApic::set_enabled(bool enabled) {
  if (enabled == m_enabled) return;
  if (!enabled) reset_state();
  m_enabled = enabled;
  changed();
}

void LocalApic::changed() {
  if (on_intr_changed) on_intr_changed();
}

// PPR (10.8.3.1): the task priority, unless the vector in service has a higher class;
// then that class with sub-class 0.
u8 LocalApic::ppr() const {
  u8 isrv = m_isr.highest();
  if (priority_class(m_tpr) >= priority_class(isrv)) return u8(m_tpr);
  return u8(isrv & 0xF0);
}

// A fixed interrupt is taken into the IRR; TMR records its trigger mode (10.8.4).
// A second one of the same vector while the first waits merges with it.
bool LocalApic::accept(u8 vector, bool level) {
  if (pass_through()) {
    ++m_dropped;
    return false;
  }
  if (vector < 16) {
    signal_error(ESR_RECEIVE_ILLEGAL_VECTOR);
    return false;
  }
  m_irr.set(vector);
  m_tmr.assign(vector, level);
  changed();
  return true;
}

// Messages in the modes that bypass IRR and ISR go straight to the CPU. vmlab has no
// SMM and no INIT of a running CPU, so SMI and INIT are counted and go nowhere.
void LocalApic::deliver(u8 vector, bool level, DeliveryMode mode) {
  switch (mode) {
    case DeliveryMode::Fixed:
    case DeliveryMode::LowestPriority:  // one CPU: it is the lowest-priority one
      accept(vector, level);
      return;
    case DeliveryMode::Nmi: raise_nmi(); return;
    case DeliveryMode::ExtInt:
      if (pass_through()) {  // not one of the messages a disabled APIC answers
        ++m_dropped;
        return;
      }
      m_extint_message = true;
      changed();
      return;
    default: ++m_ignored; return;
  }
}

bool LocalApic::extint_pending() const {
  if (pass_through()) return m_lint[0];
  if (m_extint_message) return true;
  u32 lvt = m_lvt[LVT_LINT0];
  return !(lvt & LVT_MASK) && lvt_mode(lvt) == DeliveryMode::ExtInt && lint_asserted(0);
}

// INTR: an ExtINT source, or an IRR vector whose class is above the PPR's (10.8.3.1).
bool LocalApic::intr_pending() const {
  if (extint_pending()) return true;
  if (pass_through()) return false;
  u8 irrv = m_irr.highest();
  return irrv != 0 && priority_class(irrv) > priority_class(ppr());
}

// The INTA cycle. If the interrupt that raised INTR is gone or masked by a TPR raised
// since (the CPU had interrupts disabled meanwhile), the APIC answers with the
// spurious vector and sets no ISR bit, so the handler must not send EOI (10.9).
u8 LocalApic::intr_acknowledge() {
  u8 irrv = m_irr.highest();
  if (pass_through() || irrv == 0 || priority_class(irrv) <= priority_class(ppr())) {
    ++m_spurious;
    return u8(m_svr & SVR_VECTOR);
  }
  m_irr.clear(irrv);
  m_isr.set(irrv);
  return irrv;
}

// EOI (10.8.5): retire the highest in-service vector. A level-triggered one is
// broadcast so that its source (I/O APIC entry or LINT pin) can interrupt again.
// An EOI with nothing in service does nothing.
void LocalApic::eoi() {
  u8 isrv = m_isr.highest();
  if (isrv == 0) return;
  m_isr.clear(isrv);
  if (m_tmr.test(isrv)) {
    clear_lint_remote_irr(isrv);
    if (on_eoi) on_eoi(isrv);
  }
  changed();
}

bool LocalApic::lint_asserted(unsigned pin) const {
  bool active_low = m_lvt[LVT_LINT0 + pin] & LVT_PIN_POLARITY;
  return m_lint[pin] != active_low;
}

// A LINT pin changed level. ExtINT follows the level (the 8259A holds INTR until
// INTA); a level-triggered fixed entry interrupts while asserted, once per EOI; every
// other mode fires on the asserting edge. Masked entries ignore the pin.
void LocalApic::set_lint(unsigned pin, bool level) {
  bool was_asserted = lint_asserted(pin);
  bool was_level = m_lint[pin];
  m_lint[pin] = level;
  if (pass_through()) {
    if (pin == 0) changed();
    else if (level && !was_level) raise_nmi();
    return;
  }
  LvtEntry entry = LvtEntry(LVT_LINT0 + pin);
  u32 lvt = m_lvt[entry];
  if (lvt & LVT_MASK) return;
  if (pin == 0 && lvt_mode(lvt) == DeliveryMode::ExtInt) {
    changed();
  } else if ((lvt & LVT_TRIGGER_MODE) && lvt_mode(lvt) == DeliveryMode::Fixed) {
    check_lint_level(pin);
  } else if (lint_asserted(pin) && !was_asserted) {
    deliver_lvt(entry, false);
  }
}

// Level-triggered fixed LINT: deliver if asserted and not already accepted. Remote IRR
// (10.5.1) marks "accepted, waiting for EOI".
void LocalApic::check_lint_level(unsigned pin) {
  u32& lvt = m_lvt[LVT_LINT0 + pin];
  bool level_fixed = (lvt & LVT_TRIGGER_MODE) && lvt_mode(lvt) == DeliveryMode::Fixed;
  if (!level_fixed || (lvt & (LVT_MASK | LVT_REMOTE_IRR)) || !lint_asserted(pin)) return;
  if (accept(u8(lvt & LVT_VECTOR), true)) lvt |= LVT_REMOTE_IRR;
}

void LocalApic::clear_lint_remote_irr(u8 vector) {
  for (unsigned pin = 0; pin < 2; ++pin) {
    u32& lvt = m_lvt[LVT_LINT0 + pin];
    if ((lvt & LVT_REMOTE_IRR) && (lvt & LVT_VECTOR) == vector) {
      lvt &= ~LVT_REMOTE_IRR;
      check_lint_level(pin);
    }
  }
}

// An LVT source fires (10.5.1): nothing if masked, else per the delivery mode. Only
// LINT entries have a mode field; the others read as Fixed.
void LocalApic::deliver_lvt(LvtEntry entry, bool level) {
  u32 lvt = m_lvt[entry];
  if (lvt & LVT_MASK) return;
  switch (lvt_mode(lvt)) {
    case DeliveryMode::Fixed: accept(u8(lvt & LVT_VECTOR), level); return;
    case DeliveryMode::Nmi: raise_nmi(); return;
    default: ++m_ignored; return;  // SMI, INIT, reserved modes, ExtINT on LINT1
  }
}

void LocalApic::timer_expired() {
  ++m_timer_expiries;
  deliver_lvt(LVT_TIMER, false);
}

// Record an error (10.5.3) and raise the error interrupt. Delivering it can itself
// fail (an illegal vector in LVT error); that second error is recorded but raises
// no further interrupt, so a bad LVT error entry cannot loop.
void LocalApic::signal_error(u32 esr_bit) {
  m_esr_pending |= esr_bit;
  if (m_in_error) return;
  m_in_error = true;
  deliver_lvt(LVT_ERROR, false);
  m_in_error = false;
}

void LocalApic::raise_nmi() {
  ++m_nmis;
  if (on_nmi) on_nmi();
}

}  // namespace vmlab
