// The local APIC's register page: decoding of reads and writes (SDM Vol. 3, Table 10-1),
// and the ICR, whose write sends an IPI.
#include "devices/local_apic.h"

namespace vmlab {

namespace {

constexpr bool in_block(u32 offset, u32 first) { return offset >= first && offset < first + 0x80; }
constexpr unsigned block_index(u32 offset, u32 first) { return (offset - first) >> 4; }
constexpr bool is_lvt(u32 offset) { return offset >= LAPIC_LVT_TIMER && offset <= LAPIC_LVT_ERROR; }
constexpr LvtEntry lvt_entry(u32 offset) { return LvtEntry((offset - LAPIC_LVT_TIMER) >> 4); }

// Registers that exist but that software cannot write (writes are ignored). Any
// offset that is neither readable nor writable here is reserved.
constexpr bool is_read_only(u32 offset) {
  return offset == LAPIC_VERSION || offset == LAPIC_APR || offset == LAPIC_PPR ||
         offset == LAPIC_RRD || offset == LAPIC_CUR_COUNT || in_block(offset, LAPIC_ISR0) ||
         in_block(offset, LAPIC_TMR0) || in_block(offset, LAPIC_IRR0);
}

}  // namespace

// The APIC answers only aligned 32-bit accesses. While globally disabled there is no
// APIC at this address: open bus, like any unclaimed MMIO.
void LocalApic::mmio(IoAccess& a) {
  if (!m_enabled) {
    if (!a.is_write) a.data = ~0u;
    return;
  }
  if (a.size != 4 || (a.addr & 0xF) != 0) {
    ++m_bad_accesses;
    if (!a.is_write) a.data = 0;
    return;
  }
  if (a.is_write) write_register(a.addr, a.data);
  else a.data = read_register(a.addr);
}

// A read of a reserved offset reads 0 and sets ESR "illegal register address" (10.5.3).
u32 LocalApic::read_register(u32 offset) {
  if (in_block(offset, LAPIC_ISR0)) return m_isr.word(block_index(offset, LAPIC_ISR0));
  if (in_block(offset, LAPIC_TMR0)) return m_tmr.word(block_index(offset, LAPIC_TMR0));
  if (in_block(offset, LAPIC_IRR0)) return m_irr.word(block_index(offset, LAPIC_IRR0));
  if (is_lvt(offset)) return m_lvt[lvt_entry(offset)];
  switch (offset) {
    case LAPIC_APICID: return u32(m_apic_id) << 24;
    case LAPIC_VERSION: return kVersion | u32(kMaxLvtEntry) << 16;
    case LAPIC_TPR: return m_tpr;
    case LAPIC_APR: return 0;  // see the header: nothing to arbitrate
    case LAPIC_PPR: return ppr();
    case LAPIC_EOI: return 0;  // write-only
    case LAPIC_RRD: return 0;  // remote read is a P6 APIC-bus feature
    case LAPIC_LDR: return m_ldr;
    case LAPIC_DFR: return m_dfr | 0x0FFFFFFF;
    case LAPIC_SVR: return m_svr;
    case LAPIC_ESR: return m_esr;
    case LAPIC_ICR_LOW: return m_icr_low;  // delivery status: always idle
    case LAPIC_ICR_HIGH: return m_icr_high;
    case LAPIC_INIT_COUNT: return m_timer.initial_count();
    case LAPIC_CUR_COUNT: return m_timer.current_count();
    case LAPIC_DIV_CONF: return m_timer.divide_configuration();
    default: signal_error(ESR_ILLEGAL_REGISTER_ADDRESS); return 0;
  }
}

// Reserved bits are dropped on write and read back as 0 (DFR: as 1).
void LocalApic::write_register(u32 offset, u32 value) {
  if (is_lvt(offset)) return write_lvt(lvt_entry(offset), value);
  switch (offset) {
    case LAPIC_APICID: m_apic_id = u8(value >> 24); return;
    case LAPIC_TPR:
      m_tpr = value & 0xFF;
      changed();  // a lower TPR can unblock a waiting vector
      return;
    case LAPIC_EOI: eoi(); return;
    case LAPIC_LDR: m_ldr = value & 0xFF000000; return;
    case LAPIC_DFR: m_dfr = value | 0x0FFFFFFF; return;
    case LAPIC_SVR: write_svr(value); return;
    case LAPIC_ESR:  // latch the errors seen since the last write (10.5.3)
      m_esr = m_esr_pending;
      m_esr_pending = 0;
      return;
    case LAPIC_ICR_LOW: write_icr_low(value); return;
    case LAPIC_ICR_HIGH: m_icr_high = value & 0xFF000000; return;
    case LAPIC_INIT_COUNT: m_timer.write_initial_count(value); return;
    case LAPIC_DIV_CONF: m_timer.write_divide_configuration(value & DCR_WRITABLE); return;
    default:
      if (!is_read_only(offset)) signal_error(ESR_ILLEGAL_REGISTER_ADDRESS);
      return;
  }
}

// Clearing the software enable masks every LVT entry (10.4.7.2) and drops a pending
// ExtINT message; setting it again leaves the entries masked for software to unmask. Either way LINT0 changes owner
// (pass-through or LVT), so INTR may change.
void LocalApic::write_svr(u32 value) {
  bool was_enabled = software_enabled();
  m_svr = value & SVR_WRITABLE;
  if (was_enabled && !software_enabled()) {
    for (u32& lvt : m_lvt) lvt |= LVT_MASK;
    m_extint_message = false;  // INTR now comes from LINT0 alone
  }
  changed();
}

// Read-only bits keep their state (delivery status is always idle: deliveries are
// immediate). While software-disabled the mask bit cannot be cleared (10.4.7.2).
// Leaving level-triggered fixed mode drops Remote IRR, which means nothing outside it.
void LocalApic::write_lvt(LvtEntry entry, u32 value) {
  u32 lvt = (value & kLvtWritable[entry]) | (m_lvt[entry] & LVT_REMOTE_IRR);
  if (!software_enabled()) lvt |= LVT_MASK;
  bool level_fixed = (lvt & LVT_TRIGGER_MODE) && (lvt & LVT_DELIVERY_MODE) == 0;
  if (!level_fixed) lvt &= ~LVT_REMOTE_IRR;
  m_lvt[entry] = lvt;
  if (entry == LVT_TIMER) m_timer.set_periodic(lvt & LVT_TIMER_PERIODIC);
  if (entry == LVT_LINT0 || entry == LVT_LINT1) {
    check_lint_level(entry - LVT_LINT0);  // unmasking an asserted level pin delivers
    changed();                            // LINT0 may have become (or stopped being) ExtINT
  }
}

// Writing the low word sends the IPI at once (10.6.1).
void LocalApic::write_icr_low(u32 value) {
  m_icr_low = value & ICR_LOW_WRITABLE;
  Ipi ipi;
  ipi.vector = u8(m_icr_low & ICR_VECTOR);
  ipi.mode = DeliveryMode((m_icr_low & ICR_DELIVERY_MODE) >> ICR_DELIVERY_MODE_SHIFT);
  ipi.shorthand = IcrShorthand((m_icr_low & ICR_SHORTHAND) >> ICR_SHORTHAND_SHIFT);
  ipi.destination = u8(m_icr_high >> ICR_DESTINATION_SHIFT);
  ipi.logical = m_icr_low & ICR_DESTINATION_LOGICAL;
  send_ipi(ipi);
}

// Which CPUs an IPI reaches (10.6.2), here only "this one or none". Table 10-3: with
// the Self and All-including-self shorthands only Fixed is valid; the xAPIC sends
// every IPI edge-triggered. With one CPU, INIT and SIPI reach no other processor; an
// IPI with no target is dropped silently (the xAPIC has no send-accept error).
void LocalApic::send_ipi(const Ipi& ipi) {
  m_last_ipi = ipi;
  ++m_ipis;
  bool fixed = ipi.mode == DeliveryMode::Fixed || ipi.mode == DeliveryMode::LowestPriority;
  if (ipi.mode == DeliveryMode::Init) ++m_ipi_init;
  if (ipi.mode == DeliveryMode::StartUp) ++m_ipi_startup;
  bool to_self = false;
  switch (ipi.shorthand) {
    case IcrShorthand::None: to_self = matches_destination(ipi.destination, ipi.logical); break;
    case IcrShorthand::Self:
    case IcrShorthand::AllIncludingSelf:
      if (ipi.mode != DeliveryMode::Fixed) {
        ++m_ipi_invalid;
        return;
      }
      to_self = true;
      break;
    case IcrShorthand::AllExcludingSelf: break;
  }
  if (fixed && ipi.vector < 16) {
    signal_error(ESR_SEND_ILLEGAL_VECTOR);
    return;
  }
  if (!to_self) {
    ++m_ipi_no_target;
    return;
  }
  if (fixed || ipi.mode == DeliveryMode::Nmi) deliver(ipi.vector, false, ipi.mode);
  else ++m_ignored;  // INIT, SIPI or SMI to this CPU: not modelled (no INIT of a running CPU)
}

// Physical mode: the APIC ID, or 0xFF for everyone. Logical mode (10.6.2.2): the flat
// model matches any common bit of the 8-bit logical ID; the cluster model matches the
// cluster (bits 7:4) and any common bit of the member mask (bits 3:0).
bool LocalApic::matches_destination(u8 destination, bool logical) const {
  if (destination == 0xFF) return true;
  if (!logical) return destination == m_apic_id;
  u8 logical_id = u8(m_ldr >> 24);
  switch (m_dfr >> DFR_MODEL_SHIFT) {
    case DFR_MODEL_FLAT: return (destination & logical_id) != 0;
    case DFR_MODEL_CLUSTER:
      return (destination >> 4) == (logical_id >> 4) && (destination & logical_id & 0xF) != 0;
    default: return false;  // reserved model
  }
}

}  // namespace vmlab
