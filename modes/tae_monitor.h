// Trap-and-emulate with ring compression: the CPU strategy "tae" (reference/
// virtualization.md sections 1.2, 2.1 and 2.2), over shadow paging (shadow_mmu.h) and
// emulated devices.
//
// The guest kernel really runs at CPL 1 and its user code at CPL 3. The real CPU holds
// the monitor's settings: IF=1, IOPL=0, CR0.WP=1, CR3 at a shadow root, and GDTR, IDTR,
// TR and LDTR at shadow tables the monitor keeps in its own memory, mapped in the top
// 4 MiB of every address space (the hole, supervisor read-only, fenced from the guest's
// segments by their limits):
//
//   0xFFC00000  shadow GDT (64 KiB): the guest's descriptors at the same indices, DPL 0
//               compressed to 1, limits cut below the hole, gates and TSSs dropped;
//               0xFFE8 monitor code (the target of every shadow IDT gate),
//               0xFFF0 shadow LDT, 0xFFF8 monitor TSS
//   0xFFC10000  shadow IDT: 256 gates, DPL 3, into the monitor
//   0xFFC11000  monitor TSS: SS1:ESP1 = the guest's SS0:ESP0 when an event leaves ring 3
//   0xFFC12000  shadow LDT (64 KiB)
//
// Every exception, INT n and device interrupt therefore goes through a shadow IDT gate
// into the monitor (Cpu::Trap). The monitor emulates what the guest kernel was allowed
// to do (CLI, STI, HLT, I/O, MOV CR, LGDT, ..., IRET to ring 0), fixes shadow paging
// faults, and reflects everything else through the guest's own IDT, as the hardware
// would have delivered it to a ring-0 kernel. The sensitive but unprivileged
// instructions are left alone: POPF at CPL 1 silently keeps IF, PUSHF shows the real
// IF and IOPL, SGDT/SIDT/SLDT/STR/SMSW show the monitor's values, PUSH CS shows RPL 1.
// That is the lesson of this mode (docs/MONITOR.md), not a bug to fix here.
#pragma once
#include <array>
#include <memory>

#include "cpu/descriptors.h"
#include "cpu/insn.h"
#include "modes/memslots.h"
#include "modes/monitor.h"
#include "modes/shadow_mmu.h"

namespace vmlab {

class Machine;

// Why a trap-and-emulate exit happened (Exit::reason).
enum class TaeReason : u16 {
  Cli, Sti, Hlt, PortIo, MovToCr, MovFromCr, MovDr, Lgdt, Lidt, Lldt, Ltr, Lmsw, Clts,
  Invlpg, CacheFlush, Rdmsr, Wrmsr, Sysenter, Sysexit, Iret, SegmentLoad,
  HiddenPageFault, TruePageFault, TracedWrite, EmulatedWrite, Mmio,
  Exception, SoftwareInterrupt, ExternalInterrupt,
  kCount,
};
const char* tae_reason_name(TaeReason reason);

class TaeMonitor : public Monitor {
 public:
  static constexpr u32 kGdtLinear = ShadowMmu::kHoleBase;
  static constexpr u32 kIdtLinear = kGdtLinear + 0x10000;
  static constexpr u32 kTssLinear = kIdtLinear + 0x1000;
  static constexpr u32 kLdtLinear = kTssLinear + 0x1000;
  static constexpr u32 kHolePages = 16 + 1 + 1 + 16;
  static constexpr u16 kMonitorCode = 0xFFE8;
  static constexpr u16 kShadowLdt = 0xFFF0;
  static constexpr u16 kMonitorTss = 0xFFF8;
  static constexpr u16 kFirstMonitorSelector = kMonitorCode;

  explicit TaeMonitor(const ModeSpec& spec);
  ~TaeMonitor() override;

  void attach(Machine& machine) override;
  std::optional<std::string> handle_trap(const Cpu::Trap& trap) override;
  void invalidate() override;
  const VirtualCpu& vcpu() const override;
  const Exit& last_exit() const override { return m_last_exit; }
  bool guest_interrupts_enabled() const override;
  bool translate_guest(u32 linear, u32& physical) const override;
  ModeSpec spec() const override { return m_spec; }
  HandlingLog& handling_log() override { return m_log; }
  std::optional<ShadowEntryOrigin> shadow_entry_origin(u32 gva) const override;

  const ShadowMmu& mmu() const { return *m_mmu; }
  const Memslots& memslots() const { return *m_slots; }
  const MonitorMemory& monitor_memory() const { return *m_pool; }

 private:
  class InterruptGate;
  using Outcome = std::optional<std::string>;  // a reason to stop, or nullopt

  // Exits
  std::optional<std::string> handle_trap_logged(const Cpu::Trap& trap);
  void log_trap(const Cpu::Trap& trap);
  Exit classify(const Cpu::Trap& trap);
  bool decode_trapped_instruction();
  void record(Exit& exit);
  Outcome handle_exit(const Exit& exit, const Cpu::Trap& trap);
  Outcome handle_page_fault(const Exit& exit);
  Outcome handle_exception(const Cpu::Trap& trap);
  Outcome fault_during_emulation(const CpuFault& fault);
  static bool pushes_error_code(u8 vector);

  // Reflection into the guest's IDT (tae_reflect.cpp)
  struct GateLookup {
    Descriptor gate;
    std::optional<CpuFault> fault;  // what delivery through this gate raises
    Outcome stop;                   // why the monitor cannot deliver at all
  };
  Outcome reflect(u8 vector, bool has_error, u32 error_code, u32 return_eip, bool software,
                  int depth = 0);
  GateLookup guest_gate(u8 vector, bool software) const;
  bool load_ring0_stack();
  std::optional<CpuFault> deliver_through_guest_idt(u8 vector, bool has_error, u32 error_code, u32 return_eip);
  ShadowMmu::Fault fault_while_delivering(const CpuFault& fault);
  bool present_ring0_frame(bool gate32, bool has_error, bool from_user, bool old_vif);
  Outcome reflect_gp(u32 error_code) { return reflect(kGP, true, error_code, m_cpu->eip(), false); }

  // Emulation (tae_emulate.cpp), one function per privileged instruction
  u8 vcpl() const;
  void retire();  // the trapped instruction is done: EIP past it, one instruction counted
  Outcome execute_with(u8 cpl, bool io_allowed);
  Outcome emulate_memory_access(u32 gva, u32 target, bool traced);
  template <typename Body> Outcome with_operand(Body body);
  Outcome emulate_cli_sti(bool sti);
  Outcome emulate_hlt();
  Outcome emulate_mov_from_cr(u8 cr);
  Outcome emulate_mov_to_cr(u8 cr, u32 value);
  Outcome emulate_msr(bool write);
  Outcome emulate_clts();
  Outcome emulate_table_load(bool idt);
  Outcome emulate_lmsw();
  Outcome emulate_invlpg();
  Outcome emulate_selector_load(bool ldt);
  Outcome emulate_iret();
  Outcome emulate_segment_load();
  Outcome emulate_sysenter();
  Outcome emulate_sysexit();
  void set_real_cr0();
  void switch_paging();

  // Attach
  void adopt_guest_state();
  void describe_loaded_segments();
  void deprivilege();

  // Shadow descriptor tables (tae_tables.cpp)
  void build_hole();
  void sync_shadow_gdt();
  Outcome load_ldt(u16 selector);
  Outcome load_tr(u16 selector);
  static void compress(u32& lo, u32& hi);
  bool read_guest(u32 linear, u32& value) const;
  bool write_guest(u32 linear, u32 value);
  bool guest_descriptor(u16 selector, u32& lo, u32& hi) const;

  ModeSpec m_spec;
  Machine* m_machine = nullptr;
  Cpu* m_cpu = nullptr;
  std::unique_ptr<Memslots> m_slots;
  std::unique_ptr<MonitorMemory> m_pool;
  std::unique_ptr<ShadowMmu> m_mmu;
  std::unique_ptr<InterruptGate> m_gate;
  mutable VirtualCpu m_vcpu;
  u32 m_guest_tss_base = 0;
  Insn m_insn;  // the trapped instruction, when the trap was #GP
  ShadowMmu::Fault m_pending_fault;  // what the shadow MMU made of the last #PF
  Exit m_last_exit;
  HandlingLog m_log;
  u32 m_gdt_hpa = 0, m_idt_hpa = 0, m_tss_hpa = 0, m_ldt_hpa = 0;
  std::array<u64*, size_t(TaeReason::kCount)> m_reason_counters{};
  std::array<u64*, size_t(ExitCategory::kCount)> m_category_counters{};
  int m_nesting = 0;
};

}  // namespace vmlab
