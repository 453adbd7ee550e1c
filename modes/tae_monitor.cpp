#include "modes/tae_monitor.h"

#include <fmt/format.h>

#include <cstring>

#include "core/error.h"
#include "core/machine.h"
#include "cpu/decoder.h"
#include "cpu/descriptors.h"
#include "cpu/exec_common.h"
#include "mmu/paging.h"

namespace vmlab {
namespace {

constexpr const char* kReasonNames[] = {
    "cli", "sti", "hlt", "port-io", "mov-to-cr", "mov-from-cr", "mov-dr", "lgdt", "lidt", "lldt",
    "ltr", "lmsw", "clts", "invlpg", "cache-flush", "rdmsr", "wrmsr", "sysenter", "sysexit", "iret",
    "segment-load", "hidden-page-fault", "true-page-fault", "traced-write", "emulated-write", "mmio",
    "exception", "software-interrupt", "external-interrupt",
};
static_assert(std::size(kReasonNames) == size_t(TaeReason::kCount));

bool pushes_error_code(u8 v) { return v == kDF || (v >= kTS && v <= kPF) || v == kAC; }

// SDM Vol. 3, Table 6-5: does a fault while delivering `first` make a double fault?
bool makes_double_fault(u8 first, u8 second) {
  auto contributory = [](u8 v) { return v == kDE || (v >= kTS && v <= kGP); };
  if (contributory(first)) return contributory(second);
  if (first == kPF) return contributory(second) || second == kPF;
  return false;
}

// The instruction bytes at CS:EIP, fetched as the CPU would (through the shadow).
class GuestCodeFetcher : public ByteFetcher {
 public:
  GuestCodeFetcher(Cpu& cpu) : m_cpu(cpu), m_eip(cpu.eip()) {}
  u8 next() override {
    const SegmentCache& cs = m_cpu.seg(CS);
    if (m_eip > cs.limit) throw CpuFault{kGP, true, 0};
    return m_cpu.read_linear<u8>(cs.base + m_eip++, m_cpu.user_access());
  }

 private:
  Cpu& m_cpu;
  u32 m_eip;
};

constexpr u32 kIdtGateHi = 0x8000 | (3u << 13) | (STS_IG32 << 8);  // present, DPL 3, 32-bit interrupt gate

}  // namespace

const char* tae_reason_name(TaeReason reason) {
  return size_t(reason) < std::size(kReasonNames) ? kReasonNames[size_t(reason)] : "?";
}

// The guest sees the platform's interrupt line only while its virtual IF is set (or it
// runs user code, which always has IF=1). With the real IF always 1, this is what keeps
// a device interrupt waiting in the PIC while the guest kernel "has interrupts off".
class TaeMonitor::InterruptGate : public InterruptController {
 public:
  InterruptGate(InterruptController* inner, const TaeMonitor& monitor) : m_inner(inner), m_monitor(monitor) {}
  bool intr_pending() const override {
    return m_inner && m_inner->intr_pending() && m_monitor.guest_interrupts_enabled();
  }
  u8 intr_acknowledge() override { return m_inner->intr_acknowledge(); }
  bool raw_pending() const { return m_inner && m_inner->intr_pending(); }

 private:
  InterruptController* m_inner;
  const TaeMonitor& m_monitor;
};

TaeMonitor::TaeMonitor(const ModeSpec& spec) : m_spec(spec) {}
TaeMonitor::~TaeMonitor() = default;

// ===== Attach: move the loaded guest onto the deprivileged hardware =====

void TaeMonitor::attach(Machine& machine) {
  m_machine = &machine;
  m_cpu = &machine.cpu();
  Cpu& cpu = *m_cpu;
  if (!cpu.protected_mode() || cpu.v86_mode() || cpu.cpl() != 0)
    throw UserError(fmt::format("mode '{}' needs a guest that starts in protected mode at ring 0 (a Multiboot "
                                "kernel): real and virtual-8086 mode cannot be trapped and emulated here",
                                to_string(m_spec)));
  m_slots = std::make_unique<Memslots>(machine.memory());
  m_pool = std::make_unique<MonitorMemory>(machine.memory());
  m_mmu = std::make_unique<ShadowMmu>(cpu, machine.memory(), *m_slots, *m_pool, machine.counters(),
                                      machine.events());

  // What the guest believes: the state the loader left.
  m_vcpu.interrupts_enabled = cpu.get_eflags() & EFLAGS_IF;
  m_vcpu.iopl = u8((cpu.get_eflags() & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT);
  m_vcpu.cr0 = cpu.cr0();
  m_vcpu.cr3 = cpu.cr3();
  m_vcpu.cr4 = cpu.cr4();
  m_vcpu.gdtr = cpu.gdtr();
  m_vcpu.idtr = cpu.idtr();
  m_vcpu.sysenter_cs = cpu.m_sysenter_cs;
  m_vcpu.sysenter_esp = cpu.m_sysenter_esp;
  m_vcpu.sysenter_eip = cpu.m_sysenter_eip;

  build_hole();
  if (m_vcpu.gdtr.limit >= 8 && u32(m_vcpu.gdtr.limit) < kFirstMonitorSelector) sync_shadow_gdt();
  if (cpu.tr().selector & ~3u) {
    m_vcpu.tr = cpu.tr().selector;
    m_guest_tss_base = cpu.tr().base;
  }
  // A segment register whose selector has no descriptor in the shadow GDT (Multiboot
  // leaves GDTR undefined) gets the descriptor its cache holds.
  u32* gdt = m_pool->table(m_gdt_hpa);
  for (SegReg s : {ES, CS, SS, DS, FS, GS}) {
    SegmentCache c = cpu.seg(s);
    u16 index = c.selector >> 3;
    if (index == 0 || c.selector >= kFirstMonitorSelector || (c.selector & 4) || gdt[index * 2 + 1]) continue;
    u32 limit = c.limit > 0xFFFFF ? c.limit >> 12 : c.limit;
    u32 lo = (c.base << 16) | (limit & 0xFFFF);
    u32 hi = (c.base & 0xFF000000u) | ((c.base >> 16) & 0xFF) | (limit & 0xF0000) | (u32(c.access) << 8) |
             (u32(c.flags) << 20) | (c.limit > 0xFFFFF ? 1u << 23 : 0);
    compress(lo, hi);
    gdt[index * 2] = lo;
    gdt[index * 2 + 1] = hi;
  }

  // The real CPU: ring 1, the monitor's tables, IF=1 and IOPL=0.
  cpu.set_gdtr(DescriptorTableReg{kGdtLinear, 0xFFFF});
  cpu.set_idtr(DescriptorTableReg{kIdtLinear, 0x7FF});
  SegmentCache tr;
  tr.selector = kMonitorTss;
  tr.base = kTssLinear;
  tr.limit = 103;
  tr.access = 0x80 | STS_T32B;
  tr.flags = 0;
  cpu.m_tr = tr;
  cpu.m_ldtr = SegmentCache{};
  cpu.m_ldtr.access = 0x82;
  cpu.m_sysenter_cs = 0;  // SYSENTER then #GPs into the monitor
  for (SegReg s : {ES, CS, SS, DS, FS, GS}) {
    SegmentCache c = cpu.seg(s);
    if (!(c.selector & ~3u)) continue;
    Descriptor d{gdt[(c.selector >> 3) * 2], gdt[(c.selector >> 3) * 2 + 1]};
    c = make_cache(s == CS || s == SS ? u16(c.selector | 1) : c.selector, d);
    cpu.set_segment_cache(s, c);
  }
  cpu.m_cpl = 1;
  u32 eflags = cpu.get_eflags();
  cpu.set_eflags((eflags & ~EFLAGS_IOPL) | EFLAGS_IF);
  cpu.refresh_all_segment_limits();

  m_gate = std::make_unique<InterruptGate>(cpu.m_pic, *this);
  cpu.set_interrupt_controller(m_gate.get());
  cpu.set_monitor_entry(kMonitorCode);
  cpu.set_walk_kind(PageTableKind::Shadow);
  set_real_cr0();
  cpu.set_cr4(m_vcpu.cr4 & CR4_TSD);
  switch_paging();
}

// The monitor's structures in the top 4 MiB: one page table maps them, read-only.
void TaeMonitor::build_hole() {
  u32 hole_table = *m_pool->alloc_page();
  m_mmu->set_hole_table(hole_table);
  u32* pt = m_pool->table(hole_table);
  u32 first = 0;
  for (u32 i = 0; i < kHolePages; ++i) {
    u32 page = *m_pool->alloc_page();
    if (i == 0) first = page;
    if (page != first + i * 0x1000) throw std::logic_error("monitor memory: hole pages not contiguous");
    pt[i] = page | PTE_P | PTE_A;  // supervisor, read-only: the guest's ring 1 cannot write
  }
  m_gdt_hpa = first;
  m_idt_hpa = first + 0x10000;
  m_tss_hpa = m_idt_hpa + 0x1000;
  m_ldt_hpa = m_tss_hpa + 0x1000;

  u32* gdt = m_pool->table(m_gdt_hpa);
  gdt[(kMonitorCode >> 3) * 2] = 0x0000FFFF;  // flat ring-0 code: the monitor's entry
  gdt[(kMonitorCode >> 3) * 2 + 1] = 0x00CF9B00;
  gdt[(kMonitorTss >> 3) * 2] = (kTssLinear << 16) | 103;
  gdt[(kMonitorTss >> 3) * 2 + 1] = (kTssLinear & 0xFF000000u) | ((kTssLinear >> 16) & 0xFF) | 0x8B00;
  u32* idt = m_pool->table(m_idt_hpa);
  for (u32 v = 0; v < 256; ++v) {
    u32 entry = v * 16;  // an address in the monitor's code segment, one per vector
    idt[v * 2] = (u32(kMonitorCode) << 16) | (entry & 0xFFFF);
    idt[v * 2 + 1] = (entry & 0xFFFF0000u) | kIdtGateHi;
  }
  u32* tss = m_pool->table(m_tss_hpa);
  tss[25] = 104u << 16;  // I/O map base beyond the limit: every port traps
}

// A guest descriptor as the shadow GDT/LDT holds it: ring 0 becomes ring 1, the accessed
// bit is preset (the shadow is read-only to the CPU), limits stop below the hole, and
// whatever could carry the guest past the monitor (gates, TSSs, expand-down segments
// that reach up into the hole) is dropped.
void TaeMonitor::compress(u32& lo, u32& hi) {
  Descriptor d{lo, hi};
  if (!d.is_segment()) {
    lo = hi = 0;
    return;
  }
  if (d.is_data() && (d.type() & 0x4)) {  // expand-down: valid offsets run up to 4 GiB
    lo = hi = 0;
    return;
  }
  if (d.dpl() == 0) hi |= 1u << 13;
  hi |= 1u << 8;  // accessed
  u64 end = u64(d.base()) + d.limit();
  if (end >= ShadowMmu::kHoleBase) {
    if (d.base() >= ShadowMmu::kHoleBase) {
      lo = hi = 0;
      return;
    }
    u32 limit = ShadowMmu::kHoleBase - 1 - d.base();
    u32 raw = limit > 0xFFFFF ? (limit + 1) / 4096 - 1 : limit;
    bool granular = limit > 0xFFFFF;
    lo = (lo & 0xFFFF0000u) | (raw & 0xFFFF);
    hi = (hi & ~0x000F0000u & ~(1u << 23)) | (raw & 0xF0000) | (granular ? 1u << 23 : 0);
  }
}

// ===== Guest memory as the guest addresses it (its own tables, not the shadow) =====

bool TaeMonitor::translate_guest(u32 linear, u32& physical) const {
  physical = linear;
  if (!(m_vcpu.cr0 & CR0_PG)) return true;
  PagingControl control{m_vcpu.cr3, (m_vcpu.cr4 & CR4_PSE) != 0, false, true, PageTableKind::Guest,
                        m_slots->guest_end()};
  WalkResult w = walk_page_tables(m_machine->memory(), nullptr, nullptr, control, linear, false, false, true);
  physical = w.phys;
  return w.ok;
}

bool TaeMonitor::read_guest(u32 linear, u32& value) const {
  u32 gpa;
  if (!translate_guest(linear, gpa)) return false;
  std::optional<u32> hpa = m_slots->ram_hpa(gpa);
  if (!hpa || (*hpa & 0xFFF) > 0xFFC) return false;
  std::memcpy(&value, m_machine->memory().host_ptr(*hpa), 4);
  return true;
}

bool TaeMonitor::write_guest(u32 linear, u32 value) {
  u32 gpa = linear;
  if (m_vcpu.cr0 & CR0_PG) {
    PagingControl control{m_vcpu.cr3, (m_vcpu.cr4 & CR4_PSE) != 0, false, false, PageTableKind::Guest,
                          m_slots->guest_end()};
    WalkResult w = walk_page_tables(m_machine->memory(), nullptr, nullptr, control, linear, true, false, true);
    if (!w.ok) return false;
    gpa = w.phys;
  }
  std::optional<u32> hpa = m_slots->ram_hpa(gpa);
  if (!hpa || (*hpa & 0xFFF) > 0xFFC) return false;
  m_machine->memory().write(*hpa, &value, 4);
  return true;
}

// The descriptor for `selector` in the guest's own GDT (or LDT), or false if beyond it.
bool TaeMonitor::guest_descriptor(u16 selector, u32& lo, u32& hi) const {
  if (selector & 4) return false;  // LDT-based system descriptors are not used here
  u32 offset = selector_index(selector);
  if (offset + 7 > m_vcpu.gdtr.limit) return false;
  return read_guest(m_vcpu.gdtr.base + offset, lo) && read_guest(m_vcpu.gdtr.base + offset + 4, hi);
}

// Copy the guest's GDT into the shadow GDT, compressed. Entries beyond the guest's limit
// are null, so loading them faults as it would on the guest's own table.
void TaeMonitor::sync_shadow_gdt() {
  u32* gdt = m_pool->table(m_gdt_hpa);
  for (u32 offset = 8; offset < kFirstMonitorSelector; offset += 8) {
    u32 lo = 0, hi = 0;
    if (offset + 7 <= m_vcpu.gdtr.limit && read_guest(m_vcpu.gdtr.base + offset, lo) &&
        read_guest(m_vcpu.gdtr.base + offset + 4, hi))
      compress(lo, hi);
    else
      lo = hi = 0;
    gdt[offset / 4] = lo;
    gdt[offset / 4 + 1] = hi;
  }
  m_cpu->tlb_flush(true);
}

TaeMonitor::Outcome TaeMonitor::load_ldt(u16 selector) {
  m_vcpu.ldtr = selector;
  if (!(selector & ~3u)) {
    m_cpu->m_ldtr = SegmentCache{};
    m_cpu->m_ldtr.access = 0x82;
    return std::nullopt;
  }
  u32 lo, hi;
  if (!guest_descriptor(selector, lo, hi)) return reflect_gp(selector & ~3u);
  Descriptor d{lo, hi};
  if (d.is_segment() || d.type() != STS_LDT || !d.present()) return reflect_gp(selector & ~3u);
  u32* ldt = m_pool->table(m_ldt_hpa);
  u32 entries = std::min<u32>((d.limit() + 1) / 8, 8192);
  for (u32 i = 0; i < 8192; ++i) {
    u32 elo = 0, ehi = 0;
    if (i < entries && read_guest(d.base() + i * 8, elo) && read_guest(d.base() + i * 8 + 4, ehi))
      compress(elo, ehi);
    else
      elo = ehi = 0;
    ldt[i * 2] = elo;
    ldt[i * 2 + 1] = ehi;
  }
  u32 limit = std::min<u32>(d.limit(), 0xFFFF);
  u32* gdt = m_pool->table(m_gdt_hpa);
  gdt[(kShadowLdt >> 3) * 2] = (kLdtLinear << 16) | limit;
  gdt[(kShadowLdt >> 3) * 2 + 1] = (kLdtLinear & 0xFF000000u) | ((kLdtLinear >> 16) & 0xFF) | 0x8200;
  SegmentCache c;
  c.selector = kShadowLdt;
  c.base = kLdtLinear;
  c.limit = limit;
  c.access = 0x82;
  m_cpu->m_ldtr = c;
  m_cpu->tlb_flush(true);
  return std::nullopt;
}

TaeMonitor::Outcome TaeMonitor::load_tr(u16 selector) {
  u32 lo, hi;
  if (!(selector & ~3u) || !guest_descriptor(selector, lo, hi)) return reflect_gp(selector & ~3u);
  Descriptor d{lo, hi};
  if (d.is_segment() || (d.type() != STS_T32A && d.type() != STS_T16A)) return reflect_gp(selector & ~3u);
  if (!d.present()) return reflect(kNP, true, selector & ~3u, m_cpu->eip(), false);
  write_guest(m_vcpu.gdtr.base + selector_index(selector) + 4, hi | (2u << 8));  // busy
  m_vcpu.tr = selector;
  m_guest_tss_base = d.base();
  return std::nullopt;
}

// ===== Virtual state =====

u8 TaeMonitor::vcpl() const { return m_cpu->cpl() == 3 ? 3 : 0; }

bool TaeMonitor::guest_interrupts_enabled() const { return m_cpu->cpl() == 3 || m_vcpu.interrupts_enabled; }

const VirtualCpu& TaeMonitor::vcpu() const {
  m_vcpu.cpl = vcpl();
  m_vcpu.interrupt_pending = m_gate && m_gate->raw_pending();
  m_vcpu.halted = m_cpu && m_cpu->halted();
  return m_vcpu;
}

void TaeMonitor::set_real_cr0() {
  u32 real = CR0_PE | CR0_PG | CR0_WP | CR0_ET | CR0_NE | (m_vcpu.cr0 & (CR0_MP | CR0_EM | CR0_TS));
  if (real != m_cpu->cr0()) m_cpu->set_cr0(real);
}

void TaeMonitor::switch_paging() {
  GuestPaging p;
  p.enabled = m_vcpu.cr0 & CR0_PG;
  p.cr3 = m_vcpu.cr3;
  p.pse = m_vcpu.cr4 & CR4_PSE;
  p.wp = m_vcpu.cr0 & CR0_WP;
  m_mmu->switch_root(p);
}

void TaeMonitor::invalidate() { m_mmu->flush_all(); }

void TaeMonitor::retire() {
  m_cpu->set_eip((m_cpu->eip() + m_insn.len) & (m_cpu->code32() ? 0xFFFFFFFFu : 0xFFFFu));
  ++m_machine->counters().instructions;
}

// ===== The exit path =====

std::optional<std::string> TaeMonitor::handle_trap(const Cpu::Trap& trap) {
  Exit exit = classify(trap);
  record(exit);
  return handle_exit(exit, trap);
}

// What the trap was. A #PF is sorted by the shadow MMU (which also fills a hidden
// fault's entry); a #GP is decoded to find the privileged instruction.
Exit TaeMonitor::classify(const Cpu::Trap& trap) {
  Exit exit;
  exit.guest_eip = trap.eip;
  exit.qualification = trap.vector;
  auto set = [&](TaeReason reason, ExitCategory category) {
    exit.reason = u16(reason);
    exit.category = category;
  };
  if (trap.source == u8(Cpu::IntSource::External)) {
    set(TaeReason::ExternalInterrupt, ExitCategory::ExternalInterrupt);
    return exit;
  }
  if (trap.source == u8(Cpu::IntSource::Software)) {
    set(TaeReason::SoftwareInterrupt, ExitCategory::SoftwareInterrupt);
    return exit;
  }
  set(TaeReason::Exception, ExitCategory::GuestException);
  if (trap.vector == kPF) {
    exit.qualification = m_cpu->cr2();
    ShadowMmu::Fault f = m_mmu->page_fault(m_cpu->cr2(), trap.error_code);
    m_pending_fault = f;
    switch (f.kind) {
      case ShadowMmu::FaultKind::Hidden: set(TaeReason::HiddenPageFault, ExitCategory::HiddenPageFault); break;
      case ShadowMmu::FaultKind::True: set(TaeReason::TruePageFault, ExitCategory::GuestPageFault); break;
      case ShadowMmu::FaultKind::Traced: set(TaeReason::TracedWrite, ExitCategory::GuestPageTableWrite); break;
      case ShadowMmu::FaultKind::EmulatedWrite: set(TaeReason::EmulatedWrite, ExitCategory::PrivilegedInstruction); break;
      case ShadowMmu::FaultKind::Mmio: set(TaeReason::Mmio, ExitCategory::Mmio); break;
      case ShadowMmu::FaultKind::Hole: set(TaeReason::Exception, ExitCategory::GuestException); break;
    }
    return exit;
  }
  if (trap.vector != kGP) return exit;
  try {
    GuestCodeFetcher fetch(*m_cpu);
    decode_instruction(m_insn, fetch, m_cpu->code32());
  } catch (const CpuFault&) {
    m_insn = Insn{};
    return exit;  // the code is not even readable: reflect the #GP
  }
  exit.qualification = trap.error_code;
  u16 op = m_insn.opcode;
  u8 ext = m_insn.reg;
  switch (op) {
    case 0xFA: set(TaeReason::Cli, ExitCategory::PrivilegedInstruction); break;
    case 0xFB: set(TaeReason::Sti, ExitCategory::PrivilegedInstruction); break;
    case 0xF4: set(TaeReason::Hlt, ExitCategory::Hlt); break;
    case 0xE4: case 0xE5: case 0xE6: case 0xE7: case 0xEC: case 0xED: case 0xEE: case 0xEF:
    case 0x6C: case 0x6D: case 0x6E: case 0x6F:
      set(TaeReason::PortIo, ExitCategory::Io);
      exit.qualification = (op & 0xF8) == 0xE0 ? m_insn.imm & 0xFF : m_cpu->reg(EDX) & 0xFFFF;
      break;
    case 0x120: set(TaeReason::MovFromCr, ExitCategory::PrivilegedInstruction); exit.qualification = ext; break;
    case 0x122: set(TaeReason::MovToCr, ExitCategory::PrivilegedInstruction); exit.qualification = ext; break;
    case 0x121: case 0x123: set(TaeReason::MovDr, ExitCategory::PrivilegedInstruction); break;
    case 0x106: set(TaeReason::Clts, ExitCategory::PrivilegedInstruction); break;
    case 0x108: case 0x109: set(TaeReason::CacheFlush, ExitCategory::PrivilegedInstruction); break;
    case 0x130: set(TaeReason::Wrmsr, ExitCategory::Msr); exit.qualification = m_cpu->reg(ECX); break;
    case 0x132: set(TaeReason::Rdmsr, ExitCategory::Msr); exit.qualification = m_cpu->reg(ECX); break;
    case 0x134: set(TaeReason::Sysenter, ExitCategory::SoftwareInterrupt); break;
    case 0x135: set(TaeReason::Sysexit, ExitCategory::PrivilegedInstruction); break;
    case 0xCF: set(TaeReason::Iret, ExitCategory::SensitiveInstruction); break;
    case 0x8E: case 0x17: set(TaeReason::SegmentLoad, ExitCategory::SensitiveInstruction); break;
    case 0x101:
      if (ext == 2) set(TaeReason::Lgdt, ExitCategory::PrivilegedInstruction);
      else if (ext == 3) set(TaeReason::Lidt, ExitCategory::PrivilegedInstruction);
      else if (ext == 6) set(TaeReason::Lmsw, ExitCategory::PrivilegedInstruction);
      else if (ext == 7 && m_insn.is_mem()) set(TaeReason::Invlpg, ExitCategory::PrivilegedInstruction);
      break;
    case 0x100:
      if (ext == 2) set(TaeReason::Lldt, ExitCategory::PrivilegedInstruction);
      else if (ext == 3) set(TaeReason::Ltr, ExitCategory::PrivilegedInstruction);
      break;
    default: break;
  }
  return exit;
}

// Count, price and announce one exit.
void TaeMonitor::record(Exit& exit) {
  VirtualClock& clock = m_machine->clock();
  Counters& counters = m_machine->counters();
  auto charge = [&](CostKey key) {
    clock.charge(key);
    exit.cost += clock.price(key);
  };
  switch (exit.category) {
    case ExitCategory::SoftwareInterrupt: charge(CostKey::trap_reflect); break;
    case ExitCategory::HiddenPageFault:
    case ExitCategory::GuestPageFault:
      charge(CostKey::native_page_fault);
      charge(CostKey::shadow_hidden_fault_bt);
      break;
    case ExitCategory::GuestPageTableWrite:
    case ExitCategory::Mmio:
      charge(CostKey::native_page_fault);
      charge(CostKey::trap_reflect);
      break;
    default:
      charge(CostKey::native_exception);
      charge(CostKey::trap_reflect);
      break;
  }
  ++counters.exits;
  u64*& by_reason = m_reason_counters[exit.reason];
  if (!by_reason)
    by_reason = &counters.exits_by_reason[exit_reason_name(u8(CpuStrategy::TrapAndEmulate), exit.reason)];
  ++*by_reason;
  u64*& by_category = m_category_counters[size_t(exit.category)];
  if (!by_category) by_category = &counters.exits_by_category[std::string(category_name(exit.category))];
  ++*by_category;
  EventStream& events = m_machine->events();
  if (events.listening()) {
    Event e;
    e.kind = EventKind::Exit;
    e.size_or_level = u8(exit.category);
    e.a = exit.reason;
    e.b = exit.qualification;
    e.c = exit.guest_eip;
    e.d = u32(std::min<u64>(exit.cost, 0xFFFFFFFFu));
    e.table = u8(CpuStrategy::TrapAndEmulate);
    events.emit(e);
  }
  m_last_exit = exit;
}

// The plain switch on the reason.
TaeMonitor::Outcome TaeMonitor::handle_exit(const Exit& exit, const Cpu::Trap& trap) {
  Cpu& cpu = *m_cpu;
  switch (TaeReason(exit.reason)) {
    case TaeReason::ExternalInterrupt:
      return reflect(trap.vector, false, 0, trap.next_eip, false);
    case TaeReason::SoftwareInterrupt:
      return reflect(trap.vector, false, 0, trap.next_eip, true);
    case TaeReason::HiddenPageFault:
    case TaeReason::TruePageFault:
    case TaeReason::TracedWrite:
    case TaeReason::EmulatedWrite:
    case TaeReason::Mmio:
      return handle_page_fault(exit);
    case TaeReason::Exception:
      if (trap.vector == kPF) {  // the hole
        return fmt::format("the guest touched the monitor's address range 0x{:08x}-0xffffffff (at 0x{:08x}); "
                           "this mode keeps the top 4 MiB of every address space",
                           ShadowMmu::kHoleBase, cpu.cr2());
      }
      return reflect(trap.vector, trap.has_error_code, trap.error_code, trap.eip, false);
    case TaeReason::Cli:
    case TaeReason::Sti:
      if (vcpl() > m_vcpu.iopl) return reflect_gp(0);
      m_vcpu.interrupts_enabled = TaeReason(exit.reason) == TaeReason::Sti;
      retire();
      if (m_vcpu.interrupts_enabled) cpu.m_inhibit_interrupts = true;  // the STI shadow
      return std::nullopt;
    case TaeReason::Hlt:
      if (vcpl() != 0) return reflect_gp(0);
      retire();
      ++m_machine->counters().halts;
      cpu.set_halted(true);
      return std::nullopt;
    case TaeReason::PortIo:
      if (vcpl() > m_vcpu.iopl) return reflect_gp(0);
      return execute_with(cpu.cpl(), true);
    case TaeReason::MovFromCr: {
      if (vcpl() != 0) return reflect_gp(0);
      u32 value = 0;
      switch (exit.qualification) {
        case 0: value = m_vcpu.cr0; break;
        case 2: value = m_vcpu.cr2; break;
        case 3: value = m_vcpu.cr3; break;
        case 4: value = m_vcpu.cr4; break;
        default: return reflect(kUD, false, 0, cpu.eip(), false);
      }
      cpu.set_reg(Reg(m_insn.rm), value);
      retire();
      return std::nullopt;
    }
    case TaeReason::MovToCr:
      if (vcpl() != 0) return reflect_gp(0);
      return emulate_mov_to_cr(u8(exit.qualification), cpu.reg(Reg(m_insn.rm)));
    case TaeReason::MovDr:
    case TaeReason::Rdmsr:
    case TaeReason::Wrmsr: {
      if (vcpl() != 0) return reflect_gp(0);
      u32 msr = cpu.reg(ECX);
      if (TaeReason(exit.reason) != TaeReason::MovDr && msr >= MSR_IA32_SYSENTER_CS && msr <= MSR_IA32_SYSENTER_EIP) {
        u32* slot = msr == MSR_IA32_SYSENTER_CS ? &m_vcpu.sysenter_cs
                    : msr == MSR_IA32_SYSENTER_ESP ? &m_vcpu.sysenter_esp : &m_vcpu.sysenter_eip;
        if (TaeReason(exit.reason) == TaeReason::Wrmsr) {
          *slot = cpu.reg(EAX);
        } else {
          cpu.set_reg(EAX, *slot);
          cpu.set_reg(EDX, 0);
        }
        ++m_machine->counters().msr_accesses;
        retire();
        return std::nullopt;
      }
      return execute_with(0, false);  // debug registers, the TSC, the APIC base: the real ones
    }
    case TaeReason::Clts:
      if (vcpl() != 0) return reflect_gp(0);
      m_vcpu.cr0 &= ~CR0_TS;
      set_real_cr0();
      retire();
      return std::nullopt;
    case TaeReason::CacheFlush:
      if (vcpl() != 0) return reflect_gp(0);
      retire();  // no caches to write back
      return std::nullopt;
    case TaeReason::Lgdt:
    case TaeReason::Lidt:
    case TaeReason::Lmsw:
    case TaeReason::Invlpg:
    case TaeReason::Lldt:
    case TaeReason::Ltr: {
      if (vcpl() != 0) return reflect_gp(0);
      u32 ea = effective_address(cpu, m_insn);
      try {
        switch (TaeReason(exit.reason)) {
          case TaeReason::Lgdt:
          case TaeReason::Lidt: {
            DescriptorTableReg r;
            r.limit = cpu.read<u16>(m_insn.seg, ea);
            r.base = cpu.read<u32>(m_insn.seg, ea + 2) & (m_insn.op32() ? 0xFFFFFFFFu : 0x00FFFFFFu);
            if (TaeReason(exit.reason) == TaeReason::Lidt) {
              m_vcpu.idtr = r;
            } else {
              if (u32(r.limit) >= kFirstMonitorSelector)
                return fmt::format("the guest's GDT (limit 0x{:x}) reaches the monitor's descriptors at 0x{:x}; "
                                   "this mode needs a GDT of fewer than {} entries",
                                   r.limit, kFirstMonitorSelector, kFirstMonitorSelector / 8);
              m_vcpu.gdtr = r;
              sync_shadow_gdt();
            }
            break;
          }
          case TaeReason::Lmsw: {
            u32 value = m_insn.is_mem() ? cpu.read<u16>(m_insn.seg, ea) : cpu.reg(Reg(m_insn.rm)) & 0xFFFF;
            m_vcpu.cr0 = (m_vcpu.cr0 & ~0xEu) | (value & 0xF) | (m_vcpu.cr0 & CR0_PE);
            set_real_cr0();
            break;
          }
          case TaeReason::Invlpg:
            m_mmu->invlpg(cpu.seg(SegReg(m_insn.seg)).base + ea);
            ++m_machine->counters().tlb_invlpg;
            break;
          default: {
            u16 sel = u16(m_insn.is_mem() ? cpu.read<u16>(m_insn.seg, ea) : cpu.reg(Reg(m_insn.rm)));
            Outcome o = TaeReason(exit.reason) == TaeReason::Lldt ? load_ldt(sel) : load_tr(sel);
            if (o || cpu.eip() != exit.guest_eip) return o;  // stopped, or a fault was reflected
            break;
          }
        }
      } catch (const CpuFault& fault) {
        return fault_during_emulation(fault);
      }
      retire();
      return std::nullopt;
    }
    case TaeReason::Sysenter: return emulate_sysenter();
    case TaeReason::Sysexit: {
      if (vcpl() != 0 || !(m_vcpu.sysenter_cs & 0xFFFC)) return reflect_gp(0);
      cpu.m_sysenter_cs = m_vcpu.sysenter_cs;
      Outcome o = execute_with(0, false);
      cpu.m_sysenter_cs = 0;
      return o;
    }
    case TaeReason::Iret: return emulate_iret();
    case TaeReason::SegmentLoad: return emulate_segment_load();
    case TaeReason::kCount: break;
  }
  return std::nullopt;
}

TaeMonitor::Outcome TaeMonitor::handle_page_fault(const Exit& exit) {
  const ShadowMmu::Fault& f = m_pending_fault;
  switch (f.kind) {
    case ShadowMmu::FaultKind::Hidden: return std::nullopt;  // filled: the instruction runs again
    case ShadowMmu::FaultKind::True:
      m_vcpu.cr2 = exit.qualification;
      return reflect(kPF, true, f.error_code, m_cpu->eip(), false);
    case ShadowMmu::FaultKind::Traced: return emulate_memory_access(exit.qualification, f.target, true);
    case ShadowMmu::FaultKind::EmulatedWrite: return emulate_memory_access(exit.qualification, f.target, false);
    case ShadowMmu::FaultKind::Mmio: return emulate_memory_access(exit.qualification, f.target, false);
    case ShadowMmu::FaultKind::Hole: break;
  }
  return std::nullopt;
}

// A fault raised while the monitor emulated an instruction for the guest. A page fault
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

// ===== Reflection: deliver an event through the guest's own IDT =====

// As the hardware would deliver it to a ring-0 kernel: the guest's gate (its DPL checked
// against the virtual CPL for INT n), its handler entered at ring 1 on its ring-0 stack
// (from its TSS), the frame showing the virtual IF, IOPL and a ring-0 CS.
TaeMonitor::Outcome TaeMonitor::reflect(u8 vector, bool has_error, u32 error_code, u32 return_eip, bool software,
                                        int depth) {
  Cpu& cpu = *m_cpu;
  auto nested = [&](u8 second, bool second_error, u32 second_code) -> Outcome {
    if (vector == kDF || depth >= 3)
      return fmt::format("triple fault in the virtual CPU while delivering vector {} to the guest", vector);
    if (makes_double_fault(vector, second)) return reflect(kDF, true, 0, return_eip, false, depth + 1);
    return reflect(second, second_error, second_code, return_eip, false, depth + 1);
  };
  u32 ext = software ? 0 : 1;
  u32 idt_error = vector * 8u + 2 + ext;
  u32 lo = 0, hi = 0;
  if (vector * 8u + 7 > m_vcpu.idtr.limit) return nested(kGP, true, idt_error);
  if (!read_guest(m_vcpu.idtr.base + vector * 8u, lo) || !read_guest(m_vcpu.idtr.base + vector * 8u + 4, hi))
    return fmt::format("the guest's IDT entry for vector {} at 0x{:08x} is not mapped", vector,
                       m_vcpu.idtr.base + vector * 8u);
  Descriptor gate{lo, hi};
  if (!gate.is_segment() && gate.type() == STS_TG)
    return fmt::format("the guest's IDT has a task gate for vector {}: hardware task switches are not "
                       "virtualized by this mode", vector);
  bool is_gate = !gate.is_segment() && (gate.type() == STS_IG16 || gate.type() == STS_TRG16 ||
                                        gate.type() == STS_IG32 || gate.type() == STS_TRG32);
  if (!is_gate) return nested(kGP, true, idt_error);
  if (software && gate.dpl() < vcpl()) return nested(kGP, true, idt_error);
  if (!gate.present()) return nested(kNP, true, idt_error);
  if (gate.gate_selector() >= kFirstMonitorSelector) return nested(kGP, true, (gate.gate_selector() & ~3u) | ext);

  bool from_user = cpu.cpl() == 3;
  bool old_vif = guest_interrupts_enabled();
  if (from_user) {
    u32 esp0 = 0, ss0 = 0;
    if (!m_vcpu.tr || !read_guest(m_guest_tss_base + 4, esp0) || !read_guest(m_guest_tss_base + 8, ss0))
      return fmt::format("vector {} arrived in user mode but the guest has no usable TSS (LTR) for its "
                         "kernel stack", vector);
    u32* tss = m_pool->table(m_tss_hpa);
    tss[3] = esp0;                        // ESP1
    tss[4] = (ss0 & 0xFFFF & ~3u) | 1;    // SS1: the guest's SS0 at RPL 1
  }
  DescriptorTableReg shadow_idt = cpu.idtr();
  cpu.set_idtr(m_vcpu.idtr);
  cpu.set_monitor_entry(0);
  cpu.m_next_eip = return_eip;
  std::optional<CpuFault> fault;
  try {
    cpu.interrupt(vector, Cpu::IntSource::External, has_error, error_code);
  } catch (const CpuFault& f) {
    fault = f;
  }
  cpu.set_idtr(shadow_idt);
  cpu.set_monitor_entry(kMonitorCode);
  if (fault) {
    if (fault->vector == kPF) {
      // Usually the guest's kernel stack is not in the shadow yet: a hidden fault.
      Exit exit;
      exit.guest_eip = cpu.eip();
      exit.qualification = cpu.cr2();
      ShadowMmu::Fault f = m_mmu->page_fault(cpu.cr2(), fault->error_code);
      exit.reason = u16(f.kind == ShadowMmu::FaultKind::True ? TaeReason::TruePageFault : TaeReason::HiddenPageFault);
      exit.category = f.kind == ShadowMmu::FaultKind::True ? ExitCategory::GuestPageFault : ExitCategory::HiddenPageFault;
      record(exit);
      if (f.kind == ShadowMmu::FaultKind::Hidden)
        return reflect(vector, has_error, error_code, return_eip, software, depth + 1);
      if (f.kind == ShadowMmu::FaultKind::True) {
        m_vcpu.cr2 = cpu.cr2();
        return nested(kPF, true, f.error_code);
      }
      return fmt::format("the guest's stack for vector {} is not ordinary RAM (0x{:08x})", vector, cpu.cr2());
    }
    return nested(fault->vector, pushes_error_code(fault->vector), fault->error_code);
  }
  cpu.set_eip(cpu.m_next_eip);

  // The frame as a ring-0 kernel would see it.
  unsigned size = gate.gate32() ? 4 : 2;
  u32 frame = cpu.stack_pointer() + (has_error ? size : 0);
  try {
    if (!from_user) {
      u32 cs = size == 4 ? cpu.read<u32>(SS, frame + size) : cpu.read<u16>(SS, frame + size);
      cs &= ~3u;
      if (size == 4) cpu.write<u32>(SS, frame + size, cs);
      else cpu.write<u16>(SS, frame + size, u16(cs));
    }
    u32 flags = size == 4 ? cpu.read<u32>(SS, frame + 2 * size) : cpu.read<u16>(SS, frame + 2 * size);
    flags = (flags & ~(EFLAGS_IF | EFLAGS_IOPL)) | (old_vif ? EFLAGS_IF : 0) | (u32(m_vcpu.iopl) << EFLAGS_IOPL_SHIFT);
    if (size == 4) cpu.write<u32>(SS, frame + 2 * size, flags);
    else cpu.write<u16>(SS, frame + 2 * size, u16(flags));
  } catch (const CpuFault&) {
    return fmt::format("the monitor could not rewrite the guest's frame for vector {}", vector);
  }
  cpu.m_eflags |= EFLAGS_IF;  // the real IF stays set; the gate type decides the virtual IF
  bool interrupt_gate = (gate.type() & 0x7) == 0x6;
  m_vcpu.interrupts_enabled = interrupt_gate ? false : old_vif;
  cpu.set_halted(false);
  return std::nullopt;
}

// ===== Composition =====

std::unique_ptr<Monitor> make_monitor(const ModeSpec& spec) {
  require_runnable(spec);
  if (spec.cpu == CpuStrategy::None) return nullptr;
  if (spec.cpu == CpuStrategy::TrapAndEmulate && spec.mmu == MmuStrategy::Shadow && spec.io == IoStrategy::Emulated)
    return std::make_unique<TaeMonitor>(spec);
  throw UserError(fmt::format("mode '{}' has no monitor in this version", to_string(spec)));
}

u32 monitor_memory_mib(const ModeSpec& spec) { return spec.cpu == CpuStrategy::None ? 0 : 16; }

std::string exit_reason_name(u8 cpu_strategy, u16 reason) {
  if (CpuStrategy(cpu_strategy) == CpuStrategy::TrapAndEmulate && reason < size_t(TaeReason::kCount))
    return fmt::format("tae.{}", kReasonNames[reason]);
  return fmt::format("reason {}", reason);
}

std::string_view category_name(ExitCategory category) {
  static constexpr std::string_view kNames[] = {
      "privileged-instruction", "sensitive-instruction", "io", "mmio", "hidden-page-fault",
      "guest-page-fault", "guest-page-table-write", "guest-exception", "software-interrupt",
      "external-interrupt", "hlt", "msr", "hypercall", "ept-violation",
  };
  static_assert(std::size(kNames) == size_t(ExitCategory::kCount));
  return size_t(category) < std::size(kNames) ? kNames[size_t(category)] : "?";
}

}  // namespace vmlab
