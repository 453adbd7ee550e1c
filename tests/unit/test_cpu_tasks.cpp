// Hardware task switches (SDM Vol. 3, 7.3): JMP to a TSS, CALL through a task gate and
// IRET back with NT, CR3 from the new TSS, interrupts and exceptions through task gates.
// Task A is the machine's running task (TSS at kTssBase, selector kTssSel); task B is
// described by a TSS at kSpareTss.
#include <gtest/gtest.h>

#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

constexpr u16 kTaskB = 0x50;      // TSS descriptor of task B
constexpr u16 kTaskGate = 0x58;   // task gate in the GDT, to task B
constexpr u32 kTaskBCode = kKernelCode + 0x200;
constexpr u32 kTaskBStack = 0x70000;

// Task B: ring 0, flat segments, EAX = 0xB0B0B0B0, starting at kTaskBCode.
void add_task_b(CpuTestMachine& m, u32 cr3 = 0) {
  Tss32 b;
  b.cr3 = cr3;
  b.eip = kTaskBCode;
  b.eflags = EFLAGS_FIXED1;
  b.eax = 0xB0B0B0B0;
  b.esp = kTaskBStack;
  b.cs = kKernelCs;
  b.ss = b.ds = b.es = b.fs = b.gs = kKernelDs;
  write_tss(m.memory, kSpareTss, b);
  m.set_gdt(kTaskB, tss_descriptor(kSpareTss, 0x67));
  m.set_gdt(kTaskGate, gate_descriptor(STS_TG, kTaskB, 0, 0));
}

// The busy bit is bit 1 of the TSS descriptor type (9 available, B busy).
bool busy(const CpuTestMachine& m, u16 selector) { return (m.gdt(selector) >> 41) & 1; }

TEST(CpuTasks, JmpToTssSwitchesWithoutLinkOrNt) {
  CpuTestMachine m;
  add_task_b(m);
  m.load(kTaskBCode, {0xF4});  // hlt
  CodeBuilder a(kKernelCode);
  a.b({0xB8}).d(0xA0A0A0A0);   // mov eax, 0xA0A0A0A0
  a.b({0xEA}).d(0).w(kTaskB);  // jmp far kTaskB:0
  const u32 after_jmp = a.here();
  a.b({0xF4});                 // hlt
  ASSERT_TRUE(busy(m, kTssSel));  // LTR marked the running task busy
  ASSERT_EQ(m.run_kernel(a), StopReason::Halted);
  EXPECT_EQ(m.cpu.tr().selector, kTaskB);
  EXPECT_EQ(m.cpu.eip(), kTaskBCode + 1);
  EXPECT_EQ(m.cpu.reg(EAX), 0xB0B0B0B0u);
  EXPECT_EQ(m.cpu.reg(ESP), kTaskBStack);
  EXPECT_FALSE(m.cpu.get_eflags() & EFLAGS_NT);
  EXPECT_TRUE(m.cpu.cr0() & CR0_TS);
  EXPECT_TRUE(busy(m, kTaskB));
  EXPECT_FALSE(busy(m, kTssSel));  // JMP clears the old task's busy bit
  Tss32 saved_a = read_tss(m.memory, kTssBase);
  EXPECT_EQ(saved_a.eip, after_jmp);
  EXPECT_EQ(saved_a.eax, 0xA0A0A0A0u);
  EXPECT_EQ(saved_a.cs, kKernelCs);
  EXPECT_EQ(read_tss(m.memory, kSpareTss).link, 0);  // no back link for JMP
}

// A busy TSS cannot be entered by JMP or CALL: #GP(selector), nothing switched (SDM
// Vol. 3, Table 7-1).
TEST(CpuTasks, JmpOrCallToBusyTssIsGp) {
  CpuTestMachine m;
  add_task_b(m);
  m.set_gdt(kTaskB, m.gdt(kTaskB) | (u64(STS_T32B ^ STS_T32A) << 40));  // mark B busy
  for (u8 op : {u8(0xEA), u8(0x9A)}) {  // jmp far, call far
    SCOPED_TRACE(op == 0xEA ? "jmp" : "call");
    CodeBuilder a(kKernelCode);
    a.b({op}).d(0).w(kTaskB);  // jmp/call far kTaskB:0
    ASSERT_EQ(m.run_kernel(a), StopReason::Halted);
    EXPECT_EQ(m.delivery().vector, kGP);
    EXPECT_EQ(m.delivery().error, kTaskB);
    EXPECT_EQ(m.delivery().eip, kKernelCode);
    EXPECT_EQ(m.cpu.tr().selector, kTssSel);
  }
}

// CALL: B's link = A, NT set in B, both busy. IRET with NT returns to A: B's busy bit is
// cleared, B's saved EFLAGS has NT clear, A resumes after the CALL with its registers.
TEST(CpuTasks, CallThroughTaskGateNestsAndIretReturns) {
  CpuTestMachine m;
  add_task_b(m);
  m.load(kTaskBCode, {0xF4,    // hlt
                      0xCF});  // iretd
  CodeBuilder a(kKernelCode);
  a.b({0xB8}).d(0xA0A0A0A0);      // mov eax, 0xA0A0A0A0
  a.b({0x9A}).d(0).w(kTaskGate);  // call far kTaskGate:0
  const u32 after_call = a.here();
  a.b({0xF4});                    // hlt
  ASSERT_EQ(m.run_kernel(a), StopReason::Halted);
  ASSERT_EQ(m.cpu.tr().selector, kTaskB);
  EXPECT_EQ(read_tss(m.memory, kSpareTss).link, kTssSel);
  EXPECT_TRUE(m.cpu.get_eflags() & EFLAGS_NT);
  EXPECT_TRUE(busy(m, kTaskB));
  EXPECT_TRUE(busy(m, kTssSel));

  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.cpu.tr().selector, kTssSel);
  EXPECT_EQ(m.cpu.eip(), after_call + 1);
  EXPECT_EQ(m.cpu.reg(EAX), 0xA0A0A0A0u);
  EXPECT_FALSE(m.cpu.get_eflags() & EFLAGS_NT);
  EXPECT_FALSE(busy(m, kTaskB));
  EXPECT_TRUE(busy(m, kTssSel));
  Tss32 saved_b = read_tss(m.memory, kSpareTss);
  EXPECT_FALSE(saved_b.eflags & EFLAGS_NT);
  EXPECT_EQ(saved_b.eip, kTaskBCode + 2);  // after the IRET
}

// The new task's address space comes from its TSS.CR3 (SDM Vol. 3, 7.3 step 12).
TEST(CpuTasks, TaskSwitchLoadsCr3FromTheNewTss) {
  constexpr u32 kLinear = 0x440000;  // its TLB slot is not shared with the GDT's
  CpuTestMachine m;
  PageTables& mine = m.enable_paging();
  mine.map(kLinear, kData, PTE_P | PTE_W);
  PageTables theirs(m.memory, kPageTablesBase + 0x80000);
  theirs.identity_map(0, 4u << 20, PTE_P | PTE_W | PTE_U);
  theirs.map(kLinear, kData + 0x1000, PTE_P | PTE_W);
  m.write32(kData, 0xAAAA);
  m.write32(kData + 0x1000, 0xBBBB);
  add_task_b(m, theirs.cr3());
  CodeBuilder b(kTaskBCode);
  b.b({0xA1}).d(kLinear);      // mov eax, [kLinear]
  b.b({0xF4});                 // hlt
  m.load(b);
  CodeBuilder a(kKernelCode);
  a.b({0xA1}).d(kLinear);      // mov eax, [kLinear]    fills the TLB from A's tables
  a.b({0xEA}).d(0).w(kTaskB);  // jmp far kTaskB:0
  ASSERT_EQ(m.run_kernel(a), StopReason::Halted);
  EXPECT_EQ(m.cpu.cr3(), theirs.cr3());
  EXPECT_EQ(m.cpu.reg(EAX), 0xBBBBu);
}

// INT n through a task gate: a nested task like CALL (SDM Vol. 3, 6.12.2).
TEST(CpuTasks, InterruptThroughTaskGate) {
  CpuTestMachine m;
  add_task_b(m);
  m.load(kTaskBCode, {0xF4});  // hlt
  m.set_idt(0x50, gate_descriptor(STS_TG, kTaskB, 0, 0));
  CodeBuilder a(kKernelCode);
  a.b({0xCD, 0x50});  // int 0x50
  a.b({0xF4});        // hlt
  ASSERT_EQ(m.run_kernel(a), StopReason::Halted);
  EXPECT_EQ(m.cpu.tr().selector, kTaskB);
  EXPECT_EQ(m.cpu.eip(), kTaskBCode + 1);
  EXPECT_TRUE(m.cpu.get_eflags() & EFLAGS_NT);
  EXPECT_EQ(read_tss(m.memory, kSpareTss).link, kTssSel);
  EXPECT_EQ(read_tss(m.memory, kTssBase).eip, kKernelCode + 2);  // INT n: after it
}

// A fault through a task gate: the old task's EIP is the faulting instruction and the
// error code is pushed on the new task's stack (SDM Vol. 3, 6.12.2).
TEST(CpuTasks, ExceptionThroughTaskGatePushesTheErrorCode) {
  CpuTestMachine m;
  add_task_b(m);
  m.load(kTaskBCode, {0xF4});  // hlt
  m.set_idt(kGP, gate_descriptor(STS_TG, kTaskB, 0, 0));
  CodeBuilder a(kKernelCode);
  a.b({0x66, 0xB8}).w(kKernelDs | 3);  // mov ax, 0x13
  const u32 at_fault = a.here();
  a.b({0x8E, 0xD8});                   // mov ds, ax          #GP(0x10)
  ASSERT_EQ(m.run_kernel(a), StopReason::Halted);
  EXPECT_EQ(m.cpu.tr().selector, kTaskB);
  EXPECT_EQ(m.cpu.reg(ESP), kTaskBStack - 4);
  EXPECT_EQ(m.read32(kTaskBStack - 4), u32(kKernelDs));
  EXPECT_EQ(read_tss(m.memory, kTssBase).eip, at_fault);
  EXPECT_EQ(read_tss(m.memory, kTssBase).ds, kKernelDs);
}

}  // namespace
}  // namespace vmlab::test
