// Exceptions and their delivery (SDM Vol. 3, chapter 6): the vector, the error code
// (EXT, IDT, TI bits as in Figure 6-6), the EIP pushed (the faulting instruction for a
// fault, the next one for a trap), double and triple faults (Table 6-5), and real-mode
// delivery through the IVT.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

// Error code for a fault that names an IDT entry: vector * 8 | IDT (bit 1) | EXT (bit 0).
constexpr u32 idt_error(u8 vector, bool ext) { return vector * 8u + 2 + (ext ? 1 : 0); }

TEST(CpuExceptions, DivideByZeroFaultsOnTheDiv) {
  CpuTestMachine m;
  CodeBuilder c(kKernelCode);
  c.b({0xB8}).d(1);   // mov eax, 1
  c.b({0x31, 0xD2});  // xor edx, edx
  c.b({0x31, 0xC9});  // xor ecx, ecx
  u32 at_div = c.here();
  c.b({0xF7, 0xF1});  // div ecx
  c.b({0xF4});        // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  Delivery d = m.delivery();
  EXPECT_EQ(d.vector, kDE);
  EXPECT_EQ(d.eip, at_div);
  EXPECT_EQ(d.cs, kKernelCs);
  EXPECT_FALSE(d.outer);
  EXPECT_EQ(m.cpu.reg(ESP), kKernelStackTop - 12);  // EFLAGS CS EIP, no error code
  EXPECT_EQ(m.cpu.reg(EAX), 1u);                    // a fault leaves the operands alone
}

TEST(CpuExceptions, QuotientOverflowIsDivideError) {
  CpuTestMachine m;
  CodeBuilder c(kKernelCode);
  c.b({0xBA}).d(1);   // mov edx, 1       EDX:EAX = 2^32
  c.b({0x31, 0xC0});  // xor eax, eax
  c.b({0xB9}).d(1);   // mov ecx, 1
  u32 at_div = c.here();
  c.b({0xF7, 0xF1});  // div ecx          quotient 2^32 does not fit in 32 bits
  c.b({0xF4});        // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kDE);
  EXPECT_EQ(m.delivery().eip, at_div);

  CodeBuilder s(kKernelCode);
  s.b({0x66, 0xB8}).w(0xFF80);  // mov ax, -128
  s.b({0xB1, 0xFF});            // mov cl, -1
  u32 at_idiv = s.here();
  s.b({0xF6, 0xF9});            // idiv cl          +128 does not fit in a signed byte
  s.b({0xF4});                  // hlt
  ASSERT_EQ(m.run_kernel(s), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kDE);
  EXPECT_EQ(m.delivery().eip, at_idiv);
}

// SDM Vol. 2 UD2, LOCK ("#UD if the instruction is not lockable or the destination is
// not memory"), MOV ("#UD if an attempt is made to load the CS register").
TEST(CpuExceptions, InvalidOpcodesRaiseUd) {
  struct Case {
    const char* what;
    std::vector<u8> bytes;
  };
  const Case cases[] = {
      {"ud2", {0x0F, 0x0B}},
      {"lock nop", {0xF0, 0x90}},
      {"lock add eax, eax (register destination)", {0xF0, 0x01, 0xC0}},
      {"lock mov eax, [0x30000] (not lockable)", {0xF0, 0x8B, 0x05, 0x00, 0x00, 0x03, 0x00}},
      {"mov cs, ax", {0x8E, 0xC8}},
  };
  CpuTestMachine m;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    CodeBuilder c(kKernelCode);
    c.b(k.bytes);
    c.b({0xF4});  // hlt
    ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
    EXPECT_EQ(m.delivery().vector, kUD);
    EXPECT_EQ(m.delivery().eip, kKernelCode);
  }
}

TEST(CpuExceptions, LockWithMemoryDestinationExecutes) {
  CpuTestMachine m;
  m.write32(kData, 40);
  CodeBuilder c(kKernelCode);
  c.b({0xB8}).d(2);                   // mov eax, 2
  c.b({0xF0, 0x01, 0x05}).d(kData);   // lock add [kData], eax
  c.b({0xF4});                        // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, -1);
  EXPECT_EQ(m.read32(kData), 42u);
}

TEST(CpuExceptions, AccessBeyondDataSegmentLimitIsGp0) {
  CpuTestMachine m;
  m.set_gdt(0x30, data_segment(kData, 0xFFF, 0));
  m.write32(kData + 0xFFC, 0x11223344);
  CodeBuilder c(kKernelCode);
  c.b({0x66, 0xB8}).w(0x30);  // mov ax, 0x30
  c.b({0x8E, 0xD8});          // mov ds, ax
  c.b({0xA1}).d(0xFFC);       // mov eax, [0xFFC]     bytes 0xFFC..0xFFF: inside
  u32 at_fault = c.here();
  c.b({0xA1}).d(0xFFD);       // mov eax, [0xFFD]     byte 0x1000 is beyond the limit
  c.b({0xF4});                // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  Delivery d = m.delivery();
  EXPECT_EQ(d.vector, kGP);
  EXPECT_EQ(d.error, 0u);
  EXPECT_EQ(d.eip, at_fault);
  EXPECT_EQ(m.cpu.reg(EAX), 0x11223344u);  // the first read used the segment base
}

// A memory operand based on EBP uses SS: a limit violation there is #SS(0), delivered
// on the same (still valid) stack.
TEST(CpuExceptions, StackSegmentLimitViolationIsSs0) {
  CpuTestMachine m;
  m.set_gdt(0x30, data_segment(kData, 0xFFF, 0));
  CodeBuilder c(kKernelCode);
  c.b({0x66, 0xB8}).w(0x30);  // mov ax, 0x30
  c.b({0x8E, 0xD0});          // mov ss, ax
  c.b({0xBC}).d(0x800);       // mov esp, 0x800
  c.b({0xBD}).d(0x1000);      // mov ebp, 0x1000
  u32 at_fault = c.here();
  c.b({0x8B, 0x45, 0x00});    // mov eax, [ebp]        SS offset 0x1000 > limit
  c.b({0xF4});                // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  Delivery d = m.delivery();
  EXPECT_EQ(d.vector, kSS);
  EXPECT_EQ(d.error, 0u);
  EXPECT_EQ(d.eip, at_fault);
  EXPECT_EQ(m.cpu.seg(SS).selector, 0x30);
  EXPECT_EQ(m.cpu.reg(ESP), 0x800u - 16);
}

// A ring-3 PUSH outside the user stack segment: #SS(0), delivered on the ring-0 stack with
// the user SS:ESP unchanged in the frame. With the same ESP the push leaves an expand-up
// segment at the top and an expand-down segment at the bottom (SDM Vol. 3, 3.4.5.1).
TEST(CpuExceptions, UserPushOutsideStackSegmentIsSs0) {
  CpuTestMachine m;
  const u8 expand_down_rw = ACC_P | acc_dpl(3) | ACC_S | 0x6;
  const u64 segments[] = {data_segment(kData, 0xFFF, 3),
                          segment_descriptor(kData, 0xFFF, expand_down_rw, FLAG_DB)};
  for (u64 segment : segments) {
    SCOPED_TRACE(segment == segments[0] ? "expand-up" : "expand-down");
    m.set_gdt(0x38, segment);
    CodeBuilder c(kUserCode);
    c.b({0x50});  // push eax          SS offsets 0xFFE..0x1001
    m.load(c);
    m.start_user(kUserCode, 0x1002);
    m.load_segment_from_gdt(SS, 0x38 | 3);
    ASSERT_EQ(m.run(), StopReason::Halted);
    Delivery d = m.delivery();
    EXPECT_EQ(d.vector, kSS);
    EXPECT_EQ(d.error, 0u);
    EXPECT_EQ(d.eip, kUserCode);
    ASSERT_TRUE(d.outer);
    EXPECT_EQ(d.esp, 0x1002u);
    EXPECT_EQ(d.ss, 0x38u | 3);
  }
  CodeBuilder ok(kUserCode);  // expand-down: offsets above the limit are the stack
  ok.b({0x68}).d(0x5EC0DE);   // push 0x5EC0DE
  ok.b({0xCD, kExitVector});
  m.load(ok);
  m.start_user(kUserCode, 0x2000);
  m.load_segment_from_gdt(SS, 0x38 | 3);
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kExitVector);
  EXPECT_EQ(m.read32(kData + 0x1FFC), 0x5EC0DEu);
}

// MOV SS: null is #GP(0), DPL != CPL is #GP(selector), not present is #SS(selector)
// (SDM Vol. 2 MOV, "Protected Mode Exceptions").
TEST(CpuExceptions, StackSegmentLoadChecks) {
  CpuTestMachine m;
  m.set_gdt(0x30, data_segment(kData, 0xFFF, 0, /*present=*/false));
  struct Case {
    u16 selector;
    int vector;
    u32 error;
  };
  for (Case k : {Case{0, kGP, 0}, Case{kUserDs, kGP, kUserDs & ~3u}, Case{0x30, kSS, 0x30}}) {
    SCOPED_TRACE(k.selector);
    CodeBuilder c(kKernelCode);
    c.b({0x66, 0xB8}).w(k.selector);  // mov ax, selector
    c.b({0x8E, 0xD0});                // mov ss, ax
    ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
    EXPECT_EQ(m.delivery().vector, k.vector);
    EXPECT_EQ(m.delivery().error, k.error);
    EXPECT_EQ(m.delivery().eip, kKernelCode + 4);
  }
}

// #NP's error code is the selector with RPL replaced by EXT and IDT (both 0 here); a
// selector in the LDT keeps TI = 1 (SDM Vol. 3, 6.13).
TEST(CpuExceptions, NotPresentDataSegmentIsNpWithTheSelector) {
  CpuTestMachine m;
  m.set_gdt(0x30, data_segment(kData, 0xFFF, 3, /*present=*/false));
  CodeBuilder c(kKernelCode);
  c.b({0x66, 0xB8}).w(0x33);  // mov ax, 0x33        RPL 3, DPL 3: privilege is fine
  u32 at_fault = c.here();
  c.b({0x8E, 0xD8});          // mov ds, ax
  c.b({0xF4});                // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  Delivery d = m.delivery();
  EXPECT_EQ(d.vector, kNP);
  EXPECT_EQ(d.error, 0x30u);
  EXPECT_EQ(d.eip, at_fault);
  EXPECT_EQ(m.cpu.seg(DS).selector, kKernelDs);  // DS keeps its old value
}

TEST(CpuExceptions, NotPresentLdtSegmentErrorCodeHasTi) {
  CpuTestMachine m;
  const u32 ldt = kData + 0x100;
  m.write64(ldt + 8, data_segment(kData, 0xFFF, 0, /*present=*/false));
  m.set_gdt(0x38, ldt_descriptor(ldt, 0xF));
  CodeBuilder c(kKernelCode);
  c.b({0x66, 0xB8}).w(0x38);  // mov ax, 0x38
  c.b({0x0F, 0x00, 0xD0});    // lldt ax
  c.b({0x66, 0xB8}).w(0x0C);  // mov ax, 0x0C        LDT entry 1, RPL 0
  u32 at_fault = c.here();
  c.b({0x8E, 0xD8});          // mov ds, ax
  c.b({0xF4});                // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kNP);
  EXPECT_EQ(m.delivery().error, 0x0Cu);
  EXPECT_EQ(m.delivery().eip, at_fault);
}

// MOV DS: #GP(selector) when RPL > DPL or CPL > DPL, or the descriptor is a system one
// (SDM Vol. 2 MOV, "Protected Mode Exceptions").
TEST(CpuExceptions, DataSegmentPrivilegeViolationsAreGpSelector) {
  CpuTestMachine m;
  CodeBuilder rpl(kKernelCode);
  rpl.b({0x66, 0xB8}).w(kKernelDs | 3);  // mov ax, 0x13         RPL 3 > DPL 0
  rpl.b({0x8E, 0xD8});                   // mov ds, ax
  ASSERT_EQ(m.run_kernel(rpl), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kGP);
  EXPECT_EQ(m.delivery().error, kKernelDs);
  EXPECT_EQ(m.delivery().eip, kKernelCode + 4);

  CodeBuilder tss(kKernelCode);
  tss.b({0x66, 0xB8}).w(kTssSel);        // mov ax, 0x28         a TSS is not data
  tss.b({0x8E, 0xD8});                   // mov ds, ax
  ASSERT_EQ(m.run_kernel(tss), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kGP);
  EXPECT_EQ(m.delivery().error, kTssSel);

  CodeBuilder cpl(kUserCode);
  cpl.b({0x66, 0xB8}).w(kKernelDs);      // mov ax, 0x10         CPL 3 > DPL 0
  cpl.b({0x8E, 0xD8});                   // mov ds, ax
  ASSERT_EQ(m.run_user(cpl), StopReason::Halted);
  Delivery d = m.delivery();
  EXPECT_EQ(d.vector, kGP);
  EXPECT_EQ(d.error, kKernelDs);
  EXPECT_EQ(d.eip, kUserCode + 4);
  EXPECT_EQ(d.cs, kUserCs);
}

// INT3 and INTO are traps: the saved EIP is the next instruction.
TEST(CpuExceptions, Int3AndIntoAreTraps) {
  CpuTestMachine m;
  CodeBuilder bp(kKernelCode);
  bp.b({0xCC});  // int3
  bp.b({0xF4});  // hlt
  ASSERT_EQ(m.run_kernel(bp), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kBP);
  EXPECT_EQ(m.delivery().eip, kKernelCode + 1);

  CodeBuilder of(kKernelCode);
  of.b({0xB0, 0x7F});  // mov al, 0x7F
  of.b({0x04, 0x01});  // add al, 1            signed overflow: OF = 1
  of.b({0xCE});        // into
  of.b({0xF4});        // hlt
  ASSERT_EQ(m.run_kernel(of), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kOF);
  EXPECT_EQ(m.delivery().eip, kKernelCode + 5);
  EXPECT_TRUE(m.delivery().eflags & EFLAGS_OF);

  CodeBuilder no(kKernelCode);
  no.b({0x31, 0xC0});  // xor eax, eax         OF = 0
  no.b({0xCE});        // into                 does nothing
  no.b({0xF4});        // hlt
  ASSERT_EQ(m.run_kernel(no), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, -1);
  EXPECT_EQ(m.cpu.eip(), kKernelCode + 4);
}

// TF: a #DB trap after each instruction, DR6.BS set, TF clear in the handler and set in
// the EFLAGS image (SDM Vol. 3, 17.3.1.4).
TEST(CpuExceptions, SingleStepTrapSetsDr6Bs) {
  CpuTestMachine m;
  const u32 handler = kKernelCode + 0x100;
  m.load(handler, {0x0F, 0x21, 0xF0,  // mov eax, dr6
                   0xF4});            // hlt
  m.set_idt(kDB, gate_descriptor(STS_IG32, kKernelCs, handler, 0));
  CodeBuilder c(kKernelCode);
  c.b({0x90});  // nop
  c.b({0x90});  // nop
  c.b({0xF4});  // hlt
  m.load(c);
  m.start(kKernelCode, kKernelStackTop, EFLAGS_FIXED1 | EFLAGS_TF);
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.cpu.eip(), handler + 4);
  EXPECT_TRUE(m.cpu.reg(EAX) & (1u << 14)) << "DR6.BS";
  EXPECT_FALSE(m.cpu.get_eflags() & EFLAGS_TF);
  const u32 sp = m.cpu.reg(ESP);
  EXPECT_EQ(m.read32(sp), kKernelCode + 1);  // after the first NOP
  EXPECT_EQ(m.read32(sp + 4), kKernelCs);
  EXPECT_TRUE(m.read32(sp + 8) & EFLAGS_TF);
}

// ---- Double faults: SDM Vol. 3, Table 6-5 ----

CodeBuilder load_not_present_ds(CpuTestMachine& m) {
  m.set_gdt(0x30, data_segment(kData, 0xFFF, 0, /*present=*/false));
  CodeBuilder c(kKernelCode);
  c.b({0x66, 0xB8}).w(0x30);  // mov ax, 0x30
  c.b({0x8E, 0xD8});          // mov ds, ax        #NP(0x30)
  c.b({0xF4});                // hlt
  return c;
}

TEST(CpuExceptions, GpWhileDeliveringNpIsDoubleFault) {
  CpuTestMachine m;
  m.set_idt(kNP, gate_descriptor(0, kKernelCs, CpuTestMachine::stub(kNP), 0));  // type 0: no gate
  ASSERT_EQ(m.run_kernel(load_not_present_ds(m)), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kDF);
  EXPECT_EQ(m.delivery().error, 0u);
  EXPECT_EQ(m.delivery().cs, kKernelCs);
}

TEST(CpuExceptions, NotPresentNpGateIsDoubleFault) {
  CpuTestMachine m;
  m.set_idt(kNP, gate_descriptor(STS_IG32, kKernelCs, CpuTestMachine::stub(kNP), 0, 0, false));
  ASSERT_EQ(m.run_kernel(load_not_present_ds(m)), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kDF);
  EXPECT_EQ(m.delivery().error, 0u);
}

// Benign first: the second exception is handled serially. Its error code names the
// IDT entry with EXT = 0 for INT3 (software) and EXT = 1 for #UD (SDM Vol. 3, 6.13).
TEST(CpuExceptions, BenignThenContributoryIsHandledSerially) {
  CpuTestMachine m;
  m.set_idt(kBP, gate_descriptor(STS_IG32, kKernelCs, CpuTestMachine::stub(kBP), 0, 0, false));
  m.set_idt(kUD, gate_descriptor(STS_IG32, kKernelCs, CpuTestMachine::stub(kUD), 0, 0, false));
  CodeBuilder bp(kKernelCode);
  bp.b({0xCC});  // int3
  ASSERT_EQ(m.run_kernel(bp), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kNP);
  EXPECT_EQ(m.delivery().error, idt_error(kBP, false));
  EXPECT_EQ(m.delivery().eip, kKernelCode);  // the INT3 did not complete

  CodeBuilder ud(kKernelCode);
  ud.b({0x0F, 0x0B});  // ud2
  ASSERT_EQ(m.run_kernel(ud), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kNP);
  EXPECT_EQ(m.delivery().error, idt_error(kUD, true));
  EXPECT_EQ(m.delivery().eip, kKernelCode);
}

TEST(CpuExceptions, GpWhileDeliveringPageFaultIsDoubleFault) {
  CpuTestMachine m;
  m.enable_paging();
  m.set_idt(kPF, gate_descriptor(0, kKernelCs, CpuTestMachine::stub(kPF), 0));
  CodeBuilder c(kKernelCode);
  c.b({0xA1}).d(0x800000);  // mov eax, [0x800000]    not mapped
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kDF);
  EXPECT_EQ(m.delivery().error, 0u);
}

// Contributory then #PF: serial. The #GP gate sits on a page that is not present, so
// reading it page-faults; the #PF gate is on the next page.
TEST(CpuExceptions, PageFaultWhileDeliveringGpIsHandledSerially) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  const u32 idt = 0x401000 - kPF * 8;  // gate 14 starts the mapped page
  pt.map(0x400000, 0x400000, 0);
  pt.map(0x401000, kData, PTE_P | PTE_W);
  m.write64(kData, gate_descriptor(STS_IG32, kKernelCs, CpuTestMachine::stub(kPF), 0));
  m.cpu.set_idtr({idt, 0x7FF});
  CodeBuilder c(kKernelCode);
  c.b({0x66, 0xB8}).w(kKernelDs | 3);  // mov ax, 0x13
  c.b({0x8E, 0xD8});                   // mov ds, ax      #GP(0x10)
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kPF);
  EXPECT_EQ(m.delivery().error, 0u);  // supervisor read of a not-present page
  EXPECT_EQ(m.delivery().eip, kKernelCode + 4);
  EXPECT_EQ(m.cpu.cr2(), idt + kGP * 8);
}

TEST(CpuExceptions, NoIdtTripleFaultsIntoShutdown) {
  CpuTestMachine m;
  m.cpu.set_idtr({kIdtBase, 0});
  CodeBuilder c(kKernelCode);
  c.b({0x31, 0xC9});  // xor ecx, ecx
  c.b({0xF7, 0xF1});  // div ecx
  c.b({0xF4});        // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Shutdown);
  const std::string& why = m.cpu.shutdown_reason();
  SCOPED_TRACE(why);
  size_t de = why.find("#DE"), gp = why.find("#GP(0x0003)"), df = why.find("#DF");
  ASSERT_NE(de, std::string::npos);
  ASSERT_NE(gp, std::string::npos);  // vector 0 beyond the IDT limit: 0 * 8 + IDT + EXT
  ASSERT_NE(df, std::string::npos);
  EXPECT_LT(de, gp);
  EXPECT_LT(gp, df);
  EXPECT_EQ(m.cpu.run(10), StopReason::Shutdown);  // stays shut down
}

// A vector beyond the IDT limit is #GP(vector * 8 + 2 + EXT) (SDM Vol. 3, 6.10).
TEST(CpuExceptions, VectorBeyondIdtLimitIsGpWithIdtError) {
  CpuTestMachine m;
  m.cpu.set_idtr({kIdtBase, 0x40 * 8 - 1});  // vectors 0..0x3F
  CodeBuilder c(kKernelCode);
  c.b({0xCD, 0x40});  // int 0x40
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kGP);
  EXPECT_EQ(m.delivery().error, idt_error(0x40, false));
  EXPECT_EQ(m.delivery().eip, kKernelCode);
}

TEST(CpuExceptions, ExternalInterruptBeyondIdtLimitSetsExt) {
  CpuTestMachine m;
  OnePendingInterrupt pic(0x40);
  m.cpu.set_interrupt_controller(&pic);
  m.cpu.set_idtr({kIdtBase, 0x40 * 8 - 1});
  CodeBuilder c(kKernelCode);
  c.b({0x90});  // nop
  c.b({0xF4});  // hlt
  m.load(c);
  m.start(kKernelCode, kKernelStackTop, EFLAGS_FIXED1 | EFLAGS_IF);
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kGP);
  EXPECT_EQ(m.delivery().error, idt_error(0x40, true));
  EXPECT_EQ(m.delivery().eip, kKernelCode);  // taken before the NOP
  m.cpu.set_interrupt_controller(nullptr);
}

// ---- Real mode: the IVT (SDM Vol. 3, 21.1.4); code at 1000:0000, SS:SP = 0000:7000 ----

TEST(CpuExceptions, RealModeIntPushesFlagsCsIpAndClearsIf) {
  CpuTestMachine m;
  m.write32(0x21 * 4, 0x00000500);  // IVT[0x21] = 0000:0500
  m.load(0x500, {0xF4});            // hlt
  m.load(0x10000, {0xCD, 0x21,      // int 0x21
                   0xF4});          // hlt
  m.start_real(0x1000, 0, EFLAGS_FIXED1 | EFLAGS_IF);
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.cpu.seg(CS).selector, 0);
  EXPECT_EQ(m.cpu.eip(), 0x501u);
  EXPECT_EQ(m.cpu.reg(ESP), 0x7000u - 6);
  EXPECT_EQ(m.read16(0x6FFA), 0x0002);  // IP of the next instruction
  EXPECT_EQ(m.read16(0x6FFC), 0x1000);  // CS
  EXPECT_EQ(m.read16(0x6FFE), 0x0202);  // FLAGS: IF was set
  EXPECT_FALSE(m.cpu.get_eflags() & EFLAGS_IF);
}

// The single-step trap in real mode goes through IVT[1]; the handler runs with TF clear
// (its PUSHF stores TF = 0) while the pushed FLAGS keep TF = 1.
TEST(CpuExceptions, RealModeSingleStepClearsTfForTheHandler) {
  CpuTestMachine m;
  m.write32(1 * 4, 0x00000600);  // IVT[1] = 0000:0600
  m.load(0x600, {0x9C,           // pushf
                 0xF4});         // hlt
  m.load(0x10000, {0x90,         // nop
                   0xF4});       // hlt
  m.start_real(0x1000, 0, EFLAGS_FIXED1 | EFLAGS_TF);
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.cpu.eip(), 0x602u);
  EXPECT_EQ(m.cpu.reg(ESP), 0x7000u - 8);
  EXPECT_EQ(m.read16(0x6FF8), 0x0002);  // handler's PUSHF: TF and IF clear
  EXPECT_EQ(m.read16(0x6FFA), 0x0001);  // IP after the NOP
  EXPECT_EQ(m.read16(0x6FFC), 0x1000);
  EXPECT_EQ(m.read16(0x6FFE), 0x0102);  // FLAGS with TF
}

}  // namespace
}  // namespace vmlab::test
