// Trap-and-emulate: attaching to a guest, the exit path (classify, record, the switch on
// the reason), the virtual interrupt line and the composition of modes. The emulation of
// each instruction is in tae_emulate.cpp, reflection into the guest's IDT in
// tae_reflect.cpp, the shadow descriptor tables in tae_tables.cpp.
#include "modes/tae_monitor.h"

#include <fmt/format.h>

#include <cstring>

#include "core/compare_report.h"
#include "core/error.h"
#include "core/machine.h"
#include "cpu/decoder.h"
#include "cpu/descriptors.h"
#include "cpu/disassembler.h"
#include "cpu/exec_common.h"
#include "mmu/paging.h"
#include "modes/cpu_state_view.h"

namespace vmlab {
namespace {

constexpr const char* kReasonNames[] = {
    "cli", "sti", "hlt", "port-io", "mov-to-cr", "mov-from-cr", "mov-dr", "lgdt", "lidt", "lldt",
    "ltr", "lmsw", "clts", "invlpg", "cache-flush", "rdmsr", "wrmsr", "sysenter", "sysexit", "iret",
    "segment-load", "hidden-page-fault", "true-page-fault", "traced-write", "emulated-write", "mmio",
    "exception", "software-interrupt", "external-interrupt",
};
static_assert(std::size(kReasonNames) == size_t(TaeReason::kCount));

// The common category of each reason (modes/exit.h), in TaeReason order.
constexpr ExitCategory kReasonCategories[] = {
    ExitCategory::PrivilegedInstruction, ExitCategory::PrivilegedInstruction,  // cli, sti
    ExitCategory::Hlt,             ExitCategory::Io,                           // hlt, port-io
    ExitCategory::PrivilegedInstruction, ExitCategory::PrivilegedInstruction,  // mov-to-cr, mov-from-cr
    ExitCategory::PrivilegedInstruction, ExitCategory::PrivilegedInstruction,  // mov-dr, lgdt
    ExitCategory::PrivilegedInstruction, ExitCategory::PrivilegedInstruction,  // lidt, lldt
    ExitCategory::PrivilegedInstruction, ExitCategory::PrivilegedInstruction,  // ltr, lmsw
    ExitCategory::PrivilegedInstruction, ExitCategory::PrivilegedInstruction,  // clts, invlpg
    ExitCategory::PrivilegedInstruction, ExitCategory::Msr, ExitCategory::Msr, // cache-flush, rdmsr, wrmsr
    ExitCategory::SoftwareInterrupt, ExitCategory::PrivilegedInstruction,      // sysenter, sysexit
    ExitCategory::SensitiveInstruction, ExitCategory::SensitiveInstruction,    // iret, segment-load
    ExitCategory::HiddenPageFault, ExitCategory::GuestPageFault,               // hidden, true page fault
    ExitCategory::GuestPageTableWrite, ExitCategory::PrivilegedInstruction,    // traced, emulated write
    ExitCategory::Mmio, ExitCategory::GuestException,                          // mmio, exception
    ExitCategory::SoftwareInterrupt, ExitCategory::ExternalInterrupt,          // software, external interrupt
};
static_assert(std::size(kReasonCategories) == size_t(TaeReason::kCount));

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

}  // namespace

bool TaeMonitor::pushes_error_code(u8 vector) {
  return vector == kDF || (vector >= kTS && vector <= kPF) || vector == kAC;
}

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
  m_mmu->set_log(&m_log);

  adopt_guest_state();
  build_hole();
  if (m_vcpu.gdtr.limit >= 8 && u32(m_vcpu.gdtr.limit) < kFirstMonitorSelector) sync_shadow_gdt();
  describe_loaded_segments();
  deprivilege();
}

// What the guest believes: the state the loader (or a test) left on the real CPU.
void TaeMonitor::adopt_guest_state() {
  const Cpu& cpu = *m_cpu;
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
  if (cpu.tr().selector & ~3u) {
    m_vcpu.tr = cpu.tr().selector;
    m_guest_tss_base = cpu.tr().base;
  }
}

// A segment register whose selector has no descriptor in the shadow GDT (Multiboot
// leaves GDTR undefined) gets the descriptor its cache holds.
void TaeMonitor::describe_loaded_segments() {
  u32* gdt = m_pool->table(m_gdt_hpa);
  for (SegReg s : {ES, CS, SS, DS, FS, GS}) {
    SegmentCache c = m_cpu->seg(s);
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
}

// The real CPU from now on: ring 1, the monitor's tables, IF=1, IOPL=0, a shadow root,
// and every event through the shadow IDT into the monitor.
void TaeMonitor::deprivilege() {
  Cpu& cpu = *m_cpu;
  const u32* gdt = m_pool->table(m_gdt_hpa);
  cpu.set_gdtr(DescriptorTableReg{kGdtLinear, 0xFFFF});
  cpu.set_idtr(DescriptorTableReg{kIdtLinear, 0x7FF});
  SegmentCache tr;
  tr.selector = kMonitorTss;
  tr.base = kTssLinear;
  tr.limit = 103;
  tr.access = 0x80 | STS_T32B;
  cpu.m_tr = tr;
  cpu.m_ldtr = SegmentCache{};
  cpu.m_ldtr.access = 0x82;
  cpu.m_sysenter_cs = 0;  // SYSENTER then #GPs into the monitor
  for (SegReg s : {ES, CS, SS, DS, FS, GS}) {
    SegmentCache c = cpu.seg(s);
    if (!(c.selector & ~3u)) continue;
    Descriptor d{gdt[(c.selector >> 3) * 2], gdt[(c.selector >> 3) * 2 + 1]};
    cpu.set_segment_cache(s, make_cache(s == CS || s == SS ? u16(c.selector | 1) : c.selector, d));
  }
  cpu.m_cpl = 1;
  cpu.set_eflags((cpu.get_eflags() & ~EFLAGS_IOPL) | EFLAGS_IF);
  cpu.refresh_all_segment_limits();

  m_gate = std::make_unique<InterruptGate>(cpu.m_pic, *this);
  cpu.set_interrupt_controller(m_gate.get());
  cpu.set_monitor_entry(kMonitorCode);
  cpu.set_walk_kind(PageTableKind::Shadow);
  set_real_cr0();
  cpu.set_cr4(m_vcpu.cr4 & CR4_TSD);
  switch_paging();
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
  if (m_log.enabled()) return handle_trap_logged(trap);
  Exit exit = classify(trap);
  record(exit);
  return handle_exit(exit, trap);
}

// The same handling, noting each step in the handling log (handling_log.h): the trap as
// the hardware delivered it, the classification (the shadow MMU notes its walk and the
// entries it writes), the accounting, what the handler changed in the real and the
// virtual CPU, and how the guest goes on.
std::optional<std::string> TaeMonitor::handle_trap_logged(const Cpu::Trap& trap) {
  m_log.begin();
  log_trap(trap);
  std::vector<CpuStateRow> before = cpu_state_rows(*m_cpu, &m_vcpu);
  const Counters& counters = m_machine->counters();
  u64 exits_before = counters.exits;
  Exit exit = classify(trap);
  if (trap.vector == kGP && trap.source == u8(Cpu::IntSource::Exception) && exit.category != ExitCategory::GuestException)
    m_log.add("classify", "the instruction at EIP {:#010x} is {}: a privileged instruction the monitor emulates",
              trap.eip, disassemble_at_eip(*m_cpu, [this](u32 linear, u32& physical) {
                return translate_guest(linear, physical);
              }).text);
  m_log.add("classify", "reason {}, category {}, qualification {:#x}",
            exit_reason_name(u8(CpuStrategy::TrapAndEmulate), exit.reason), category_name(exit.category),
            exit.qualification);
  record(exit);
  m_log.add("account", "exits {} -> {}; {} cycles charged to the guest's virtual time", with_thousands(exits_before),
            with_thousands(counters.exits), with_thousands(exit.cost));
  Outcome outcome = handle_exit(exit, trap);
  std::vector<CpuStateRow> after = cpu_state_rows(*m_cpu, &m_vcpu);
  for (size_t i = 0; i < before.size() && i < after.size(); ++i) {
    if (before[i].real != after[i].real)
      m_log.add("effect", "real {}: {} -> {}", after[i].name, before[i].real, after[i].real);
    if (before[i].guest != after[i].guest)
      m_log.add("effect", "virtual {}: {} -> {}", after[i].name, before[i].guest, after[i].guest);
  }
  if (outcome)
    m_log.add("stop", "{}", *outcome);
  else
    m_log.add("resume", "the guest goes on at EIP {:#010x} (virtual CPL {})", m_cpu->eip(), vcpl());
  return outcome;
}

void TaeMonitor::log_trap(const Cpu::Trap& trap) {
  if (trap.source == u8(Cpu::IntSource::External)) {
    m_log.add("trap", "external interrupt, vector {}, at EIP {:#010x}: the shadow IDT sends it to the monitor",
              trap.vector, trap.eip);
  } else if (trap.source == u8(Cpu::IntSource::Software)) {
    m_log.add("trap", "INT {:#x} at EIP {:#010x} (real CPL {}): every gate of the shadow IDT leads to the monitor",
              trap.vector, trap.eip, m_cpu->cpl());
  } else if (trap.vector == kPF) {
    m_log.add("trap", "#PF, error code {:#x} ({} {} {}), at EIP {:#010x}, CR2 {:#010x}: the hardware walked the "
                      "shadow tables", trap.error_code, trap.error_code & PFEC_P ? "protection" : "not present",
              trap.error_code & PFEC_W ? "write" : "read", trap.error_code & PFEC_U ? "user" : "supervisor", trap.eip,
              m_cpu->cr2());
  } else {
    m_log.add("trap", "exception {}{} at EIP {:#010x} (real CPL {})", trap.vector,
              trap.vector == kGP ? fmt::format(" (#GP, error code {:#x})", trap.error_code) : std::string(), trap.eip,
              m_cpu->cpl());
  }
}

// The privileged instruction behind a #GP, or Exception when it is not one the monitor
// emulates (the guest's own #GP, reflected).
TaeReason privileged_reason(const Insn& insn) {
  u8 ext = insn.reg;
  switch (insn.opcode) {
    case 0xFA: return TaeReason::Cli;
    case 0xFB: return TaeReason::Sti;
    case 0xF4: return TaeReason::Hlt;
    case 0xE4: case 0xE5: case 0xE6: case 0xE7: case 0xEC: case 0xED: case 0xEE: case 0xEF:
    case 0x6C: case 0x6D: case 0x6E: case 0x6F: return TaeReason::PortIo;
    case 0x120: return TaeReason::MovFromCr;
    case 0x122: return TaeReason::MovToCr;
    case 0x121: case 0x123: return TaeReason::MovDr;
    case 0x106: return TaeReason::Clts;
    case 0x108: case 0x109: return TaeReason::CacheFlush;
    case 0x130: return TaeReason::Wrmsr;
    case 0x132: return TaeReason::Rdmsr;
    case 0x134: return TaeReason::Sysenter;
    case 0x135: return TaeReason::Sysexit;
    case 0xCF: return TaeReason::Iret;
    case 0x8E: case 0x17: return TaeReason::SegmentLoad;
    case 0x101:
      if (ext == 2) return TaeReason::Lgdt;
      if (ext == 3) return TaeReason::Lidt;
      if (ext == 6) return TaeReason::Lmsw;
      if (ext == 7 && insn.is_mem()) return TaeReason::Invlpg;
      return TaeReason::Exception;
    case 0x100:
      if (ext == 2) return TaeReason::Lldt;
      if (ext == 3) return TaeReason::Ltr;
      return TaeReason::Exception;
    default: return TaeReason::Exception;
  }
}

TaeReason page_fault_reason(ShadowMmu::FaultKind kind) {
  switch (kind) {
    case ShadowMmu::FaultKind::Hidden: return TaeReason::HiddenPageFault;
    case ShadowMmu::FaultKind::True: return TaeReason::TruePageFault;
    case ShadowMmu::FaultKind::Traced: return TaeReason::TracedWrite;
    case ShadowMmu::FaultKind::EmulatedWrite: return TaeReason::EmulatedWrite;
    case ShadowMmu::FaultKind::Mmio: return TaeReason::Mmio;
    case ShadowMmu::FaultKind::Hole: break;
  }
  return TaeReason::Exception;
}

// What the trap was. A #PF is sorted by the shadow MMU (which also fills a hidden fault's
// entry); a #GP is decoded to find the privileged instruction.
Exit TaeMonitor::classify(const Cpu::Trap& trap) {
  Exit exit;
  exit.guest_eip = trap.eip;
  exit.qualification = trap.vector;
  TaeReason reason = TaeReason::Exception;
  if (trap.source == u8(Cpu::IntSource::External)) {
    reason = TaeReason::ExternalInterrupt;
  } else if (trap.source == u8(Cpu::IntSource::Software)) {
    reason = TaeReason::SoftwareInterrupt;
  } else if (trap.vector == kPF) {
    exit.qualification = m_cpu->cr2();
    m_pending_fault = m_mmu->page_fault(m_cpu->cr2(), trap.error_code);
    reason = page_fault_reason(m_pending_fault.kind);
  } else if (trap.vector == kGP && decode_trapped_instruction()) {
    reason = privileged_reason(m_insn);
    exit.qualification = trap.error_code;
    if (reason == TaeReason::PortIo)
      exit.qualification = (m_insn.opcode & 0xF8) == 0xE0 ? m_insn.imm & 0xFF : m_cpu->reg(EDX) & 0xFFFF;
    else if (reason == TaeReason::MovFromCr || reason == TaeReason::MovToCr)
      exit.qualification = m_insn.reg;
    else if (reason == TaeReason::Rdmsr || reason == TaeReason::Wrmsr)
      exit.qualification = m_cpu->reg(ECX);
  }
  exit.reason = u16(reason);
  exit.category = kReasonCategories[size_t(reason)];
  return exit;
}

// The instruction at CS:EIP into m_insn; false when even its bytes cannot be read (then
// the #GP is the guest's, reflected).
bool TaeMonitor::decode_trapped_instruction() {
  try {
    GuestCodeFetcher fetch(*m_cpu);
    decode_instruction(m_insn, fetch, m_cpu->code32());
    return true;
  } catch (const CpuFault&) {
    m_insn = Insn{};
    return false;
  }
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

namespace {

// Instructions the guest may execute only at its virtual ring 0; at ring 3 they get the
// #GP bare metal would give them.
bool kernel_only(TaeReason reason) {
  switch (reason) {
    case TaeReason::Hlt: case TaeReason::MovToCr: case TaeReason::MovFromCr: case TaeReason::MovDr:
    case TaeReason::Lgdt: case TaeReason::Lidt: case TaeReason::Lldt: case TaeReason::Ltr:
    case TaeReason::Lmsw: case TaeReason::Clts: case TaeReason::Invlpg: case TaeReason::CacheFlush:
    case TaeReason::Rdmsr: case TaeReason::Wrmsr: case TaeReason::Sysexit:
      return true;
    default:
      return false;
  }
}

}  // namespace

// The plain switch on the reason.
TaeMonitor::Outcome TaeMonitor::handle_exit(const Exit& exit, const Cpu::Trap& trap) {
  TaeReason reason = TaeReason(exit.reason);
  if (kernel_only(reason) && vcpl() != 0) return reflect_gp(0);
  switch (reason) {
    case TaeReason::ExternalInterrupt: return reflect(trap.vector, false, 0, trap.next_eip, false);
    case TaeReason::SoftwareInterrupt: return reflect(trap.vector, false, 0, trap.next_eip, true);
    case TaeReason::HiddenPageFault:
    case TaeReason::TruePageFault:
    case TaeReason::TracedWrite:
    case TaeReason::EmulatedWrite:
    case TaeReason::Mmio: return handle_page_fault(exit);
    case TaeReason::Exception: return handle_exception(trap);
    case TaeReason::Cli: return emulate_cli_sti(false);
    case TaeReason::Sti: return emulate_cli_sti(true);
    case TaeReason::Hlt: return emulate_hlt();
    case TaeReason::PortIo: return vcpl() > m_vcpu.iopl ? reflect_gp(0) : execute_with(m_cpu->cpl(), true);
    case TaeReason::MovFromCr: return emulate_mov_from_cr(u8(exit.qualification));
    case TaeReason::MovToCr: return emulate_mov_to_cr(u8(exit.qualification), m_cpu->reg(Reg(m_insn.rm)));
    case TaeReason::MovDr: return execute_with(0, false);  // the real debug registers
    case TaeReason::Rdmsr: return emulate_msr(false);
    case TaeReason::Wrmsr: return emulate_msr(true);
    case TaeReason::Clts: return emulate_clts();
    case TaeReason::CacheFlush: retire(); return std::nullopt;  // no caches to write back
    case TaeReason::Lgdt: return emulate_table_load(false);
    case TaeReason::Lidt: return emulate_table_load(true);
    case TaeReason::Lmsw: return emulate_lmsw();
    case TaeReason::Invlpg: return emulate_invlpg();
    case TaeReason::Lldt: return emulate_selector_load(true);
    case TaeReason::Ltr: return emulate_selector_load(false);
    case TaeReason::Sysenter: return emulate_sysenter();
    case TaeReason::Sysexit: return emulate_sysexit();
    case TaeReason::Iret: return emulate_iret();
    case TaeReason::SegmentLoad: return emulate_segment_load();
    case TaeReason::kCount: break;
  }
  return std::nullopt;
}

// An exception the guest raised itself is reflected; a page fault classified as an
// exception was an access to the monitor's hole.
TaeMonitor::Outcome TaeMonitor::handle_exception(const Cpu::Trap& trap) {
  if (trap.vector == kPF)
    return fmt::format("the guest touched the monitor's address range 0x{:08x}-0xffffffff (at 0x{:08x}); "
                       "this mode keeps the top 4 MiB of every address space",
                       ShadowMmu::kHoleBase, m_cpu->cr2());
  return reflect(trap.vector, trap.has_error_code, trap.error_code, trap.eip, false);
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

std::optional<ShadowEntryOrigin> TaeMonitor::shadow_entry_origin(u32 gva) const {
  return m_mmu ? m_mmu->entry_origin(gva) : std::nullopt;
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

u16 exit_reason_count(u8 cpu_strategy) {
  return CpuStrategy(cpu_strategy) == CpuStrategy::TrapAndEmulate ? u16(TaeReason::kCount) : 0;
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
