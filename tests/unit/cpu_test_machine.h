// A bare protected-mode PC for CPU unit tests, in the style of KVM selftests: the host
// builds the system tables in guest memory (as a boot loader would), loads a few
// hand-encoded instructions, runs them, and asserts on what the CPU left behind.
//
// Every IDT vector starts out as a ring-0 interrupt gate to its own one-byte stub, a HLT.
// When a test expects an exception it runs until the CPU halts, asks delivery() which
// stub it halted in and reads the frame the CPU pushed on the handler's stack.
//
// Guest physical memory (identity-mapped when paging is on):
//
//   0x000000  IVT (real-mode tests)
//   0x001000  GDT          32 descriptors, selectors below
//   0x002000  IDT          256 gates
//   0x003000  TSS          the running task: SS0:ESP0 and the I/O permission bitmap
//   0x006000  stubs        vector v: HLT at kStubs + 8 * v
//   0x007000  spare TSSs   for task-switch tests (kSpareTss, 0x100 apart)
//   0x010000  kernel code  ring-0 test code
//   0x020000  user code    ring-3 test code
//   0x030000  data
//   0x080000  user stack top
//   0x090000  kernel stack top (TSS.ESP0)
//   0x100000  page directory, then page tables (bump-allocated)
//
// GDT selectors: 0x08 kernel code, 0x10 kernel data, 0x1B user code, 0x23 user data (all
// flat 4 GiB), 0x28 the TSS, and 0x30.. free for tests. The first four are in the order
// SYSENTER/SYSEXIT expect (IA32_SYSENTER_CS = 0x08).
#pragma once
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "core/bus.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/physical_memory.h"
#include "core/virtual_clock.h"
#include "cpu/cpu.h"
#include "cpu/descriptors.h"
#include "mmu/paging.h"

namespace vmlab::test {

constexpr u32 kGdtBase = 0x1000;
constexpr u32 kIdtBase = 0x2000;
constexpr u32 kTssBase = 0x3000;
constexpr u32 kStubs = 0x6000;
constexpr u32 kSpareTss = 0x7000;
constexpr u32 kKernelCode = 0x10000;
constexpr u32 kUserCode = 0x20000;
constexpr u32 kData = 0x30000;
constexpr u32 kUserStackTop = 0x80000;
constexpr u32 kKernelStackTop = 0x90000;
constexpr u32 kPageTablesBase = 0x100000;

constexpr u16 kKernelCs = 0x08;
constexpr u16 kKernelDs = 0x10;
constexpr u16 kUserCs = 0x18 | 3;
constexpr u16 kUserDs = 0x20 | 3;
constexpr u16 kTssSel = 0x28;
constexpr u16 kGdtEntries = 32;

// The interrupt ring-3 code uses to end a test: a DPL-3 interrupt gate to its stub.
constexpr u8 kExitVector = 0x30;

// TSS I/O map base in the test TSS; the bitmap (all ones: every port denied) follows it.
constexpr u32 kIoMapOffset = 0x68;

// ---- Descriptor encoders (SDM Vol. 3, 3.4.5 and 6.11) ----

// Access byte (descriptor byte 5): P DPL S Type.
constexpr u8 ACC_P = 0x80;
constexpr u8 ACC_S = 0x10;             // code or data (not system)
constexpr u8 ACC_CODE_R = 0x1A;        // S, code, readable
constexpr u8 ACC_DATA_W = 0x12;        // S, data, writable
constexpr u8 acc_dpl(u8 dpl) { return u8(dpl << 5); }
// Flags nibble (descriptor bits 23..20): G D/B L AVL.
constexpr u8 FLAG_G = 0x8;
constexpr u8 FLAG_DB = 0x4;

// A descriptor as the two dwords of the table entry, low dword first in memory.
u64 segment_descriptor(u32 base, u32 raw_limit, u8 access, u8 flags);
// Flat 4 GiB 32-bit segments.
u64 flat_code(u8 dpl);
u64 flat_data(u8 dpl);
// Byte-granular 32-bit writable data segment; `present` = false makes a P=0 descriptor.
u64 data_segment(u32 base, u32 limit, u8 dpl, bool present = true);
// 16-bit code segment (D = 0), byte granular: used to leave protected mode.
u64 code16_segment(u32 base, u32 limit);
// Available 32-bit TSS and LDT system descriptors.
u64 tss_descriptor(u32 base, u32 limit);
u64 ldt_descriptor(u32 base, u32 limit);
// Interrupt, trap, task and call gates: `type` is STS_IG32, STS_TRG32, STS_TG, STS_CG32.
u64 gate_descriptor(u8 type, u16 selector, u32 offset, u8 dpl, u8 params = 0, bool present = true);

// ---- The 32-bit TSS (SDM Vol. 3, Figure 7-2), field names as in the SDM ----
struct Tss32 {
  u16 link = 0;
  u32 esp0 = 0;
  u16 ss0 = 0;
  u32 esp1 = 0;
  u16 ss1 = 0;
  u32 esp2 = 0;
  u16 ss2 = 0;
  u32 cr3 = 0, eip = 0, eflags = 0;
  u32 eax = 0, ecx = 0, edx = 0, ebx = 0, esp = 0, ebp = 0, esi = 0, edi = 0;
  u16 es = 0, cs = 0, ss = 0, ds = 0, fs = 0, gs = 0, ldt = 0;
  u16 t = 0, iomap_base = 0;
};
void write_tss(PhysicalMemory& memory, u32 base, const Tss32& tss);
Tss32 read_tss(const PhysicalMemory& memory, u32 base);

// ---- Two-level page tables (SDM Vol. 3, 4.3) in guest memory ----
class PageTables {
 public:
  // Directory at `directory`; new page tables are taken from the pages after it.
  PageTables(PhysicalMemory& memory, u32 directory);
  u32 cr3() const { return m_directory; }
  // Map one 4 KiB page. Creates its page table (PDE flags `pde_flags`) when missing.
  void map(u32 linear, u32 phys, u32 pte_flags, u32 pde_flags = PTE_P | PTE_W | PTE_U);
  // Map one 4 MiB page (PDE with PS = 1; needs CR4.PSE).
  void map_large(u32 linear, u32 phys, u32 pde_flags);
  void identity_map(u32 start, u32 length, u32 flags);
  // Physical addresses and values of the entries used for `linear`.
  u32 pde_address(u32 linear) const;
  u32 pte_address(u32 linear) const;
  u32 pde(u32 linear) const;
  u32 pte(u32 linear) const;
  void set_pde(u32 linear, u32 value);
  void set_pte(u32 linear, u32 value);

 private:
  PhysicalMemory& m_memory;
  u32 m_directory;
  u32 m_next_table;
};

// ---- Building code: bytes with labels ----
//   CodeBuilder c(kKernelCode);
//   c.b({0x31, 0xC9});          // xor ecx, ecx
//   u32 at_div = c.here();
//   c.b({0xF7, 0xF1});          // div ecx
class CodeBuilder {
 public:
  explicit CodeBuilder(u32 origin) : m_origin(origin) {}
  CodeBuilder& b(std::initializer_list<u8> bytes);
  CodeBuilder& b(const std::vector<u8>& bytes);
  CodeBuilder& w(u16 value);  // little-endian immediates and displacements
  CodeBuilder& d(u32 value);
  u32 here() const { return m_origin + u32(m_bytes.size()); }
  u32 origin() const { return m_origin; }
  const std::vector<u8>& bytes() const { return m_bytes; }

 private:
  u32 m_origin;
  std::vector<u8> m_bytes;
};

// What the CPU did when it last halted in a stub: the vector and the frame on the stack.
struct Delivery {
  int vector = -1;        // stub the CPU halted in, or -1 (not halted in a stub)
  bool has_error = false;
  u32 error = 0;          // error code, when the vector pushes one (SDM Table 6-1)
  u32 eip = 0, cs = 0, eflags = 0;
  bool outer = false;     // frame came from a less privileged level: ESP and SS follow
  u32 esp = 0, ss = 0;
};

// True for the vectors that push an error code (SDM Vol. 3, Table 6-1).
bool vector_has_error_code(u8 vector);

class CpuTestMachine {
 public:
  static constexpr u32 kMemoryBytes = 16u << 20;

  // Flat protected mode at CPL 0, paging off, GDTR/IDTR/TR loaded, every gate to its stub.
  CpuTestMachine();

  // Guest memory (physical)
  void load(u32 addr, std::initializer_list<u8> bytes);
  void load(const CodeBuilder& code);
  void write8(u32 addr, u8 value);
  void write16(u32 addr, u16 value);
  void write32(u32 addr, u32 value);
  void write64(u32 addr, u64 value);  // a descriptor or gate
  u8 read8(u32 addr) const;
  u16 read16(u32 addr) const;
  u32 read32(u32 addr) const;

  // System tables
  void set_gdt(u16 selector, u64 descriptor);
  u64 gdt(u16 selector) const;
  void set_idt(u8 vector, u64 gate);
  static u32 stub(u8 vector) { return kStubs + 8u * vector; }
  // Open ports [first, first+count) in the TSS I/O permission bitmap (clear their bits).
  void allow_ports(u16 first, u16 count);
  // Identity-map the first 4 MiB (P W U), load CR3 and set CR0.PG.
  PageTables& enable_paging();
  PageTables& paging() { return *m_paging; }

  // Start executing at EIP at CPL 0 (flat segments) or CPL 3 (user segments).
  void start(u32 eip, u32 esp = kKernelStackTop, u32 eflags = EFLAGS_FIXED1 | EFLAGS_IF);
  void start_user(u32 eip, u32 esp = kUserStackTop, u32 eflags = EFLAGS_FIXED1 | EFLAGS_IF);
  // RESET, then real mode at cs:ip with SS = DS = ES = 0 and SP = kRealModeSp.
  static constexpr u32 kRealModeSp = 0x7000;
  void start_real(u16 cs, u16 ip, u32 eflags = EFLAGS_FIXED1);
  // Load a segment register's cache from the GDT entry for `selector` (host side).
  void load_segment_from_gdt(SegReg s, u16 selector);
  StopReason run(u64 budget = 100000);
  // Load `code` and run it from its origin at CPL 0 until the CPU stops.
  StopReason run_kernel(const CodeBuilder& code);
  StopReason run_user(const CodeBuilder& code, u32 esp = kUserStackTop);

  // Which stub the CPU halted in and the frame it pushed (read from SS:ESP).
  Delivery delivery() const;

  Counters counters;
  VirtualClock clock{counters.instructions};
  EventStream events{clock};
  PhysicalMemory memory{kMemoryBytes};
  Bus bus{events, counters};
  Cpu cpu{memory, bus, events, counters, clock};

 private:
  std::unique_ptr<PageTables> m_paging;
};

// An interrupt controller with one interrupt to give (vector), then none.
class OnePendingInterrupt : public InterruptController {
 public:
  explicit OnePendingInterrupt(u8 vector) : m_vector(vector) {}
  bool intr_pending() const override { return m_pending; }
  u8 intr_acknowledge() override {
    m_pending = false;
    return m_vector;
  }

 private:
  u8 m_vector;
  bool m_pending = true;
};

// Exception mnemonic for failure messages ("#GP"), or the number.
std::string vector_label(int vector);

// GoogleTest failure messages: vectors as numbers and names, a Delivery field by field.
void PrintTo(const Delivery& d, std::ostream* os);

}  // namespace vmlab::test

namespace vmlab {
// Found by argument-dependent lookup: Vector is a u8 enum and would print as a character.
void PrintTo(Vector v, std::ostream* os);
}  // namespace vmlab
