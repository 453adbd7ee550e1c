// The i386-class CPU: an interpreter over pre-decoded blocks.
//
// The CPU reaches the rest of the machine only through what it is given: physical
// memory (RAM fast path), the Bus (ports, MMIO), the event stream, the counters and the
// clock. A test can build a Cpu on its own with a private Bus and record every access.
//
// Execution model (decode once, execute many):
//   run() looks up the block starting at CS:EIP in the decode cache (keyed by physical
//   address and code size), decodes it on a miss, then calls each Insn's handler in turn.
//   Handlers update m_next_eip; faults are thrown as CpuFault and delivered through the
//   IDT (or the IVT in real mode) by deliver_exception(). Writes to a page that holds
//   decoded code drop that page's blocks (PhysicalMemory's code-page hook).
//
// Files: cpu.cpp (run loop, reset), decoder.cpp + opcode_table.cpp (one table),
// memory.cpp (segmentation + TLB slow paths), flags.h (lazy flags),
// exec_*.cpp (instruction handlers by group), interrupts.cpp (exception and interrupt
// delivery), segmentation.cpp (selector loads and descriptor checks), task_switch.cpp,
// mmu/paging.cpp (page walks), mmu/tlb.h (the TLB).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/cost_model.h"
#include "core/events.h"
#include "core/types.h"
#include "cpu/cpu_state.h"
#include "cpu/flags.h"
#include "cpu/insn.h"
#include "mmu/tlb.h"

namespace vmlab {

class PhysicalMemory;
class Bus;
class EventStream;
class VirtualClock;
struct Counters;

// A fault raised while executing an instruction (thrown, caught by the run loop).
struct CpuFault {
  u8 vector;
  bool has_error_code;
  u32 error_code;
};

// Something that can interrupt the CPU (the PIC or APIC, from the devices issue).
class InterruptController {
 public:
  virtual ~InterruptController() = default;
  // An unmasked interrupt is waiting for the CPU (INTR asserted).
  virtual bool intr_pending() const = 0;
  // INTA cycle: returns the vector and marks the interrupt in service.
  virtual u8 intr_acknowledge() = 0;
};

enum class StopReason : u8 {
  Budget,       // the instruction budget given to run() is used up
  Halted,       // HLT executed; call run() again once an interrupt may be pending
  StopRequest,  // request_stop() was called (exit port, debugger, ...)
  Shutdown,     // triple fault: the CPU entered shutdown
  MonitorTrap,  // an event went through an IDT gate into the monitor: see Cpu::trap()
};

class Cpu {
 public:
  // CPUID.1:EAX and EDX after RESET: family 6, model 1, stepping 9 (an i686-class CPU).
  static constexpr u32 kCpuSignature = 0x00000619;

  Cpu(PhysicalMemory& memory, Bus& bus, EventStream& events, Counters& counters,
      VirtualClock& clock);
  ~Cpu();
  Cpu(const Cpu&) = delete;
  Cpu& operator=(const Cpu&) = delete;

  // Power-on / RESET state (SDM Vol. 3, 9.1.1): real mode at F000:FFF0, CS base FFFF0000.
  void reset();
  // Ready-made states for loaders and tests:
  //   flat protected mode, CPL 0, CS = 0x08 (32-bit code) and the data segments = 0x10, all
  //   base 0 limit 4 GiB, paging off: what a Multiboot loader hands to the kernel.
  void enter_flat_protected_mode();

  // Execute at most `max_instructions` instructions. Returns why it stopped.
  StopReason run(u64 max_instructions);
  // Execute exactly one instruction (or deliver one pending event). For debuggers and
  // conformance tests; bypasses the decode cache.
  StopReason step();
  // From an I/O callback (firmware services): continue at cs:ip in real mode after the
  // current instruction, instead of at the next instruction.
  void continue_real_mode_at(u16 cs, u16 ip) {
    load_segment_real(CS, cs);
    m_next_eip = ip;
    m_block_exit = true;
  }
  // Ask run() to return at the next instruction boundary (safe from I/O callbacks).
  void request_stop() { m_stop_requested = true; m_block_exit = true; }

  void set_interrupt_controller(InterruptController* pic) { m_pic = pic; }
  // Call when the controller's intr_pending() may have become true.
  void notify_interrupt() { m_block_exit = true; }
  bool halted() const { return m_halted; }
  // An interrupt is waiting and the CPU would take it now (IF set).
  bool interrupt_deliverable() const { return m_pic && (m_eflags & EFLAGS_IF) && m_pic->intr_pending(); }
  void set_halted(bool halted) { m_halted = halted; }
  // True when HLT cannot end: IF is clear (no NMI source exists in this machine).
  bool halted_forever() const { return m_halted && !(get_eflags() & EFLAGS_IF); }

  // --- Architectural state (debug views, loaders, tests) ---
  u32 reg(Reg r) const { return m_regs[r]; }
  void set_reg(Reg r, u32 value) { m_regs[r] = value; }
  u32 eip() const { return m_eip; }
  void set_eip(u32 eip) { m_eip = eip; m_block_exit = true; }
  u32 get_eflags() const;
  // Writes every EFLAGS bit given (no privilege checks: for loaders and tests).
  void set_eflags(u32 value);
  const SegmentCache& seg(SegReg s) const { return m_seg[s]; }
  // Real-mode style load: base = selector << 4, limit and attributes untouched.
  void load_segment_real(SegReg s, u16 selector);
  // Replace a whole descriptor cache (loaders and tests).
  void set_segment_cache(SegReg s, const SegmentCache& cache);
  u8 cpl() const { return m_cpl; }
  u32 cr0() const { return m_cr0; }
  u32 cr2() const { return m_cr2; }
  u32 cr3() const { return m_cr3; }
  u32 cr4() const { return m_cr4; }
  void set_cr0(u32 value);
  void set_cr3(u32 value);
  void set_cr4(u32 value);
  const DescriptorTableReg& gdtr() const { return m_gdtr; }
  const DescriptorTableReg& idtr() const { return m_idtr; }
  void set_gdtr(DescriptorTableReg r) { m_gdtr = r; }
  void set_idtr(DescriptorTableReg r) { m_idtr = r; }
  const SegmentCache& ldtr() const { return m_ldtr; }
  const SegmentCache& tr() const { return m_tr; }
  bool protected_mode() const { return m_cr0 & CR0_PE; }
  bool v86_mode() const { return m_eflags & EFLAGS_VM; }
  bool code32() const { return m_seg[CS].default_big(); }
  // Physical address bus mask: 0xFFFFFFFF with A20 enabled, 0xFFEFFFFF with it masked.
  void set_a20(bool enabled);
  bool a20() const { return m_a20_mask & (1u << 20); }
  u64 tsc() const;
  const Tlb& tlb() const { return m_tlb; }
  // The faults that led to the last shutdown, e.g. "#GP(0x0008) -> #DF -> #GP".
  const std::string& shutdown_reason() const { return m_shutdown_reason; }

  // --- The monitor's view (modes/) ---
  // A trap into the monitor: an exception, INT n or external interrupt whose gate in the
  // real IDT names the monitor's entry selector. Real hardware would switch to ring 0
  // and run the monitor's handler there; this CPU records the event, leaves the guest's
  // state untouched (no frame pushed) and returns StopReason::MonitorTrap from run().
  struct Trap {
    u8 vector = 0;
    u8 source = 0;          // IntSource
    bool has_error_code = false;
    u32 error_code = 0;
    u32 eip = 0;            // the instruction that trapped (INT n itself; the faulting one)
    u32 next_eip = 0;       // where delivery would return to (after INT n; = eip for faults)
  };
  // The code selector that marks monitor gates in the IDT; 0 means no monitor is
  // attached (native): every gate is delivered as on bare metal.
  void set_monitor_entry(u16 selector) { m_monitor_entry = selector; }
  const Trap& trap() const { return m_trap; }
  // Execute the instruction at CS:EIP once, uncached, without looking for interrupts and
  // without the single-step trap: the monitor's instruction emulator (port I/O, device
  // memory, traced page-table writes) runs guest instructions this way. Returns the fault
  // the instruction raised, undelivered, or nullopt if it retired.
  std::optional<CpuFault> execute_one();
  // Which tables the hardware walk reads (PageWalk events): shadow tables under a monitor.
  void set_walk_kind(PageTableKind kind) { m_walk_kind = kind; }
  // What a TLB miss costs in virtual time: `refs` memory references, each charged at
  // `key` (the cost model's tlb.refs_per_miss and tlb.walk_ref_level). 0 charges nothing.
  void set_walk_cost(u8 refs, CostKey key) {
    m_walk_refs = refs;
    m_walk_ref_key = key;
  }

  // Translate a linear address for a debugger: physical address, or false if unmapped.
  // Does not set accessed bits and does not fault.
  bool debug_translate(u32 linear, u32& physical) const;

  // ===== Everything below is the interface between instruction handlers. =====
  // (Public so the handlers in exec_*.cpp can be plain functions.)

  // Registers
  u32 m_regs[9] = {};  // [kRegZero] stays 0
  u32 m_eip = 0;
  u32 m_next_eip = 0;  // EIP of the next instruction; handlers of jumps set it
  u8* reg8_ptr(u8 r) { return reinterpret_cast<u8*>(&m_regs[r & 3]) + (r >> 2); }
  u16* reg16_ptr(u8 r) { return reinterpret_cast<u16*>(&m_regs[r]); }

  // Flags: the arithmetic six are lazy (flags.h); the rest live in m_eflags.
  LazyFlags m_flags;
  u32 m_eflags = EFLAGS_FIXED1;  // non-arithmetic bits (arith bits valid only via get_eflags)
  // Write EFLAGS as POPF/IRET do at the current privilege, honouring IOPL/CPL/VM rules.
  // `mask` selects which bits the instruction may change (e.g. 0xFFFF for 16-bit POPF).
  void write_eflags_checked(u32 value, u32 mask);

  // Segmentation
  SegmentCache m_seg[6];
  SegmentCache m_ldtr, m_tr;
  DescriptorTableReg m_gdtr, m_idtr;
  u8 m_cpl = 0;
  // MOV/POP to a segment register, far transfers: full protected-mode checks (segmentation.cpp).
  void load_segment(SegReg s, u16 selector);
  // Read the descriptor for `selector` from the GDT or LDT. Beyond the table limit raises
  // `vector` with the selector as error code (#GP for loads, #TS during task switches).
  struct Descriptor read_descriptor(u16 selector, u8 vector = kGP, u32 ext = 0);
  void write_descriptor_hi(u16 selector, u32 hi);
  void set_accessed(u16 selector, const struct Descriptor& d);
  // Load CS (and CPL) for a far transfer whose checks are done.
  void load_code_segment(u16 selector, const struct Descriptor& d, u8 cpl);
  // After a return to an outer level: null DS/ES/FS/GS that the new CPL may not use.
  void invalidate_segments_for_cpl();
  // Recompute read_max/write_max from limit, access rights and the CPU mode.
  inline void refresh_segment_limits(SegmentCache& s) const;  // memory_inl.h
  void refresh_all_segment_limits();

  // Control and debug registers, MSRs
  u32 m_cr0 = CR0_ET, m_cr2 = 0, m_cr3 = 0, m_cr4 = 0;
  u32 m_dr[8] = {};
  u32 m_sysenter_cs = 0, m_sysenter_esp = 0, m_sysenter_eip = 0;
  u64 m_tsc_offset = 0;
  u32 m_apic_base_msr = 0xFEE00900;  // BSP, enabled
  // Set by the platform when a local APIC is attached: CPUID then reports it (while
  // IA32_APIC_BASE.EN is set) and IA32_APIC_BASE exists; writes go to this hook.
  bool m_has_apic = false;
  std::function<void(bool enabled)> m_on_apic_enable;

  // Memory (memory.cpp, memory_inl.h): all offsets are segment-relative.
  template <typename T> T read(u8 seg, u32 offset);
  template <typename T> void write(u8 seg, u32 offset, T value);
  // Linear-address access with the current privilege (user = CPL 3), or as the
  // supervisor for implicit accesses to descriptor tables and the TSS.
  template <typename T> T read_linear(u32 linear, bool user);
  template <typename T> void write_linear(u32 linear, T value, bool user);
  u32 read_linear_slow(u32 linear, unsigned size, bool user);
  void write_linear_slow(u32 linear, u32 value, unsigned size, bool user);
  // Segment limit/rights check failed on the fast path: fault, or allow (expand-down).
  void segment_check_slow(u8 seg, u32 offset, unsigned size, bool write);
  // Translate linear -> physical for an access; fills the TLB; raises #PF.
  u32 translate(u32 linear, bool write, bool user);
  // Host pointer for a RAM access that the TLB allows, or nullptr (walk / MMIO / code page).
  u8* tlb_read_ptr(u32 linear, bool user) {
    const TlbEntry& e = m_tlb.entry(user, linear);
    return e.read_tag == (linear & ~0xFFFu) ? reinterpret_cast<u8*>(uintptr_t(linear) + e.addend) : nullptr;
  }
  u8* tlb_write_ptr(u32 linear, bool user) {
    const TlbEntry& e = m_tlb.entry(user, linear);
    return e.write_tag == (linear & ~0xFFFu) ? reinterpret_cast<u8*>(uintptr_t(linear) + e.addend) : nullptr;
  }
  Tlb m_tlb;
  u32 m_a20_mask = 0xFFFFFFFF;
  bool user_access() const { return m_cpl == 3; }

  // Stack (operand size 2 or 4; the stack address size comes from SS.B)
  inline void push(u32 value, unsigned size);  // memory_inl.h
  inline u32 pop(unsigned size);
  u32 stack_pointer() const { return m_seg[SS].default_big() ? m_regs[ESP] : (m_regs[ESP] & 0xFFFF); }
  void set_stack_pointer(u32 sp) {
    if (m_seg[SS].default_big()) m_regs[ESP] = sp;
    else m_regs[ESP] = (m_regs[ESP] & 0xFFFF0000u) | (sp & 0xFFFF);
  }

  // Faults and interrupts (interrupts.cpp)
  [[noreturn]] void raise(u8 vector);
  [[noreturn]] void raise(u8 vector, u32 error_code);
  // The same fault without unwinding, for the privilege checks a monitor makes frequent
  // (CLI, STI, I/O, MOV CR at ring 1 under trap-and-emulate): the handler calls it and
  // returns at once, and the run loop delivers the fault as if it had been thrown. The
  // instruction does not retire.
  void fault_here(u8 vector, u32 error_code) {
    m_pending_fault = CpuFault{vector, true, error_code};
    m_fault_pending = true;
    m_block_exit = true;
  }
  bool m_fault_pending = false;
  CpuFault m_pending_fault{};
  void deliver_exception(const CpuFault& fault);
  // INT n, INT3, INTO, external interrupts: through the IDT/IVT with gate checks.
  enum class IntSource : u8 { Software, External, Exception, Icebp };
  void interrupt(u8 vector, IntSource source, bool has_error, u32 error_code);
  void far_return(bool is_iret, unsigned op_size, u16 pop_bytes);
  void far_jump_or_call(u16 selector, u32 offset, unsigned op_size, bool is_call);
  // SS:ESP for privilege level `dpl` from the current TSS (#TS when out of its limit).
  void tss_stack(u8 dpl, u16& ss, u32& esp, u32 ext);
  // Validate a stack segment for a privilege change to `dpl` (#TS / #SS on failure).
  struct Descriptor check_stack_segment(u16 ss, u8 dpl, u32 ext);
  void task_switch(u16 selector, int reason /*0 jmp, 1 call/int, 2 iret*/, u32 next_eip,
                   bool has_error, u32 error_code);

  // Port I/O with the TSS I/O permission bitmap check (IOPL < CPL or V86). A denied
  // access calls fault_here(#GP) and returns false: the handler must return at once.
  u32 port_in(u16 port, unsigned size);
  void port_out(u16 port, u32 value, unsigned size);
  bool check_io_permission(u16 port, unsigned size);

  // Decode cache (cpu.cpp)
  void invalidate_code_page(u32 phys_page);
  void flush_decode_cache();
  void tlb_flush(bool flush_global);  // also counts and emits the event

  // Monitor traps (see trap())
  u16 m_monitor_entry = 0;
  bool m_trap_pending = false;
  Trap m_trap;
  PageTableKind m_walk_kind = PageTableKind::Guest;
  u8 m_walk_refs = 0;
  CostKey m_walk_ref_key = CostKey::tlb_ref_l2;

  // Run-loop control
  bool m_block_exit = false;       // leave the current block after this instruction
  u64 m_chain_generation = 1;      // bumped whenever block links may have gone stale
  bool m_stop_requested = false;
  bool m_halted = false;
  bool m_inhibit_interrupts = false;  // after STI / MOV SS / POP SS: one-instruction shadow

  PhysicalMemory& m_memory;
  Bus& m_bus;
  EventStream& m_events;
  Counters& m_counters;
  VirtualClock& m_clock;
  InterruptController* m_pic = nullptr;

 private:
  struct Block;
  struct BlockSlot;
  StopReason run_loop(u64 max_instructions, bool uncached);
  Block* lookup_block();
  Block* decode_block(u32 phys);
  void run_chain(Block* block, u64 stop_at, u32 first = 0);
  Block* linked_block(Block* from) const;
  void remember_link(Block* from, Block* to);
  void step_uncached();
  void deliver_external_interrupt();
  void handle_fault(const CpuFault& fault);

  std::unordered_map<u32, std::vector<std::unique_ptr<Block>>> m_blocks_by_page;
  std::vector<BlockSlot> m_block_slots;  // direct-mapped lookup cache
  std::vector<std::unique_ptr<Block>> m_retired_blocks;  // freed at the next block boundary
  // Where a run that ran out of budget inside a chain stopped: the next run goes on from
  // there (the rest of the block, or the block's remembered link) instead of looking the
  // code up again, so a run cut into pieces makes the same code-TLB lookups (and pays
  // the same misses) as one run. Valid while EIP, CPL and the chain generation match.
  struct Resume {
    Block* block = nullptr;
    u32 index = 0;  // the next instruction in `block`; block->count: at its end
    u32 eip = 0;
    u8 cpl = 0;
    u64 generation = 0;
  };
  Resume m_resume;
  std::vector<const char*> m_fault_chain;
  std::string m_shutdown_reason;
  int m_fault_depth = 0;
  bool m_shutdown = false;
};

}  // namespace vmlab
