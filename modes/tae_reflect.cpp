// Reflection: delivering an exception, INT n or device interrupt to the guest through its
// own IDT, as bare metal would have delivered it to a ring-0 kernel.
#include <fmt/format.h>

#include <cstring>

#include "core/error.h"
#include "core/machine.h"
#include "cpu/descriptors.h"
#include "cpu/exec_common.h"
#include "mmu/paging.h"
#include "modes/tae_monitor.h"

namespace vmlab {
namespace {

// SDM Vol. 3, Table 6-5: does a fault while delivering `first` make a double fault?
bool makes_double_fault(u8 first, u8 second) {
  auto contributory = [](u8 v) { return v == kDE || (v >= kTS && v <= kGP); };
  if (contributory(first)) return contributory(second);
  if (first == kPF) return contributory(second) || second == kPF;
  return false;
}

}  // namespace

// The guest's gate for `vector`, checked as the hardware checks it: beyond the IDT limit,
// not a gate, DPL below the virtual CPL for INT n, not present. A task gate, or an IDT the
// guest left unmapped, stops the run.
TaeMonitor::GateLookup TaeMonitor::guest_gate(u8 vector, bool software) const {
  GateLookup g;
  u32 ext = software ? 0 : 1;
  u32 idt_error = vector * 8u + 2 + ext;
  u32 lo = 0, hi = 0;
  if (vector * 8u + 7 > m_vcpu.idtr.limit) {
    g.fault = CpuFault{kGP, true, idt_error};
    return g;
  }
  if (!read_guest(m_vcpu.idtr.base + vector * 8u, lo) || !read_guest(m_vcpu.idtr.base + vector * 8u + 4, hi)) {
    g.stop = fmt::format("the guest's IDT entry for vector {} at 0x{:08x} is not mapped", vector,
                         m_vcpu.idtr.base + vector * 8u);
    return g;
  }
  g.gate = Descriptor{lo, hi};
  u8 type = g.gate.type();
  if (!g.gate.is_segment() && type == STS_TG) {
    g.stop = fmt::format("the guest's IDT has a task gate for vector {}: hardware task switches are not "
                         "virtualized by this mode", vector);
  } else if (g.gate.is_segment() || (type != STS_IG16 && type != STS_TRG16 && type != STS_IG32 && type != STS_TRG32)) {
    g.fault = CpuFault{kGP, true, idt_error};
  } else if (software && g.gate.dpl() < vcpl()) {
    g.fault = CpuFault{kGP, true, idt_error};
  } else if (!g.gate.present()) {
    g.fault = CpuFault{kNP, true, idt_error};
  } else if (g.gate.gate_selector() >= kFirstMonitorSelector) {
    g.fault = CpuFault{kGP, true, (g.gate.gate_selector() & ~3u) | ext};  // never into the monitor's code
  }
  return g;
}

// An event leaving ring 3 switches to the guest kernel's stack: the monitor's TSS hands
// the CPU the guest's SS0:ESP0 (from the guest's own TSS) as its ring-1 stack.
bool TaeMonitor::load_ring0_stack() {
  u32 esp0 = 0, ss0 = 0;
  if (!m_vcpu.tr || !read_guest(m_guest_tss_base + 4, esp0) || !read_guest(m_guest_tss_base + 8, ss0)) return false;
  u32* tss = m_pool->table(m_tss_hpa);
  tss[3] = esp0;                      // ESP1
  tss[4] = (ss0 & 0xFFFF & ~3u) | 1;  // SS1: the guest's SS0 at RPL 1
  return true;
}

// The hardware delivery, through the guest's IDT instead of the shadow one: the gate's
// selector names a DPL-1 descriptor in the shadow GDT, so the handler runs at ring 1.
std::optional<CpuFault> TaeMonitor::deliver_through_guest_idt(u8 vector, bool has_error, u32 error_code,
                                                              u32 return_eip) {
  Cpu& cpu = *m_cpu;
  DescriptorTableReg shadow_idt = cpu.idtr();
  cpu.set_idtr(m_vcpu.idtr);
  cpu.set_monitor_entry(0);
  cpu.m_next_eip = return_eip;
  std::optional<CpuFault> fault;
  try {
    cpu.interrupt(vector, Cpu::IntSource::External, has_error, error_code);
    cpu.set_eip(cpu.m_next_eip);
  } catch (const CpuFault& f) {
    fault = f;
  }
  cpu.set_idtr(shadow_idt);
  cpu.set_monitor_entry(kMonitorCode);
  return fault;
}

// A #PF while pushing the frame (usually the guest's kernel stack is not in the shadow
// yet): sorted and counted like any page-fault exit.
ShadowMmu::Fault TaeMonitor::fault_while_delivering(const CpuFault& fault) {
  Exit exit;
  exit.guest_eip = m_cpu->eip();
  exit.qualification = m_cpu->cr2();
  ShadowMmu::Fault f = m_mmu->page_fault(m_cpu->cr2(), fault.error_code);
  bool true_fault = f.kind == ShadowMmu::FaultKind::True;
  exit.reason = u16(true_fault ? TaeReason::TruePageFault : TaeReason::HiddenPageFault);
  exit.category = true_fault ? ExitCategory::GuestPageFault : ExitCategory::HiddenPageFault;
  record(exit);
  if (true_fault) m_vcpu.cr2 = m_cpu->cr2();
  return f;
}

// Rewrite the frame the CPU pushed into what a ring-0 kernel would have got: CS with RPL 0
// when the guest kernel was interrupted (so that its IRET traps and is emulated), and
// EFLAGS with the virtual IF and IOPL instead of the real ones.
bool TaeMonitor::present_ring0_frame(bool gate32, bool has_error, bool from_user, bool old_vif) {
  Cpu& cpu = *m_cpu;
  unsigned size = gate32 ? 4 : 2;
  u32 frame = cpu.stack_pointer() + (has_error ? size : 0);
  auto load = [&](u32 at) { return size == 4 ? cpu.read<u32>(SS, at) : cpu.read<u16>(SS, at); };
  auto store = [&](u32 at, u32 v) { size == 4 ? cpu.write<u32>(SS, at, v) : cpu.write<u16>(SS, at, u16(v)); };
  try {
    if (!from_user) store(frame + size, load(frame + size) & ~3u);
    u32 flags = load(frame + 2 * size);
    store(frame + 2 * size, (flags & ~(EFLAGS_IF | EFLAGS_IOPL)) | (old_vif ? EFLAGS_IF : 0) |
                                (u32(m_vcpu.iopl) << EFLAGS_IOPL_SHIFT));
  } catch (const CpuFault&) {
    return false;
  }
  return true;
}

// As the hardware would deliver it to a ring-0 kernel: the guest's gate (its DPL checked
// against the virtual CPU for INT n), its handler entered at ring 1 on its ring-0 stack
// (from its TSS), the frame showing the virtual IF, IOPL and a ring-0 CS. A fault on the
// way follows the double-fault rules; one while delivering #DF ends the run.
TaeMonitor::Outcome TaeMonitor::reflect(u8 vector, bool has_error, u32 error_code, u32 return_eip, bool software,
                                        int depth) {
  auto nested = [&](const CpuFault& second) -> Outcome {
    if (vector == kDF || depth >= 3)
      return fmt::format("triple fault in the virtual CPU while delivering vector {} to the guest", vector);
    if (makes_double_fault(vector, second.vector)) return reflect(kDF, true, 0, return_eip, false, depth + 1);
    return reflect(second.vector, pushes_error_code(second.vector), second.error_code, return_eip, false, depth + 1);
  };
  GateLookup g = guest_gate(vector, software);
  if (g.stop) return g.stop;
  if (g.fault) return nested(*g.fault);
  bool from_user = m_cpu->cpl() == 3;
  bool old_vif = guest_interrupts_enabled();
  if (from_user && !load_ring0_stack())
    return fmt::format("vector {} arrived in user mode but the guest has no usable TSS (LTR) for its kernel stack",
                       vector);
  if (std::optional<CpuFault> fault = deliver_through_guest_idt(vector, has_error, error_code, return_eip)) {
    if (fault->vector != kPF) return nested(*fault);
    ShadowMmu::Fault f = fault_while_delivering(*fault);
    if (f.kind == ShadowMmu::FaultKind::Hidden) return reflect(vector, has_error, error_code, return_eip, software, depth + 1);
    if (f.kind == ShadowMmu::FaultKind::True) return nested(CpuFault{kPF, true, f.error_code});
    return fmt::format("the guest's stack for vector {} is not ordinary RAM (0x{:08x})", vector, m_cpu->cr2());
  }
  if (!present_ring0_frame(g.gate.gate32(), has_error, from_user, old_vif))
    return fmt::format("the monitor could not rewrite the guest's frame for vector {}", vector);
  m_cpu->m_eflags |= EFLAGS_IF;  // the real IF stays set; the gate type decides the virtual IF
  bool interrupt_gate = (g.gate.type() & 0x7) == 0x6;
  m_vcpu.interrupts_enabled = interrupt_gate ? false : old_vif;
  m_cpu->set_halted(false);
  m_log.add("reflect", "vector {} delivered through the guest's own IDT ({}): its handler runs at {:04x}:{:08x}{}",
            vector, interrupt_gate ? "an interrupt gate: virtual IF cleared" : "a trap gate",
            m_cpu->seg(CS).selector, m_cpu->eip(), from_user ? ", on the kernel stack its TSS names" : "");
  return std::nullopt;
}

}  // namespace vmlab
