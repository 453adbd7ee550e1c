// System instructions that do not touch descriptor tables: CLI STI HLT IN OUT (and the
// I/O permission bitmap), MOV CRn/DRn, CLTS, INVD/WBINVD, INVLPG, CPUID, RDTSC, RDMSR,
// WRMSR, SYSENTER, SYSEXIT (SDM Vol. 2 entries of the same names).
#include "core/bus.h"
#include "core/events.h"
#include "cpu/exec/system.h"

namespace vmlab {
namespace {

// Instructions that need CPL 0 fault with #GP(0) elsewhere (in real mode CPL is 0): the
// handler returns at once when this is false.
bool cpl0_or_fault(Cpu& cpu) {
  if (cpu.m_cpl == 0) return true;
  cpu.fault_here(kGP, 0);
  return false;
}

u8 iopl(const Cpu& cpu) { return (cpu.m_eflags & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT; }

// CPUID.1:EDX features this CPU implements: DE? no. PSE TSC MSR CX8 SEP PGE CMOV.
constexpr u32 kFeatureAPIC = 1u << 9;
constexpr u32 kApicBaseEnable = 1u << 11, kApicBaseBsp = 1u << 8;
constexpr u32 kFeaturePSE = 1u << 3, kFeatureTSC = 1u << 4, kFeatureMSR = 1u << 5,
              kFeatureCX8 = 1u << 8, kFeatureSEP = 1u << 11, kFeaturePGE = 1u << 13,
              kFeatureCMOV = 1u << 15;
constexpr u32 kFeatures = kFeaturePSE | kFeatureTSC | kFeatureMSR | kFeatureCX8 | kFeatureSEP |
                          kFeaturePGE | kFeatureCMOV;

SegmentCache flat_segment(u16 selector, u8 access) {
  return SegmentCache{selector, 0, 0xFFFFFFFF, access, 0xC, 0, 0};
}

}  // namespace

void op_cli(Cpu& cpu, const Insn&) {
  if ((cpu.m_cr0 & CR0_PE) && cpu.m_cpl > iopl(cpu)) return cpu.fault_here(kGP, 0);
  cpu.m_eflags &= ~EFLAGS_IF;
}

// STI: interrupts are recognised only after the next instruction (the STI shadow).
void op_sti(Cpu& cpu, const Insn&) {
  if ((cpu.m_cr0 & CR0_PE) && cpu.m_cpl > iopl(cpu)) return cpu.fault_here(kGP, 0);
  if (!(cpu.m_eflags & EFLAGS_IF)) cpu.m_inhibit_interrupts = true;
  cpu.m_eflags |= EFLAGS_IF;
  cpu.m_block_exit = true;
}

void op_hlt(Cpu& cpu, const Insn&) {
  if (!cpl0_or_fault(cpu)) return;
  ++cpu.m_counters.halts;
  if (cpu.m_events.listening()) {
    Event e;
    e.kind = EventKind::Halt;
    e.c = cpu.m_eip;
    cpu.m_events.emit(e);
  }
  cpu.m_halted = true;
  cpu.m_block_exit = true;
}

// SDM Vol. 1, 19.5.2: with CPL > IOPL each port must be allowed by the TSS bitmap.
bool Cpu::check_io_permission(u16 port, unsigned size) {
  if (!(m_cr0 & CR0_PE) || (m_cpl <= iopl(*this) && !(m_eflags & EFLAGS_VM))) return true;
  auto deny = [this] {
    fault_here(kGP, 0);
    return false;
  };
  u8 type = m_tr.access & 0xF;
  if (type != 0x9 && type != 0xB) return deny();
  if (m_tr.limit < 0x67) return deny();
  u32 map_base = read_linear<u16>(m_tr.base + 0x66, false);  // a #PF here is thrown
  u32 offset = map_base + port / 8;
  if (offset + 1 > m_tr.limit) return deny();
  u32 bits = read_linear<u16>(m_tr.base + offset, false);
  u32 mask = ((1u << size) - 1) << (port & 7);
  if (bits & mask) return deny();
  return true;
}

u32 Cpu::port_in(u16 port, unsigned size) { return m_bus.port_read(port, u8(size)); }
void Cpu::port_out(u16 port, u32 value, unsigned size) { m_bus.port_write(port, value, u8(size)); }

void op_in_impl(Cpu& cpu, u16 port, unsigned bytes) {
  if (!cpu.check_io_permission(port, bytes)) return;
  u32 v = cpu.port_in(port, bytes);
  if (bytes == 1) *cpu.reg8_ptr(0) = u8(v);
  else if (bytes == 2) *cpu.reg16_ptr(EAX) = u16(v);
  else cpu.m_regs[EAX] = v;
}

void op_out_impl(Cpu& cpu, u16 port, unsigned bytes) {
  if (!cpu.check_io_permission(port, bytes)) return;
  u32 mask = bytes == 4 ? 0xFFFFFFFF : (1u << (8 * bytes)) - 1;
  cpu.port_out(port, cpu.m_regs[EAX] & mask, bytes);
}

void op_mov_r_cr(Cpu& cpu, const Insn& i) {
  if (!cpl0_or_fault(cpu)) return;
  u32 v;
  switch (i.reg) {
    case 0: v = cpu.m_cr0; break;
    case 2: v = cpu.m_cr2; break;
    case 3: v = cpu.m_cr3; break;
    case 4: v = cpu.m_cr4; break;
    default: cpu.raise(kUD);
  }
  cpu.m_regs[i.rm] = v;
}

void op_mov_cr_r(Cpu& cpu, const Insn& i) {
  if (!cpl0_or_fault(cpu)) return;
  u32 v = cpu.m_regs[i.rm];
  switch (i.reg) {
    case 0:
      if ((v & CR0_PG) && !(v & CR0_PE)) cpu.raise(kGP, 0);
      if ((v & CR0_NW) && !(v & CR0_CD)) cpu.raise(kGP, 0);
      cpu.set_cr0(v);
      break;
    case 2: cpu.m_cr2 = v; break;
    case 3: cpu.set_cr3(v); break;
    case 4:
      if (v & ~CR4_SUPPORTED) cpu.raise(kGP, 0);
      cpu.set_cr4(v);
      break;
    default: cpu.raise(kUD);
  }
}

// DR4/DR5 alias DR6/DR7 (CR4.DE is not implemented). Debug registers are storage only:
// hardware breakpoints do not trigger (docs/CONFORMANCE.md).
void op_mov_r_dr(Cpu& cpu, const Insn& i) {
  if (!cpl0_or_fault(cpu)) return;
  u8 n = i.reg == 4 ? 6 : i.reg == 5 ? 7 : i.reg;
  cpu.m_regs[i.rm] = cpu.m_dr[n];
}

void op_mov_dr_r(Cpu& cpu, const Insn& i) {
  if (!cpl0_or_fault(cpu)) return;
  u8 n = i.reg == 4 ? 6 : i.reg == 5 ? 7 : i.reg;
  u32 v = cpu.m_regs[i.rm];
  if (n == 6) v = (v & 0x0000E00F) | 0xFFFF0FF0;
  if (n == 7) v = (v & ~0xD800u) | 0x400;
  cpu.m_dr[n] = v;
}

void op_clts(Cpu& cpu, const Insn&) {
  if (!cpl0_or_fault(cpu)) return;
  cpu.m_cr0 &= ~CR0_TS;
}

void op_invd(Cpu& cpu, const Insn&) { cpl0_or_fault(cpu); }  // no caches to flush

void op_invlpg(Cpu& cpu, const Insn& i) {
  if (!cpl0_or_fault(cpu)) return;
  u32 linear = cpu.m_seg[i.seg].base + effective_address(cpu, i);
  cpu.m_tlb.invalidate_page(linear);
  ++cpu.m_chain_generation;
  ++cpu.m_counters.tlb_invlpg;
  cpu.m_block_exit = true;
  if (cpu.m_events.listening()) {
    Event e;
    e.kind = EventKind::TlbFlush;
    e.flags = Event::kInvlpg;
    e.a = linear & ~0xFFFu;
    cpu.m_events.emit(e);
  }
}

// CPUID: leaf 0 = max leaf 1 and "GenuineIntel"; leaf 1 = signature and features. Leaves
// above the maximum return leaf 1, as Intel processors do.
void op_cpuid(Cpu& cpu, const Insn&) {
  ++cpu.m_counters.cpuid;
  u32 leaf = cpu.m_regs[EAX];
  if (leaf == 0) {
    cpu.m_regs[EAX] = 1;
    cpu.m_regs[EBX] = 0x756E6547;  // "Genu"
    cpu.m_regs[EDX] = 0x49656E69;  // "ineI"
    cpu.m_regs[ECX] = 0x6C65746E;  // "ntel"
    return;
  }
  cpu.m_regs[EAX] = Cpu::kCpuSignature;
  cpu.m_regs[EBX] = 0;
  cpu.m_regs[ECX] = 0;
  bool apic = cpu.m_has_apic && (cpu.m_apic_base_msr & kApicBaseEnable);
  cpu.m_regs[EDX] = kFeatures | (apic ? kFeatureAPIC : 0);
}

void op_rdtsc(Cpu& cpu, const Insn&) {
  if ((cpu.m_cr4 & CR4_TSD) && cpu.m_cpl != 0 && (cpu.m_cr0 & CR0_PE)) cpu.raise(kGP, 0);
  ++cpu.m_counters.rdtsc;
  u64 t = cpu.tsc();
  cpu.m_regs[EAX] = u32(t);
  cpu.m_regs[EDX] = u32(t >> 32);
}

void op_rdmsr(Cpu& cpu, const Insn&) {
  if (!cpl0_or_fault(cpu)) return;
  ++cpu.m_counters.msr_accesses;
  u64 v;
  switch (cpu.m_regs[ECX]) {
    case MSR_IA32_TSC: v = cpu.tsc(); break;
    case MSR_IA32_SYSENTER_CS: v = cpu.m_sysenter_cs; break;
    case MSR_IA32_SYSENTER_ESP: v = cpu.m_sysenter_esp; break;
    case MSR_IA32_SYSENTER_EIP: v = cpu.m_sysenter_eip; break;
    case MSR_IA32_APIC_BASE:
      if (!cpu.m_has_apic) cpu.raise(kGP, 0);
      v = cpu.m_apic_base_msr;
      break;
    default: cpu.raise(kGP, 0);
  }
  cpu.m_regs[EAX] = u32(v);
  cpu.m_regs[EDX] = u32(v >> 32);
}

void op_wrmsr(Cpu& cpu, const Insn&) {
  if (!cpl0_or_fault(cpu)) return;
  ++cpu.m_counters.msr_accesses;
  u64 v = (u64(cpu.m_regs[EDX]) << 32) | cpu.m_regs[EAX];
  switch (cpu.m_regs[ECX]) {
    case MSR_IA32_TSC: cpu.m_tsc_offset = v - (cpu.tsc() - cpu.m_tsc_offset); break;
    case MSR_IA32_SYSENTER_CS: cpu.m_sysenter_cs = u32(v) & 0xFFFF; break;
    case MSR_IA32_SYSENTER_ESP: cpu.m_sysenter_esp = u32(v); break;
    case MSR_IA32_SYSENTER_EIP: cpu.m_sysenter_eip = u32(v); break;
    case MSR_IA32_APIC_BASE: {
      // The base cannot move (the APIC page is fixed at 0xFEE00000) and BSP is read-only;
      // EN turns the APIC on or off. Reserved bits set: #GP (SDM Vol. 3, 10.4.4).
      if (!cpu.m_has_apic || (v >> 32) || (u32(v) & 0x6FF)) cpu.raise(kGP, 0);
      bool enable = u32(v) & kApicBaseEnable;
      cpu.m_apic_base_msr = 0xFEE00000u | kApicBaseBsp | (enable ? kApicBaseEnable : 0);
      if (cpu.m_on_apic_enable) cpu.m_on_apic_enable(enable);
      break;
    }
    default: cpu.raise(kGP, 0);
  }
}

// SYSENTER: flat ring-0 CS and SS derived from IA32_SYSENTER_CS (SDM Vol. 2 SYSENTER).
void op_sysenter(Cpu& cpu, const Insn&) {
  u16 cs = u16(cpu.m_sysenter_cs);
  if (!(cpu.m_cr0 & CR0_PE) || (cs & 0xFFFC) == 0) cpu.raise(kGP, 0);
  cpu.m_eflags &= ~(EFLAGS_VM | EFLAGS_IF | EFLAGS_RF);
  cpu.m_seg[CS] = flat_segment(cs & 0xFFFC, 0x9B);
  cpu.m_seg[SS] = flat_segment(u16((cs & 0xFFFC) + 8), 0x93);
  cpu.m_cpl = 0;
  cpu.refresh_all_segment_limits();
  cpu.m_regs[ESP] = cpu.m_sysenter_esp;
  cpu.m_next_eip = cpu.m_sysenter_eip;
  cpu.m_block_exit = true;
}

void op_sysexit(Cpu& cpu, const Insn&) {
  u16 cs = u16(cpu.m_sysenter_cs);
  if (!(cpu.m_cr0 & CR0_PE) || (cs & 0xFFFC) == 0 || cpu.m_cpl != 0) cpu.raise(kGP, 0);
  cpu.m_seg[CS] = flat_segment(u16(((cs & 0xFFFC) + 16) | 3), 0xFB);
  cpu.m_seg[SS] = flat_segment(u16(((cs & 0xFFFC) + 24) | 3), 0xF3);
  cpu.m_cpl = 3;
  cpu.refresh_all_segment_limits();
  cpu.m_regs[ESP] = cpu.m_regs[ECX];
  cpu.m_next_eip = cpu.m_regs[EDX];
  cpu.m_block_exit = true;
}

}  // namespace vmlab
