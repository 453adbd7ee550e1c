// Emulation: what the monitor does for each privileged instruction the guest kernel
// executed at ring 1 (the switch in TaeMonitor::handle_exit calls these), and the one-
// instruction runs on the real CPU that emulate device and page-table accesses.
#include <fmt/format.h>

#include <cstring>

#include "core/error.h"
#include "core/machine.h"
#include "cpu/descriptors.h"
#include "cpu/exec_common.h"
#include "mmu/paging.h"
#include "modes/tae_monitor.h"

namespace vmlab {

TaeMonitor::Outcome TaeMonitor::emulate_cli_sti(bool sti) {
  if (vcpl() > m_vcpu.iopl) return reflect_gp(0);
  m_vcpu.interrupts_enabled = sti;
  retire();
  if (sti) m_cpu->m_inhibit_interrupts = true;  // the STI shadow
  return std::nullopt;
}

TaeMonitor::Outcome TaeMonitor::emulate_hlt() {
  retire();
  ++m_machine->counters().halts;
  m_cpu->set_halted(true);  // Machine::run waits for an interrupt the virtual IF lets in
  return std::nullopt;
}

TaeMonitor::Outcome TaeMonitor::emulate_mov_from_cr(u8 cr) {
  u32 value = 0;
  switch (cr) {
    case 0: value = m_vcpu.cr0; break;
    case 2: value = m_vcpu.cr2; break;
    case 3: value = m_vcpu.cr3; break;
    case 4: value = m_vcpu.cr4; break;
    default: return reflect(kUD, false, 0, m_cpu->eip(), false);
  }
  m_cpu->set_reg(Reg(m_insn.rm), value);
  retire();
  return std::nullopt;
}

// The SYSENTER MSRs are virtual (the real SYSENTER_CS stays 0 so that SYSENTER traps);
// the others (the TSC, the APIC base) are the real ones.
TaeMonitor::Outcome TaeMonitor::emulate_msr(bool write) {
  u32 msr = m_cpu->reg(ECX);
  if (msr < MSR_IA32_SYSENTER_CS || msr > MSR_IA32_SYSENTER_EIP) return execute_with(0, false);
  u32* slot = msr == MSR_IA32_SYSENTER_CS    ? &m_vcpu.sysenter_cs
              : msr == MSR_IA32_SYSENTER_ESP ? &m_vcpu.sysenter_esp
                                             : &m_vcpu.sysenter_eip;
  if (write) {
    *slot = m_cpu->reg(EAX);
  } else {
    m_cpu->set_reg(EAX, *slot);
    m_cpu->set_reg(EDX, 0);
  }
  ++m_machine->counters().msr_accesses;
  retire();
  return std::nullopt;
}

TaeMonitor::Outcome TaeMonitor::emulate_clts() {
  m_vcpu.cr0 &= ~CR0_TS;
  set_real_cr0();
  retire();
  return std::nullopt;
}

// Run `body`, which reads the trapped instruction's memory operand through the real CPU;
// a fault there (a hidden page fault, most likely) is handled as a trap of its own.
template <typename Body>
TaeMonitor::Outcome TaeMonitor::with_operand(Body body) {
  try {
    return body(effective_address(*m_cpu, m_insn));
  } catch (const CpuFault& fault) {
    return fault_during_emulation(fault);
  }
}

// LGDT, LIDT: the virtual GDTR or IDTR; the shadow GDT is rebuilt from the new table.
TaeMonitor::Outcome TaeMonitor::emulate_table_load(bool idt) {
  return with_operand([&](u32 ea) -> Outcome {
    DescriptorTableReg r;
    r.limit = m_cpu->read<u16>(m_insn.seg, ea);
    r.base = m_cpu->read<u32>(m_insn.seg, ea + 2) & (m_insn.op32() ? 0xFFFFFFFFu : 0x00FFFFFFu);
    if (idt) {
      m_vcpu.idtr = r;
    } else {
      if (u32(r.limit) >= kFirstMonitorSelector)
        return fmt::format("the guest's GDT (limit 0x{:x}) reaches the monitor's descriptors at 0x{:x}; "
                           "this mode needs a GDT of fewer than {} entries",
                           r.limit, kFirstMonitorSelector, kFirstMonitorSelector / 8);
      m_vcpu.gdtr = r;
      sync_shadow_gdt();
    }
    retire();
    return std::nullopt;
  });
}

TaeMonitor::Outcome TaeMonitor::emulate_lmsw() {
  return with_operand([&](u32 ea) -> Outcome {
    u32 value = m_insn.is_mem() ? m_cpu->read<u16>(m_insn.seg, ea) : m_cpu->reg(Reg(m_insn.rm)) & 0xFFFF;
    m_vcpu.cr0 = (m_vcpu.cr0 & ~0xEu) | (value & 0xF) | (m_vcpu.cr0 & CR0_PE);  // LMSW cannot clear PE
    set_real_cr0();
    retire();
    return std::nullopt;
  });
}

TaeMonitor::Outcome TaeMonitor::emulate_invlpg() {
  m_mmu->invlpg(m_cpu->seg(SegReg(m_insn.seg)).base + effective_address(*m_cpu, m_insn));
  ++m_machine->counters().tlb_invlpg;
  retire();
  return std::nullopt;
}

// LLDT, LTR: the selector from a register or memory; a bad one is the guest's #GP.
TaeMonitor::Outcome TaeMonitor::emulate_selector_load(bool ldt) {
  return with_operand([&](u32 ea) -> Outcome {
    u16 sel = u16(m_insn.is_mem() ? m_cpu->read<u16>(m_insn.seg, ea) : m_cpu->reg(Reg(m_insn.rm)));
    u32 eip = m_cpu->eip();
    Outcome o = ldt ? load_ldt(sel) : load_tr(sel);
    if (o || m_cpu->eip() != eip) return o;  // stopped, or a fault was reflected
    retire();
    return std::nullopt;
  });
}

TaeMonitor::Outcome TaeMonitor::emulate_sysexit() {
  if (!(m_vcpu.sysenter_cs & 0xFFFC)) return reflect_gp(0);
  m_cpu->m_sysenter_cs = m_vcpu.sysenter_cs;
  Outcome o = execute_with(0, false);  // SYSEXIT itself, at CPL 0, with the guest's MSR
  m_cpu->m_sysenter_cs = 0;
  return o;
}

// goes through the shadow MMU as if the instruction had trapped with it (a hidden fault
// is filled and the guest retries); any other fault is the instruction's own (RDMSR of
// an MSR that does not exist, a bad selector) and goes to the guest.
TaeMonitor::Outcome TaeMonitor::fault_during_emulation(const CpuFault& fault) {
  if (fault.vector != kPF)
    return reflect(fault.vector, pushes_error_code(fault.vector), fault.error_code, m_cpu->eip(), false);
  if (++m_nesting > 4) {
    m_nesting = 0;
    return fmt::format("the monitor could not emulate the instruction at 0x{:08x}: it keeps faulting", m_cpu->eip());
  }
  Cpu::Trap trap{fault.vector, u8(Cpu::IntSource::Exception), pushes_error_code(fault.vector), fault.error_code,
                 m_cpu->eip(), m_cpu->eip()};
  Outcome o = handle_trap(trap);
  --m_nesting;
  return o;
}

// Run the trapped instruction once on the real CPU with the privilege the guest thinks
// it has: for I/O the real IOPL is raised for that one instruction (so INS/OUTS still
// access memory with the guest's privilege); for MSRs and debug registers the CPL is 0.
TaeMonitor::Outcome TaeMonitor::execute_with(u8 cpl, bool io_allowed) {
  Cpu& cpu = *m_cpu;
  u8 saved_cpl = cpu.m_cpl;
  u32 saved_iopl = cpu.m_eflags & EFLAGS_IOPL;
  cpu.m_cpl = cpl;
  if (io_allowed) cpu.m_eflags |= EFLAGS_IOPL;
  std::optional<CpuFault> fault = cpu.execute_one();
  if (cpu.m_cpl == cpl) cpu.m_cpl = saved_cpl;  // SYSEXIT changes it on purpose
  cpu.m_eflags = (cpu.m_eflags & ~EFLAGS_IOPL) | saved_iopl;
  if (fault) return fault_during_emulation(*fault);
  return std::nullopt;
}

// Emulate the faulting instruction with a one-instruction mapping of its page: to the
// guest page table's host page (a traced store), the page itself (a store the guest's
// CR0.WP=0 allows), or the device address (MMIO). The mapping lives only in the TLB and
// always takes the slow path, which reaches RAM or the Bus by physical address.
TaeMonitor::Outcome TaeMonitor::emulate_memory_access(u32 gva, u32 target, bool traced) {
  Cpu& cpu = *m_cpu;
  bool user = cpu.user_access();
  if (traced) m_mmu->traced_write_begin(target);
  TlbEntry& e = cpu.m_tlb.entry(user, gva);
  e = TlbEntry{};
  e.tag = gva & ~0xFFFu;
  e.phys_page = target & ~0xFFFu;
  e.writable = 1;
  ++cpu.m_chain_generation;
  std::optional<CpuFault> fault = cpu.execute_one();
  cpu.m_tlb.invalidate_page(gva);
  ++cpu.m_chain_generation;
  if (traced) m_mmu->traced_write_end();
  if (fault) return fault_during_emulation(*fault);
  return std::nullopt;
}

TaeMonitor::Outcome TaeMonitor::emulate_mov_to_cr(u8 cr, u32 value) {
  switch (cr) {
    case 0: {
      if ((value & CR0_PG) && !(value & CR0_PE)) return reflect_gp(0);
      if (!(value & CR0_PE))
        return fmt::format("the guest left protected mode at 0x{:08x}: this mode cannot run real mode", m_cpu->eip());
      u32 changed = m_vcpu.cr0 ^ value;
      m_vcpu.cr0 = value | CR0_ET;
      set_real_cr0();
      if (changed & (CR0_PG | CR0_WP)) switch_paging();
      break;
    }
    case 2: m_vcpu.cr2 = value; break;
    case 3:
      m_vcpu.cr3 = value;
      ++m_machine->counters().cr3_loads;
      if (m_vcpu.cr0 & CR0_PG) switch_paging();
      break;
    case 4: {
      if (value & ~CR4_SUPPORTED) return reflect_gp(0);
      u32 changed = m_vcpu.cr4 ^ value;
      m_vcpu.cr4 = value;
      m_cpu->set_cr4(value & CR4_TSD);
      if (changed & (CR4_PSE | CR4_PGE)) switch_paging();
      break;
    }
    default: return reflect(kUD, false, 0, m_cpu->eip(), false);
  }
  retire();
  return std::nullopt;
}

// IRET at virtual ring 0 to a ring-0 selector: at the real CPL 1 that is a return to a
// more privileged level, so it #GPs, and the monitor performs the same-privilege return
// the guest meant, taking IF and IOPL from the image into the virtual CPU.
TaeMonitor::Outcome TaeMonitor::emulate_iret() {
  Cpu& cpu = *m_cpu;
  if (vcpl() != 0 || (cpu.m_eflags & EFLAGS_NT)) return reflect_gp(m_last_exit.qualification);
  unsigned size = m_insn.op32() ? 4 : 2;
  u32 sp = cpu.stack_pointer();
  u32 eip, cs, flags;
  try {
    eip = size == 4 ? cpu.read<u32>(SS, sp) : cpu.read<u16>(SS, sp);
    cs = size == 4 ? cpu.read<u32>(SS, sp + size) & 0xFFFF : cpu.read<u16>(SS, sp + size);
    flags = size == 4 ? cpu.read<u32>(SS, sp + 2 * size) : cpu.read<u16>(SS, sp + 2 * size);
  } catch (const CpuFault& fault) {
    return fault_during_emulation(fault);
  }
  if ((cs & 3) != 0 || (cs & ~3u) == 0 || cs >= kFirstMonitorSelector) return reflect_gp(m_last_exit.qualification);
  try {
    Descriptor d = cpu.read_descriptor(u16(cs));
    if (!d.is_code() || d.dpl() != 1) return reflect_gp(cs & ~3u);
    if (!d.present()) return reflect(kNP, true, cs & ~3u, cpu.eip(), false);
    if (eip > d.limit()) return reflect_gp(0);
    cpu.load_code_segment(u16(cs), d, 1);
  } catch (const CpuFault& fault) {
    return fault_during_emulation(fault);
  }
  cpu.set_stack_pointer(sp + 3 * size);
  cpu.set_eip(eip);
  u32 mask = size == 4 ? 0xFFFFFFFFu : 0xFFFFu;
  u32 kept = cpu.get_eflags() & ~mask;
  u32 image = (flags & mask) | kept;
  cpu.set_eflags((image & ~(EFLAGS_IOPL | EFLAGS_VM)) | EFLAGS_IF | EFLAGS_FIXED1);
  m_vcpu.interrupts_enabled = image & EFLAGS_IF;
  m_vcpu.iopl = u8((image & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT);
  ++m_machine->counters().instructions;
  return std::nullopt;
}

// MOV SS / POP SS with a ring-0 selector at virtual ring 0: SS needs RPL = CPL, which is
// 1 now, so the load faults; the monitor loads the same selector at RPL 1.
TaeMonitor::Outcome TaeMonitor::emulate_segment_load() {
  Cpu& cpu = *m_cpu;
  bool is_pop = m_insn.opcode == 0x17;
  if (vcpl() != 0 || (!is_pop && m_insn.reg != SS)) return reflect_gp(m_last_exit.qualification);
  unsigned size = m_insn.op32() ? 4 : 2;
  try {
    u16 sel = is_pop ? cpu.read<u16>(SS, cpu.stack_pointer())
                     : u16(m_insn.is_mem() ? cpu.read<u16>(m_insn.seg, effective_address(cpu, m_insn))
                                           : cpu.reg(Reg(m_insn.rm)));
    if ((sel & 3) != 0 || sel >= kFirstMonitorSelector) return reflect_gp(m_last_exit.qualification);
    cpu.load_segment(SS, u16(sel | 1));
  } catch (const CpuFault& fault) {
    if (fault.vector == kPF) return fault_during_emulation(fault);
    return reflect(fault.vector, pushes_error_code(fault.vector), fault.error_code, cpu.eip(), false);
  }
  if (is_pop) cpu.set_stack_pointer(cpu.stack_pointer() + size);
  retire();
  cpu.m_inhibit_interrupts = true;  // the MOV SS shadow
  return std::nullopt;
}

// SYSENTER from ring 3 (the real SYSENTER_CS MSR is 0, so it #GPs): enter the guest
// kernel at ring 1 with the virtual MSRs.
TaeMonitor::Outcome TaeMonitor::emulate_sysenter() {
  Cpu& cpu = *m_cpu;
  u16 cs = u16(m_vcpu.sysenter_cs & 0xFFFC);
  if (!cs || cs + 8 >= kFirstMonitorSelector) return reflect_gp(0);
  try {
    Descriptor code = cpu.read_descriptor(cs);
    Descriptor stack = cpu.read_descriptor(u16(cs + 8));
    if (!code.is_code() || code.dpl() != 1 || !stack.writable() || stack.dpl() != 1) return reflect_gp(0);
    cpu.load_code_segment(cs, code, 1);
    SegmentCache ss = make_cache(u16((cs + 8) | 1), stack);
    ss.access |= 1;
    cpu.set_segment_cache(SS, ss);
  } catch (const CpuFault&) {
    return reflect_gp(0);
  }
  cpu.set_reg(ESP, m_vcpu.sysenter_esp);
  cpu.set_eip(m_vcpu.sysenter_eip);
  m_vcpu.interrupts_enabled = false;  // SYSENTER clears IF
  ++m_machine->counters().instructions;
  return std::nullopt;
}

}  // namespace vmlab
