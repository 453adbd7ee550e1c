// Trap-and-emulate over shadow paging (modes/tae_monitor.h) on a whole Machine, with small
// hand-assembled guests: what the guest sees of a true page fault is what bare metal
// shows it, the guest cannot reach the monitor's memory, and a hostile guest (random
// privileged instructions, random and self-referencing page tables, a flood of writes
// to its own page tables) runs to its budget without ever reaching ring 0 or disturbing
// the monitor. The sanitizer build runs these too.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "core/cost_model.h"
#include "core/machine.h"
#include "modes/address_views.h"
#include "modes/cpu_state_view.h"
#include "modes/monitor.h"
#include "modes/segment_view.h"
#include "modes/shadow_mmu.h"
#include "modes/tae_monitor.h"
#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

constexpr u32 kGuestMib = 8;
constexpr u32 kHandlers = 0x40000;  // vector v: kHandlers + 0x40 * v
constexpr u32 kResults = 0x30000;
constexpr u32 kGuestPd = 0x100000;
constexpr u32 kRandomDirs = 0x140000;  // 16 page directories for the hostile guest's CR3 loads
constexpr u32 kTablePointers = 0x32000;  // the GDT's and the IDT's pseudo-descriptors

// A protected-mode PC at ring 0 with a GDT, IDT, TSS and identity-mapped paging, set up
// as a loader would, then (optionally) handed to the tae-shadow monitor.
struct TaeMachine {
  Machine machine{config()};
  Cpu& cpu = machine.cpu();
  PhysicalMemory& memory = machine.memory();
  PageTables tables{memory, kGuestPd};

  static MachineConfig config() {
    MachineConfig c;
    c.mem_mib = kGuestMib;
    c.monitor_mib = monitor_memory_mib(parse_mode("tae-shadow"));
    return c;
  }
  TaeMachine() {
    cpu.enter_flat_protected_mode();
    write64(kGdtBase + kKernelCs, flat_code(0));
    write64(kGdtBase + kKernelDs, flat_data(0));
    write64(kGdtBase + (kUserCs & ~3), flat_code(3));
    write64(kGdtBase + (kUserDs & ~3), flat_data(3));
    write64(kGdtBase + kTssSel, tss_descriptor(kTssBase, 0x67) | (u64(2) << 40));  // busy
    cpu.set_gdtr({kGdtBase, u16(kGdtEntries * 8 - 1)});
    Tss32 tss;
    tss.esp0 = kKernelStackTop;
    tss.ss0 = kKernelDs;
    write_tss(memory, kTssBase, tss);
    SegmentCache tr;
    tr.selector = kTssSel;
    tr.base = kTssBase;
    tr.limit = 0x67;
    tr.access = 0x8B;
    cpu.m_tr = tr;
    for (int v = 0; v < 256; ++v)
      write64(kIdtBase + 8u * v, gate_descriptor(STS_IG32, kKernelCs, kHandlers + 0x40u * v, 0));
    cpu.set_idtr({kIdtBase, 256 * 8 - 1});
    for (int v = 0; v < 256; ++v) load(kHandlers + 0x40u * v, {0xB0, 0x11, 0xE6, 0xF4});  // exit 0x11
    tables.identity_map(0, kGuestMib << 20, PTE_P | PTE_W);
    cpu.set_cr3(kGuestPd);
    cpu.set_cr0(cpu.cr0() | CR0_PG);
    cpu.set_reg(ESP, kKernelStackTop);
  }
  void attach() { machine.attach_monitor(make_monitor(parse_mode("tae-shadow"))); }
  void load(u32 addr, std::initializer_list<u8> bytes) { memory.write(addr, bytes.begin(), u32(bytes.size())); }
  void load(const CodeBuilder& c) { memory.write(c.origin(), c.bytes().data(), u32(c.bytes().size())); }
  void write64(u32 addr, u64 v) { memory.write(addr, &v, 8); }
  u32 read32(u32 addr) const {
    u32 v;
    memory.read(addr, &v, 4);
    return v;
  }
  RunResult run(const CodeBuilder& code, u64 budget = 1'000'000) {
    load(code);
    cpu.set_eip(code.origin());
    return machine.run(budget);
  }
};

// #PF handler: store the error code and CR2, exit 0x10.
void pf_recorder(TaeMachine& m) {
  CodeBuilder h(kHandlers + 0x40 * kPF);
  h.b({0x58});                          // pop eax (error code)
  h.b({0xA3}).d(kResults);              // mov [kResults], eax
  h.b({0x0F, 0x20, 0xD0});              // mov eax, cr2
  h.b({0xA3}).d(kResults + 4);          // mov [kResults + 4], eax
  h.b({0xB0, 0x10, 0xE6, 0xF4});        // exit 0x10
  m.load(h);
}

TEST(TaeMonitor, ATruePageFaultReachesTheGuestAsOnBareMetal) {
  for (bool tae : {false, true}) {
    SCOPED_TRACE(tae ? "tae-shadow" : "native");
    TaeMachine m;
    pf_recorder(m);
    if (tae) m.attach();
    CodeBuilder c(kKernelCode);
    c.b({0xC7, 0x05}).d(0x00C01234).d(7);  // mov dword [0xC01234], 7: not mapped
    RunResult r = m.run(c);
    ASSERT_EQ(r.kind, RunResult::Kind::ExitPort) << r.message;
    EXPECT_EQ(r.exit_value, 0x10u);
    EXPECT_EQ(m.read32(kResults), PFEC_W) << "not present, write, supervisor";
    EXPECT_EQ(m.read32(kResults + 4), 0x00C01234u) << "CR2 as the guest reads it";
    if (tae) {
      EXPECT_EQ(m.machine.counters().shadow_true_faults, 1u);
      EXPECT_EQ(m.cpu.cpl(), 1) << "the guest kernel runs at ring 1";
      EXPECT_EQ(m.machine.monitor()->vcpu().cr2, 0x00C01234u);
    }
    // The debug view: the real CPU beside the guest's virtual CPU under the monitor.
    const VirtualCpu* vcpu = tae ? &m.machine.monitor()->vcpu() : nullptr;
    auto row = [&](const std::string& name) {
      for (const CpuStateRow& state : cpu_state_rows(m.cpu, vcpu))
        if (state.name == name) return state;
      return CpuStateRow{};
    };
    EXPECT_EQ(row("CPL").real, tae ? "1" : "0");
    EXPECT_EQ(row("CPL").guest, tae ? "0" : "");
    EXPECT_EQ(row("CR2").guest, tae ? "0x00c01234" : "");
    EXPECT_EQ(row("GDTR").real, tae ? "0xffc00000 / 0xffff" : "0x00001000 / 0x00ff");
    EXPECT_EQ(row("GDTR").guest, tae ? "0x00001000 / 0x00ff" : "");
    EXPECT_NE(format_cpu_state(m.cpu, vcpu).find(tae ? "guest's virtual CPU" : "real CPU"), std::string::npos);
  }
}

// Every TLB miss that walks the page tables costs tlb.refs_per_miss references at the
// price of tlb.walk_ref_level, natively and under the monitor (its walks of the shadow).
TEST(TaeMonitor, PageWalksArePricedByTheCostModel) {
  for (bool tae : {false, true}) {
    SCOPED_TRACE(tae ? "tae-shadow" : "native");
    TaeMachine m;
    CostModel p4 = load_cost_profile("p4-2006");
    m.machine.apply_cost_model(p4);
    if (tae) m.attach();
    CodeBuilder c(kKernelCode);
    for (u32 page = 0; page < 8; ++page) c.b({0xA1}).d(0x500000 + page * 0x1000);  // mov eax, [page]
    c.b({0xB0, 0x10, 0xE6, 0xF4});
    RunResult r = m.run(c);
    ASSERT_EQ(r.kind, RunResult::Kind::ExitPort) << r.message;
    const Counters& k = m.machine.counters();
    EXPECT_GE(k.tlb_misses, 8u);
    EXPECT_EQ(k.priced[size_t(CostKey::tlb_ref_l2)], p4.tlb_refs_per_miss * k.tlb_misses);
    u64 priced = 0;
    for (size_t key = 0; key < kCostKeyCount; ++key) priced += k.priced[key] * (p4.*kCostParams[key].member);
    EXPECT_EQ(k.cycles, k.instructions * p4.base_cpi + k.halted_cycles + priced);
  }
}

// The privileged instructions the monitor emulates leave the guest exactly the values bare
// metal leaves it (what it reads back through the same, trapped, instructions), and a HLT
// with interrupts off ends the run the same way.
TEST(TaeMonitor, EmulatedPrivilegedInstructionsLeaveWhatBareMetalLeaves) {
  std::vector<u32> results[2];
  RunResult::Kind ends[2];
  for (int tae = 0; tae < 2; ++tae) {
    TaeMachine m;
    if (tae) m.attach();
    u32 slot = kResults;
    CodeBuilder c(kKernelCode);
    auto store_eax = [&] {
      c.b({0xA3}).d(slot);  // mov [slot], eax
      slot += 4;
    };
    c.b({0x0F, 0x20, 0xC0});                                        // mov eax, cr0
    store_eax();
    c.b({0x66, 0xB8}).w(0x000B).b({0x0F, 0x01, 0xF0});              // mov ax, 0xB; lmsw ax (MP, TS)
    c.b({0x0F, 0x20, 0xC0});
    store_eax();
    c.b({0x0F, 0x06, 0x0F, 0x20, 0xC0});                            // clts; mov eax, cr0
    store_eax();
    c.b({0xB8}).d(0x12345678).b({0x0F, 0x23, 0xC0});                // mov dr0, eax
    c.b({0x31, 0xC0, 0x0F, 0x21, 0xC0});                            // xor eax, eax; mov eax, dr0
    store_eax();
    c.b({0x0F, 0x09, 0x0F, 0x08});                                  // wbinvd; invd
    c.b({0xB9}).d(MSR_IA32_SYSENTER_CS).b({0xB8}).d(0x08).b({0x31, 0xD2, 0x0F, 0x30});  // wrmsr
    c.b({0x31, 0xC0, 0x0F, 0x32});                                  // xor eax, eax; rdmsr
    store_eax();
    c.b({0xB9}).d(MSR_IA32_APIC_BASE).b({0x0F, 0x32});              // the real APIC base
    store_eax();
    c.b({0xB8}).d(0x00ABC000).b({0x0F, 0x22, 0xD0});                // mov cr2, eax
    c.b({0x31, 0xC0, 0x0F, 0x20, 0xD0});                            // xor eax, eax; mov eax, cr2
    store_eax();
    c.b({0x0F, 0x20, 0xE0, 0x83, 0xC8, 0x10, 0x0F, 0x22, 0xE0});    // cr4 |= PSE
    c.b({0x31, 0xC0, 0x0F, 0x20, 0xE0});                            // xor eax, eax; mov eax, cr4
    store_eax();
    c.b({0x0F, 0x20, 0xD8});                                        // mov eax, cr3
    store_eax();
    c.b({0xFB, 0x90, 0xFA});                                        // sti; nop; cli
    c.b({0xF4});                                                    // hlt with IF=0: never wakes
    RunResult r = m.run(c);
    ends[tae] = r.kind;
    for (u32 a = kResults; a < slot; a += 4) results[tae].push_back(m.read32(a));
  }
  EXPECT_EQ(results[1], results[0]);
  EXPECT_EQ(results[0][1] & (CR0_MP | CR0_TS), CR0_MP | CR0_TS) << "LMSW set them";
  EXPECT_EQ(results[0][2] & CR0_TS, 0u) << "CLTS cleared TS";
  EXPECT_EQ(results[0][3], 0x12345678u);
  EXPECT_EQ(results[0][4], 0x08u);
  EXPECT_EQ(results[0][6], 0x00ABC000u);
  EXPECT_EQ(ends[0], RunResult::Kind::HaltedForever);
  EXPECT_EQ(ends[1], RunResult::Kind::HaltedForever);
}

// The handling log (modes/handling_log.h): with it on, each exit's handling is noted step
// by step (the hidden fault's guest walk, memslot, shadow entry and verdict; an
// emulated CLI's effect on the virtual IF; a true fault's reflection), the shadow
// entry remembers the fault that filled it, and the run is exactly the run without it.
TEST(TaeMonitor, TheHandlingLogNotesEachStepAndChangesNothing) {
  struct Seen {
    Exit exit;
    std::vector<HandlingStep> steps;
    std::optional<ShadowEntryOrigin> origin;  // of 0x500000's shadow entry, after this exit
  };
  auto run = [](bool logged, std::vector<Seen>& seen) {
    TaeMachine m;
    pf_recorder(m);
    m.attach();
    m.machine.monitor()->handling_log().set_enabled(logged);
    m.machine.monitor()->handling_log().set_keeps_origins(logged);
    CodeBuilder c(kKernelCode);
    c.b({0xA1}).d(0x500000);               // mov eax, [0x500000]: a hidden fault
    c.b({0xFB, 0xFA});                     // sti; cli: emulated (the STI shadow keeps the timer out)
    c.b({0xC7, 0x05}).d(0x00C01234).d(7);  // mov dword [0xC01234], 7: a true fault
    m.load(c);
    m.cpu.set_eip(c.origin());
    RunResult r;
    while ((r = m.machine.run(100'000, true)).kind == RunResult::Kind::ExitHandled) {
      Monitor& monitor = *m.machine.monitor();
      seen.push_back({monitor.last_exit(), monitor.handling_log().steps(), monitor.shadow_entry_origin(0x500000)});
    }
    EXPECT_EQ(r.kind, RunResult::Kind::ExitPort) << r.message;
    return m.machine.counters();
  };
  std::vector<Seen> quiet, logged;
  Counters without = run(false, quiet);
  Counters with = run(true, logged);
  EXPECT_EQ(with.instructions, without.instructions);
  EXPECT_EQ(with.cycles, without.cycles);
  EXPECT_EQ(with.exits, without.exits);
  EXPECT_EQ(with.exits_by_reason, without.exits_by_reason);
  ASSERT_EQ(logged.size(), quiet.size());
  for (const Seen& q : quiet) EXPECT_TRUE(q.steps.empty()) << "nothing is noted while the log is off";

  auto phases = [](const Seen& s) {
    std::string out;
    for (const HandlingStep& step : s.steps) out += step.phase + std::string(" ");
    return out;
  };
  auto text = [](const Seen& s, const std::string& phase) {
    std::string out;
    for (const HandlingStep& step : s.steps)
      if (step.phase == phase) out += step.text + "\n";
    return out;
  };
  auto find = [&](ExitCategory category, u32 qualification) -> const Seen* {
    for (const Seen& s : logged)
      if (s.exit.category == category && (!qualification || s.exit.qualification == qualification)) return &s;
    return nullptr;
  };
  const Seen* hidden = find(ExitCategory::HiddenPageFault, 0x500000);
  ASSERT_NE(hidden, nullptr);
  EXPECT_EQ(phases(*hidden), "trap guest guest memslot shadow shadow shadow verdict classify account resume ")
      << "walk, memslot, a shadow table (new), the directory entry, the entry, the verdict; then the accounting";
  EXPECT_NE(text(*hidden, "trap").find("#PF, error code 0x0 (not present read supervisor)"), std::string::npos)
      << text(*hidden, "trap");
  EXPECT_NE(text(*hidden, "guest").find("guest-physical 0x00500000"), std::string::npos) << text(*hidden, "guest");
  EXPECT_NE(text(*hidden, "shadow").find("-> 0x00500"), std::string::npos) << "the entry now maps the frame";
  EXPECT_EQ(text(*hidden, "verdict").rfind("hidden:", 0), 0u) << text(*hidden, "verdict");
  EXPECT_EQ(text(*hidden, "effect"), "") << "a hidden fault changes no register: the guest retries";
  ASSERT_TRUE(hidden->origin);
  EXPECT_STREQ(hidden->origin->kind, "hidden");
  EXPECT_EQ(hidden->origin->exit, u64(hidden - logged.data()) + 1) << "the entry names the exit that filled it";

  const Seen* sti = find(ExitCategory::PrivilegedInstruction, 0);
  ASSERT_NE(sti, nullptr);
  EXPECT_NE(text(*sti, "classify").find("is sti"), std::string::npos) << text(*sti, "classify");
  EXPECT_NE(text(*sti, "effect").find("virtual EFLAGS"), std::string::npos) << text(*sti, "effect");

  // The true fault's reflection itself faults on the guest's stack (hidden, not yet
  // shadowed): one handling, two exits, both in its log.
  const Seen* true_fault = nullptr;
  for (const Seen& s : logged)
    if (text(s, "verdict").rfind("true:", 0) == 0) true_fault = &s;
  ASSERT_NE(true_fault, nullptr);
  EXPECT_NE(text(*true_fault, "trap").find("CR2 0x00c01234"), std::string::npos) << text(*true_fault, "trap");
  EXPECT_NE(text(*true_fault, "reflect").find("vector 14 delivered through the guest's own IDT"), std::string::npos)
      << text(*true_fault, "reflect");
}

// The memory views: a guest-virtual address through the guest's own tables to
// guest-physical and host-physical; monitor memory only as host-physical.
TEST(TaeMonitor, AddressViewsAgree) {
  TaeMachine m;
  m.tables.map(0xC00000, 0x345000, PTE_P | PTE_W);
  m.attach();
  AddressViews v = resolve_address(m.machine, AddressSpace::GuestVirtual, 0xC00123);
  EXPECT_EQ(v.guest_physical, 0x345123u);
  EXPECT_EQ(v.host_physical, 0x345123u) << "the guest's RAM is the memslot at host-physical 0";
  v = resolve_address(m.machine, AddressSpace::GuestVirtual, 0xD00000);
  EXPECT_FALSE(v.guest_physical);
  EXPECT_EQ(v.note, "not mapped by the guest's page tables");
  v = resolve_address(m.machine, AddressSpace::GuestPhysical, 0xB8000);
  EXPECT_FALSE(v.host_physical) << "the VGA window is device memory";
  const u32 monitor = u32(m.memory.guest_size());
  v = resolve_address(m.machine, AddressSpace::HostPhysical, monitor + 0x1000);
  EXPECT_EQ(v.host_physical, monitor + 0x1000);
  EXPECT_FALSE(v.guest_physical);
  EXPECT_EQ(v.note, "the monitor's own memory: no guest address reaches it");
  v = resolve_address(m.machine, AddressSpace::GuestPhysical, monitor + 0x1000);
  EXPECT_FALSE(v.host_physical) << "a guest-physical address there is not the monitor's memory";
}

// A value read through the guest's tables: bytes on two pages that map to frames far
// apart are put together from both frames; an unmapped byte makes the whole read fail.
TEST(TaeMonitor, GuestVirtualReadsFollowEachPage) {
  TaeMachine m;
  m.tables.map(0xC00000, 0x345000, PTE_P | PTE_W);
  m.tables.map(0xC01000, 0x200000, PTE_P | PTE_W);
  m.write64(0x345FFE, 0x2211);
  m.write64(0x200000, 0x4433);
  m.attach();
  std::optional<GuestValue> v = read_guest_virtual(m.machine, 0xC00FFE, 4);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->value, 0x44332211u);
  EXPECT_EQ(v->guest_physical, 0x345FFEu);
  EXPECT_EQ(read_guest_virtual(m.machine, 0xC00FFE, 1)->value, 0x11u);
  EXPECT_FALSE(read_guest_virtual(m.machine, 0xC01FFE, 4)) << "0xC02000 is not mapped";
}

// The Segments view: the real descriptor caches hold the monitor's compressed copies
// (ring 1 where the guest wrote ring 0, the shadow LDT and the monitor's TSS), and the
// guest's column the descriptors the guest wrote, read from its own GDT and LDT.
TEST(TaeMonitor, SegmentViewShowsTheGuestsDescriptorsBesideTheCompressedCaches) {
  constexpr u32 kLdt = kData + 0x1000;
  constexpr u16 kLdtSel = 0x30;
  constexpr u16 kLdtData = 0x08 | 4;  // LDT index 1, RPL 0
  TaeMachine m;
  m.write64(kGdtBase + kLdtSel, ldt_descriptor(kLdt, 0xF));
  m.write64(kLdt + 8, data_segment(0x123000, 0x7FF, 0));
  m.attach();
  CodeBuilder c(kKernelCode);
  c.b({0x66, 0xB8}).w(kLdtSel).b({0x0F, 0x00, 0xD0});  // mov ax, 0x30; lldt ax
  c.b({0x66, 0xB8}).w(kLdtData).b({0x8E, 0xD8});       // mov ax, 0x0C; mov ds, ax
  c.b({0x31, 0xC0, 0x8E, 0xE0});                       // xor eax, eax; mov fs, ax
  c.b({0xB0, 0x10, 0xE6, 0xF4});                       // exit 0x10
  RunResult r = m.run(c);
  ASSERT_EQ(r.kind, RunResult::Kind::ExitPort) << r.message;
  std::map<std::string, SegmentRow> rows;
  for (const SegmentRow& row : segment_rows(m.machine)) rows[row.name] = row;
  ASSERT_TRUE(rows["CS"].guest);
  EXPECT_EQ(describe_segment(rows["CS"].real).substr(0, 6), "0x0009") << "RPL 1: the guest kernel runs at ring 1";
  EXPECT_EQ(rows["CS"].real.dpl(), 1);
  EXPECT_EQ(describe_segment(*rows["CS"].guest),
            "0x0008 base 0x00000000 limit 0xffffffff code execute/read S=1 DPL=0 P=1 D/B=1 G=1");
  ASSERT_TRUE(rows["DS"].guest) << rows["DS"].guest_note;
  EXPECT_EQ(rows["DS"].real.dpl(), 1);
  EXPECT_EQ(describe_segment(*rows["DS"].guest),
            "0x000c base 0x00123000 limit 0x000007ff data read/write S=1 DPL=0 P=1 D/B=1 G=0");
  ASSERT_TRUE(rows["LDTR"].guest);
  EXPECT_EQ(rows["LDTR"].guest->base, kLdt);
  EXPECT_EQ(segment_type_name(rows["LDTR"].guest->access), "LDT");
  EXPECT_EQ(rows["LDTR"].real.selector, TaeMonitor::kShadowLdt);
  ASSERT_TRUE(rows["TR"].guest);
  EXPECT_EQ(segment_type_name(rows["TR"].guest->access), "32-bit TSS (busy)");
  EXPECT_EQ(rows["TR"].guest->base, kTssBase);
  EXPECT_EQ(rows["TR"].real.selector, TaeMonitor::kMonitorTss);
  EXPECT_FALSE(rows["FS"].guest);
  EXPECT_EQ(rows["FS"].guest_note, "null selector");
}

// Natively there is no second column: the caches are the guest's own.
TEST(TaeMonitor, SegmentViewHasNoGuestColumnNatively) {
  TaeMachine m;
  for (const SegmentRow& row : segment_rows(m.machine)) {
    EXPECT_FALSE(row.guest) << row.name;
    EXPECT_EQ(row.guest_note, "") << row.name;
  }
  EXPECT_EQ(segment_type_name(m.cpu.seg(CS).access), "code execute/read accessed");
}

TEST(TaeMonitor, TheGuestCannotReadOrWriteMonitorMemory) {
  TaeMachine m;
  const u32 monitor = u32(m.memory.guest_size());
  // Guest PTEs that name monitor memory: the hole's page table and the shadow GDT.
  m.tables.map(0xC00000, monitor, PTE_P | PTE_W);
  m.tables.map(0xC01000, monitor + 0x1000, PTE_P | PTE_W);
  CodeBuilder gp(kHandlers + 0x40 * kGP);
  gp.b({0x58, 0xA3}).d(kResults + 8);   // pop eax; mov [kResults + 8], eax
  gp.b({0xB0, 0x10, 0xE6, 0xF4});
  m.load(gp);
  m.attach();
  CodeBuilder c(kKernelCode);
  c.b({0xA1}).d(0xC00000).b({0xA3}).d(kResults);        // mov eax, [0xC00000]; store
  c.b({0xC7, 0x05}).d(0xC00000).d(0x12345678);           // mov dword [0xC00000], 0x12345678
  c.b({0xC7, 0x05}).d(0xC01008).d(0x12345678);           // and into the GDT's page
  c.b({0xA1}).d(0xC01008).b({0xA3}).d(kResults + 4);
  c.b({0xA1}).d(ShadowMmu::kHoleBase + 0x10);             // mov eax, [hole]: beyond the segment limit
  c.b({0xB0, 0x11, 0xE6, 0xF4});
  RunResult r = m.run(c);
  ASSERT_EQ(r.kind, RunResult::Kind::ExitPort) << r.message;
  EXPECT_EQ(r.exit_value, 0x10u) << "the hole read raised #GP in the guest";
  EXPECT_EQ(m.read32(kResults), 0xFFFFFFFFu) << "open bus, not the monitor's page table";
  EXPECT_EQ(m.read32(kResults + 4), 0xFFFFFFFFu);
  EXPECT_EQ(m.read32(kResults + 8), 0u) << "#GP(0): a segment limit violation";
  for (u32 a = monitor; a < m.memory.size(); a += 4) ASSERT_NE(m.read32(a), 0x12345678u) << std::hex << a;
  EXPECT_GE(m.machine.counters().shadow_mmio_faults, 4u);
}

// ---- A hostile guest ----

// Interesting instructions, one per 16-byte slot (padded with NOPs), so that execution
// runs from slot to slot and a handler can restart at any slot.
std::vector<u8> hostile_slot(std::mt19937& rng) {
  auto imm = [&] { return u32(rng()); };
  auto le = [](std::vector<u8>& v, u32 x) {
    for (int i = 0; i < 4; ++i) v.push_back(u8(x >> (8 * i)));
  };
  std::vector<u8> s;
  switch (rng() % 24) {
    case 0: s = {0xB8}; le(s, imm()); break;                                   // mov eax, random
    case 1: s = {0xBB}; le(s, imm()); break;                                   // mov ebx, random
    case 2: s = {0xB8}; le(s, 0x102000 + (imm() % 79) * 0x1000 + 8 + (imm() % 1022) * 4); break;  // -> page tables
    case 3: s = {0x89, 0x18}; break;                                           // mov [eax], ebx
    case 4: s = {0xC7, 0x00}; le(s, kGuestPd | PTE_P | PTE_W); break;          // a PDE/PTE -> the directory
    case 5: s = {0xB8}; le(s, kRandomDirs + (imm() & 0xF000) + (imm() & 0xFFF)); s.insert(s.end(), {0x0F, 0x22, 0xD8, 0x31, 0xC0}); break;
    case 6: s = {0xB8}; le(s, kRandomDirs + (imm() & 0xF000)); s.insert(s.end(), {0x0F, 0x22, 0xD8, 0x31, 0xC0}); break;
    case 7: s = {0x0F, 0x20, 0xC0, 0x0D, 0x01, 0x00, 0x00, 0x80, 0x0F, 0x22, 0xC0}; break;  // paging on
    case 8: s = {0x0F, 0x22, 0xE0}; break;                                     // mov cr4, eax
    case 9: s = {0x0F, 0x01, 0x38}; break;                                     // invlpg [eax]
    case 10: s = {0xFA}; break;                                                // cli
    case 11: s = {0xFB}; break;                                                // sti
    case 12: s = {0x9C, 0x9D}; break;                                          // pushf; popf
    case 13: s = {0xE6, 0x80, 0xE4, 0x61}; break;                              // out 0x80, al; in al, 0x61
    case 14: s = {0x0F, 0x32}; break;                                          // rdmsr
    case 15: s = {0xCD, u8(rng())}; break;                                     // int n
    case 16: s = {0x0F, 0x01, 0x15}; le(s, kTablePointers); break;            // lgdt [the guest's GDT]
    case 17: s = {0x0F, 0x01, 0x1D}; le(s, kTablePointers + 8); break;        // lidt [the guest's IDT]
    case 18: s = {0x8E, 0xD3}; break;                                          // mov ss, bx
    case 19: s = {0x0F, 0x00, 0xD3}; break;                                    // ltr bx
    case 20: s = {0xCF}; break;                                                // iret
    case 21: s = {0x0F, 0x35}; break;                                          // sysexit
    case 22: for (int i = 0; i < 6; ++i) s.push_back(u8(rng())); break;        // anything
    default: s = {0x89, 0x18, 0x83, 0xC0, 0x04, 0x89, 0x18}; break;            // two stores in a row
  }
  s.resize(16, 0x90);
  return s;
}

constexpr u32 kHostileCode = 0x200000, kHostileSlots = 1024, kSeedCell = 0x31000;

// The hostile guest for `seed`: random slots, recovering handlers, random directories.
void build_hostile(TaeMachine& m, u32 seed) {
  std::mt19937 rng(seed);
  CodeBuilder code(kHostileCode);
  for (u32 i = 0; i < kHostileSlots; ++i) code.b(hostile_slot(rng));
  m.load(code);
  // Every vector: recover as a kernel would (stack, address space, segments), pick a
  // pseudo-random slot and go on there.
  u16 gdt_limit = kGdtEntries * 8 - 1, idt_limit = 256 * 8 - 1;
  m.memory.write(kTablePointers, &gdt_limit, 2);
  m.memory.write(kTablePointers + 2, &kGdtBase, 4);
  m.memory.write(kTablePointers + 8, &idt_limit, 2);
  m.memory.write(kTablePointers + 10, &kIdtBase, 4);
  for (u32 v = 0; v < 256; ++v) {
    CodeBuilder h(kHandlers + 0x40 * v);
    h.b({0xBC}).d(kKernelStackTop);                              // mov esp, top
    h.b({0xB8}).d(kGuestPd).b({0x0F, 0x22, 0xD8});               // mov eax, kGuestPd; mov cr3, eax
    h.b({0x66, 0xB8}).w(kKernelDs).b({0x8E, 0xD8, 0x8E, 0xD0});  // mov ax, 0x10; mov ds, ax; mov ss, ax
    h.b({0xA1}).d(kSeedCell);                                    // mov eax, [seed]
    h.b({0x69, 0xC0}).d(1103515245);                             // imul eax, eax, 1103515245
    h.b({0x05}).d(12345);                                        // add eax, 12345
    h.b({0xA3}).d(kSeedCell);                                    // mov [seed], eax
    h.b({0x25}).d((kHostileSlots - 1) << 4);                     // and eax, slot mask
    h.b({0x05}).d(kHostileCode);                                 // add eax, kHostileCode
    h.b({0xFF, 0xE0});                                           // jmp eax
    m.load(h);
  }
  // Random page directories for the random CR3 loads: the low 8 MiB (code, IDT, stack)
  // as in the loader's tables, everything else random, with self-references.
  for (u32 t = 0; t < 16; ++t)
    for (u32 i = 0; i < 1024; ++i) {
      u32 v = rng();
      if (i < 2) v = m.tables.pde(i << 22);
      else if (i % 97 == 0) v = (kRandomDirs + t * 0x1000) | PTE_P | PTE_W;
      m.memory.write(kRandomDirs + t * 0x1000 + i * 4, &v, 4);
    }
  m.memory.write(kSeedCell, &seed, 4);
  m.cpu.set_eip(kHostileCode);
}

// How a run ended, with the monitor's stops for a guest that took itself down (triple
// fault, an IDT it unmapped) counted as the triple fault bare metal gives.
RunResult::Kind end_kind(const RunResult& r) {
  return r.kind == RunResult::Kind::MonitorStop ? RunResult::Kind::TripleFault : r.kind;
}

TEST(TaeMonitor, AHostileGuestRunsToItsBudgetWithoutReachingRing0OrTheMonitor) {
  constexpr u64 kBudget = 200'000;
  int full_runs = 0;
  for (u32 seed = 1; seed <= 24; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TaeMachine native;
    build_hostile(native, seed);
    RunResult bare = native.machine.run(kBudget);

    TaeMachine m;
    build_hostile(m, seed);
    m.attach();
    auto* tae = dynamic_cast<TaeMonitor*>(m.machine.monitor());
    ASSERT_NE(tae, nullptr);
    int ring0 = 0;
    m.machine.events().subscribe([&](const Event& e) {
      if (e.kind == EventKind::Exit && m.cpu.cpl() == 0) ++ring0;
    });
    RunResult r = m.machine.run(kBudget);
    // It ends as it ends on bare metal: the budget, a halt, or the triple fault it caused.
    EXPECT_EQ(end_kind(r), end_kind(bare)) << r.message << " / native: " << bare.message;
    if (r.kind == RunResult::Kind::MonitorStop) {
      EXPECT_TRUE(r.message.find("triple fault") != std::string::npos ||
                  r.message.find("not mapped") != std::string::npos) << r.message;
    }
    if (r.kind == RunResult::Kind::BudgetExhausted) ++full_runs;
    EXPECT_EQ(ring0, 0);
    EXPECT_NE(m.cpu.cpl(), 0);
    EXPECT_GT(m.machine.counters().exits, 0u);
    // The monitor's own descriptors are intact, and the shadow maps nothing but guest RAM.
    u32 hpa;
    ASSERT_TRUE(m.cpu.debug_translate(TaeMonitor::kGdtLinear + TaeMonitor::kMonitorCode, hpa));
    EXPECT_EQ(m.read32(hpa), 0x0000FFFFu);
    EXPECT_EQ(m.read32(hpa + 4), 0x00CF9B00u);
    const u32 root = m.cpu.cr3() & PTE_FRAME;
    EXPECT_TRUE(tae->monitor_memory().owns(root));
    for (u32 i = 0; i < ShadowMmu::kHolePde; ++i) {
      u32 pde = m.read32(root + 4 * i);
      if (!(pde & PTE_P)) continue;
      ASSERT_TRUE(tae->monitor_memory().owns(pde & PTE_FRAME)) << i;
      for (u32 j = 0; j < 1024; ++j) {
        u32 pte = m.read32((pde & PTE_FRAME) + 4 * j);
        if (pte & PTE_P) {
          ASSERT_LT(pte & PTE_FRAME, m.memory.guest_size()) << i << " " << j;
        }
      }
    }
  }
  EXPECT_GE(full_runs, 8) << "most seeds should survive to the budget, or the test exercises little";
}

}  // namespace
}  // namespace vmlab::test
