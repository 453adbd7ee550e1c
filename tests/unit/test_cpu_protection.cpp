// Privilege rules (SDM Vol. 3, chapters 5 and 6.12; Vol. 2 instruction pages): gate DPL
// checks, the stack switch through the TSS, IRET to an outer level, IOPL-sensitive
// instructions and the I/O permission bitmap, call gates with parameters, SYSENTER and
// SYSEXIT, CPL-0-only instructions, and segment caches kept across a return to real mode.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

// INT n, INT3 and INTO check the gate's DPL against CPL: #GP(vector * 8 + 2), EXT = 0.
// INT1 (ICEBP) does not (SDM Vol. 2 INT n/INTO/INT3/INT1, "Operation").
TEST(CpuProtection, SoftwareInterruptToDpl0GateFromRing3IsGp) {
  struct Case {
    const char* what;
    std::vector<u8> bytes;
    u8 vector;
  };
  const Case cases[] = {
      {"int 0x40", {0xCD, 0x40}, 0x40},
      {"int3", {0xCC}, kBP},
      {"into with OF = 1", {0xCE}, kOF},
  };
  CpuTestMachine m;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    CodeBuilder c(kUserCode);
    c.b(k.bytes);
    m.load(c);
    m.start_user(kUserCode, kUserStackTop, EFLAGS_FIXED1 | EFLAGS_OF);
    ASSERT_EQ(m.run(), StopReason::Halted);
    Delivery d = m.delivery();
    EXPECT_EQ(d.vector, kGP);
    EXPECT_EQ(d.error, k.vector * 8u + 2);
    EXPECT_EQ(d.eip, kUserCode);
    EXPECT_EQ(d.cs, kUserCs);
  }
  CodeBuilder icebp(kUserCode);
  icebp.b({0xF1});  // int1
  ASSERT_EQ(m.run_user(icebp), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kDB);
  EXPECT_EQ(m.delivery().eip, kUserCode + 1);  // a trap
}

// Ring 3 -> ring 0: SS:ESP from TSS.SS0:ESP0, then SS ESP EFLAGS CS EIP pushed there
// (SDM Vol. 3, Figure 6-4); an interrupt gate clears IF.
TEST(CpuProtection, InterruptGateFromRing3SwitchesToTheTssStack) {
  CpuTestMachine m;
  m.set_idt(0x41, gate_descriptor(STS_IG32, kKernelCs, CpuTestMachine::stub(0x41), 3));
  CodeBuilder c(kUserCode);
  c.b({0xCD, 0x41});  // int 0x41
  m.load(c);
  m.start_user(kUserCode, kUserStackTop - 0x10, EFLAGS_FIXED1 | EFLAGS_IF);
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.cpu.cpl(), 0);
  EXPECT_EQ(m.cpu.seg(CS).selector, kKernelCs);
  EXPECT_EQ(m.cpu.seg(SS).selector, kKernelDs);
  EXPECT_EQ(m.cpu.reg(ESP), kKernelStackTop - 20);
  EXPECT_EQ(m.read32(kKernelStackTop - 4), kUserDs);             // SS
  EXPECT_EQ(m.read32(kKernelStackTop - 8), kUserStackTop - 0x10);  // ESP
  EXPECT_EQ(m.read32(kKernelStackTop - 12), EFLAGS_FIXED1 | EFLAGS_IF);
  EXPECT_EQ(m.read32(kKernelStackTop - 16), kUserCs);            // CS
  EXPECT_EQ(m.read32(kKernelStackTop - 20), kUserCode + 2);      // EIP after INT
  EXPECT_FALSE(m.cpu.get_eflags() & EFLAGS_IF);
}

TEST(CpuProtection, TrapGateLeavesIfSet) {
  CpuTestMachine m;
  m.set_idt(0x42, gate_descriptor(STS_TRG32, kKernelCs, CpuTestMachine::stub(0x42), 3));
  CodeBuilder c(kUserCode);
  c.b({0xCD, 0x42});  // int 0x42
  ASSERT_EQ(m.run_user(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, 0x42);
  EXPECT_TRUE(m.cpu.get_eflags() & EFLAGS_IF);
}

// IRET to ring 3 reloads CS EIP EFLAGS SS ESP from the frame and nulls DS/ES/FS/GS that
// hold a segment the new CPL may not use (SDM Vol. 2 IRET, RETURN-TO-OUTER-PRIVILEGE-LEVEL);
// the next use of the nulled DS is #GP(0).
TEST(CpuProtection, IretToRing3RestoresTheFrameAndNullsKernelDs) {
  CpuTestMachine m;
  CodeBuilder k(kKernelCode);
  k.b({0x66, 0xB8}).w(kKernelDs);  // mov ax, 0x10
  k.b({0x8E, 0xD8});               // mov ds, ax
  k.b({0x8E, 0xE0});               // mov fs, ax
  k.b({0xCF});                     // iretd
  m.load(k);
  m.set_idt(0x41, gate_descriptor(STS_IG32, kKernelCs, kKernelCode, 3));
  CodeBuilder u(kUserCode);
  u.b({0xCD, 0x41});               // int 0x41
  u.b({0x8B, 0x1D}).d(kData);      // mov ebx, [kData]     DS is null now
  ASSERT_EQ(m.run_user(u), StopReason::Halted);
  Delivery d = m.delivery();
  EXPECT_EQ(d.vector, kGP);
  EXPECT_EQ(d.error, 0u);
  EXPECT_EQ(d.eip, kUserCode + 2);
  EXPECT_EQ(d.cs, kUserCs);
  EXPECT_EQ(d.esp, kUserStackTop);
  EXPECT_EQ(d.ss, kUserDs);
  EXPECT_TRUE(d.eflags & EFLAGS_IF);
  EXPECT_EQ(m.cpu.seg(DS).selector, 0);
  EXPECT_EQ(m.cpu.seg(FS).selector, 0);
  EXPECT_EQ(m.cpu.seg(ES).selector, kUserDs);  // DPL 3: kept
}

// CLI/STI need CPL <= IOPL (SDM Vol. 2 CLI, STI).
TEST(CpuProtection, CliStiAtCpl3NeedIopl3) {
  CpuTestMachine m;
  for (u8 op : {u8(0xFA), u8(0xFB)}) {  // cli, sti
    SCOPED_TRACE(op == 0xFA ? "cli" : "sti");
    CodeBuilder c(kUserCode);
    c.b({op});
    ASSERT_EQ(m.run_user(c), StopReason::Halted);
    EXPECT_EQ(m.delivery().vector, kGP);
    EXPECT_EQ(m.delivery().error, 0u);
    EXPECT_EQ(m.delivery().eip, kUserCode);
  }
  CodeBuilder c(kUserCode);
  c.b({0xFA});        // cli
  c.b({0xCD, kExitVector});
  m.load(c);
  m.start_user(kUserCode, kUserStackTop, EFLAGS_FIXED1 | EFLAGS_IF | EFLAGS_IOPL);
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kExitVector);
  EXPECT_FALSE(m.delivery().eflags & EFLAGS_IF);
}

// With CPL > IOPL every port of an access must have a 0 bit in the TSS I/O permission
// bitmap (SDM Vol. 1, 19.5.2).
TEST(CpuProtection, IoPermissionBitmapGatesPortsAtCpl3) {
  CpuTestMachine m;
  std::vector<u32> written;
  m.bus.map_ports(0x80, 2, "test", [&](IoAccess& a) {
    if (a.is_write) written.push_back(a.data);
    else a.data = 0x5A;
  });
  m.allow_ports(0x80, 1);  // 0x80 allowed, 0x81 denied

  CodeBuilder ok(kUserCode);
  ok.b({0xE4, 0x80});  // in al, 0x80
  ok.b({0xE6, 0x80});  // out 0x80, al
  ok.b({0xCD, kExitVector});
  ASSERT_EQ(m.run_user(ok), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kExitVector);
  EXPECT_EQ(m.cpu.reg(EAX) & 0xFF, 0x5Au);
  EXPECT_EQ(written, std::vector<u32>{0x5A});

  const std::vector<u8> denied[] = {
      {0xE4, 0x81},        // in al, 0x81
      {0x66, 0xE5, 0x80},  // in ax, 0x80        ports 0x80 and 0x81
  };
  for (const auto& bytes : denied) {
    CodeBuilder c(kUserCode);
    c.b(bytes);
    ASSERT_EQ(m.run_user(c), StopReason::Halted);
    EXPECT_EQ(m.delivery().vector, kGP);
    EXPECT_EQ(m.delivery().error, 0u);
    EXPECT_EQ(m.delivery().eip, kUserCode);
  }

  CodeBuilder iopl(kUserCode);  // IOPL 3: the bitmap is not consulted
  iopl.b({0xE4, 0x81});  // in al, 0x81
  iopl.b({0xCD, kExitVector});
  m.load(iopl);
  m.start_user(kUserCode, kUserStackTop, EFLAGS_FIXED1 | EFLAGS_IOPL);
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kExitVector);
}

// POPF at CPL 3 leaves IOPL alone, and IF too unless IOPL = 3; no fault either way
// (SDM Vol. 2 POPF).
TEST(CpuProtection, PopfAtCpl3CannotChangeIoplOrIf) {
  CpuTestMachine m;
  CodeBuilder c(kUserCode);
  c.b({0x68}).d(0x1000 | EFLAGS_FIXED1 | EFLAGS_CF);  // push IOPL=1 IF=0 CF=1
  c.b({0x9D});                                         // popfd
  c.b({0x9C});                                         // pushfd
  c.b({0x5B});                                         // pop ebx
  c.b({0xCD, kExitVector});
  const u32 watched = EFLAGS_IOPL | EFLAGS_IF | EFLAGS_CF;
  m.load(c);
  m.start_user(kUserCode, kUserStackTop, EFLAGS_FIXED1 | EFLAGS_IF);
  ASSERT_EQ(m.run(), StopReason::Halted);
  ASSERT_EQ(m.delivery().vector, kExitVector);
  EXPECT_EQ(m.cpu.reg(EBX) & watched, EFLAGS_IF | EFLAGS_CF);  // IOPL 0 kept, IF kept

  m.start_user(kUserCode, kUserStackTop, EFLAGS_FIXED1 | EFLAGS_IF | EFLAGS_IOPL);
  ASSERT_EQ(m.run(), StopReason::Halted);
  ASSERT_EQ(m.delivery().vector, kExitVector);
  EXPECT_EQ(m.cpu.reg(EBX) & watched, EFLAGS_IOPL | EFLAGS_CF);  // IOPL 3 kept, IF cleared
}

// CALL through a 32-bit call gate to ring 0 with 2 parameters: the inner stack gets the
// caller's SS:ESP, the parameters in their order, then CS:EIP (SDM Vol. 3, Figure 5-13).
// RETF 8 returns to ring 3 and releases the parameters from the outer stack.
TEST(CpuProtection, CallGateCopiesParametersAndRetfReturns) {
  CpuTestMachine m;
  CodeBuilder k(kKernelCode);
  k.b({0xF4});              // hlt                  (the host looks at the stack here)
  k.b({0xCA}).w(8);         // retf 8
  m.load(k);
  m.set_gdt(0x48, gate_descriptor(STS_CG32, kKernelCs, kKernelCode, 3, /*params=*/2));
  CodeBuilder u(kUserCode);
  u.b({0x68}).d(0x1111);    // push 0x1111
  u.b({0x68}).d(0x2222);    // push 0x2222
  u.b({0x9A}).d(0).w(0x48 | 3);  // call far 0x4B:0
  const u32 after_call = u.here();
  u.b({0x89, 0xE3});        // mov ebx, esp
  u.b({0xCD, kExitVector});
  ASSERT_EQ(m.run_user(u), StopReason::Halted);
  ASSERT_EQ(m.cpu.eip(), kKernelCode + 1);
  EXPECT_EQ(m.cpu.cpl(), 0);
  EXPECT_EQ(m.cpu.seg(SS).selector, kKernelDs);
  const u32 sp = m.cpu.reg(ESP);
  EXPECT_EQ(sp, kKernelStackTop - 24);
  EXPECT_EQ(m.read32(sp + 0), after_call);
  EXPECT_EQ(m.read32(sp + 4), kUserCs);
  EXPECT_EQ(m.read32(sp + 8), 0x2222u);   // the caller's [ESP]
  EXPECT_EQ(m.read32(sp + 12), 0x1111u);  // the caller's [ESP + 4]
  EXPECT_EQ(m.read32(sp + 16), kUserStackTop - 8);
  EXPECT_EQ(m.read32(sp + 20), kUserDs);

  ASSERT_EQ(m.run(), StopReason::Halted);
  Delivery d = m.delivery();
  EXPECT_EQ(d.vector, kExitVector);
  EXPECT_EQ(m.cpu.reg(EBX), kUserStackTop);  // the two parameters are gone
  EXPECT_EQ(d.cs, kUserCs);
  EXPECT_EQ(d.ss, kUserDs);
}

// SYSENTER: CS = IA32_SYSENTER_CS, SS = CS + 8, ESP and EIP from the MSRs, CPL 0, IF
// clear. SYSEXIT: CS = IA32_SYSENTER_CS + 16 | 3, SS = + 24 | 3, ESP = ECX, EIP = EDX
// (SDM Vol. 2 SYSENTER, SYSEXIT).
TEST(CpuProtection, SysenterAndSysexitUseTheMsrs) {
  CpuTestMachine m;
  const u32 entry = kKernelCode + 0x100;
  const u32 user_resume = kUserCode + 0x10;
  CodeBuilder setup(kKernelCode);
  setup.b({0xB9}).d(MSR_IA32_SYSENTER_CS).b({0xB8}).d(kKernelCs).b({0x31, 0xD2});  // ecx, eax, edx
  setup.b({0x0F, 0x30});                                                          // wrmsr
  setup.b({0xB9}).d(MSR_IA32_SYSENTER_ESP).b({0xB8}).d(kKernelStackTop - 0x40);
  setup.b({0x0F, 0x30});                                                          // wrmsr
  setup.b({0xB9}).d(MSR_IA32_SYSENTER_EIP).b({0xB8}).d(entry);
  setup.b({0x0F, 0x30});                                                          // wrmsr
  setup.b({0xF4});                                                                // hlt
  ASSERT_EQ(m.run_kernel(setup), StopReason::Halted);

  CodeBuilder k(entry);
  k.b({0xF4});                 // hlt
  k.b({0xBA}).d(user_resume);  // mov edx, user_resume
  k.b({0xB9}).d(0x7F000);      // mov ecx, 0x7F000
  k.b({0x0F, 0x35});           // sysexit
  m.load(k);
  m.load(kUserCode, {0x0F, 0x34});                // sysenter
  m.load(user_resume, {0xCD, kExitVector});       // int kExitVector
  m.start_user(kUserCode, kUserStackTop, EFLAGS_FIXED1 | EFLAGS_IF);
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.cpu.eip(), entry + 1);
  EXPECT_EQ(m.cpu.cpl(), 0);
  EXPECT_EQ(m.cpu.seg(CS).selector, kKernelCs);
  EXPECT_EQ(m.cpu.seg(SS).selector, kKernelDs);
  EXPECT_EQ(m.cpu.reg(ESP), kKernelStackTop - 0x40);
  EXPECT_FALSE(m.cpu.get_eflags() & EFLAGS_IF);

  ASSERT_EQ(m.run(), StopReason::Halted);
  Delivery d = m.delivery();
  EXPECT_EQ(d.vector, kExitVector);
  EXPECT_EQ(d.eip, user_resume + 2);
  EXPECT_EQ(d.cs, kUserCs);
  EXPECT_EQ(d.ss, kUserDs);
  EXPECT_EQ(d.esp, 0x7F000u);
}

TEST(CpuProtection, SysenterWithoutMsrAndSysexitFromRing3AreGp0) {
  CpuTestMachine m;
  for (u8 op : {u8(0x34), u8(0x35)}) {  // sysenter (IA32_SYSENTER_CS = 0), sysexit (CPL 3)
    SCOPED_TRACE(op == 0x34 ? "sysenter" : "sysexit");
    CodeBuilder c(kUserCode);
    c.b({0x0F, op});
    ASSERT_EQ(m.run_user(c), StopReason::Halted);
    EXPECT_EQ(m.delivery().vector, kGP);
    EXPECT_EQ(m.delivery().error, 0u);
    EXPECT_EQ(m.delivery().eip, kUserCode);
  }
}

// Instructions that need CPL 0 raise #GP(0) at CPL 3.
TEST(CpuProtection, PrivilegedInstructionsAtCpl3AreGp0) {
  struct Case {
    const char* what;
    std::vector<u8> bytes;
  };
  const Case cases[] = {
      {"hlt", {0xF4}},
      {"lgdt [kData]", {0x0F, 0x01, 0x15, 0x00, 0x00, 0x03, 0x00}},
      {"lidt [kData]", {0x0F, 0x01, 0x1D, 0x00, 0x00, 0x03, 0x00}},
      {"mov cr0, eax", {0x0F, 0x22, 0xC0}},
      {"mov eax, cr3", {0x0F, 0x20, 0xD8}},
      {"ltr ax", {0x0F, 0x00, 0xD8}},
      {"clts", {0x0F, 0x06}},
      {"wrmsr", {0x0F, 0x30}},
      {"invlpg [kData]", {0x0F, 0x01, 0x3D, 0x00, 0x00, 0x03, 0x00}},
  };
  CpuTestMachine m;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    CodeBuilder c(kUserCode);
    c.b(k.bytes);
    ASSERT_EQ(m.run_user(c), StopReason::Halted);
    EXPECT_EQ(m.delivery().vector, kGP);
    EXPECT_EQ(m.delivery().error, 0u);
    EXPECT_EQ(m.delivery().eip, kUserCode);
  }
}

// CR4.TSD: RDTSC only at CPL 0 (SDM Vol. 2 RDTSC).
TEST(CpuProtection, RdtscWithTsdIsGpAtCpl3Only) {
  CpuTestMachine m;
  CodeBuilder c(kUserCode);
  c.b({0x0F, 0x31});  // rdtsc
  c.b({0xCD, kExitVector});
  ASSERT_EQ(m.run_user(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kExitVector);

  m.cpu.set_cr4(CR4_TSD);
  ASSERT_EQ(m.run_user(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kGP);
  EXPECT_EQ(m.delivery().error, 0u);
  EXPECT_EQ(m.delivery().eip, kUserCode);

  CodeBuilder k(kKernelCode);
  k.b({0x0F, 0x31});  // rdtsc
  k.b({0xF4});        // hlt
  ASSERT_EQ(m.run_kernel(k), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, -1);
  EXPECT_EQ(m.cpu.eip(), kKernelCode + 3);
}

// "Unreal mode": segment limits live in the descriptor caches, which a return to real
// mode does not reload (SDM Vol. 3, 9.9.2). DS keeps a 4 GiB limit from protected mode,
// so a 32-bit offset above 1 MiB works in real mode; with the reset limit of 64 KiB the
// same access is #GP, delivered through the IVT.
TEST(CpuProtection, UnrealModeKeepsTheProtectedModeLimit) {
  CpuTestMachine m;
  m.write32(0x200000, 0xCAFEBABE);
  m.set_gdt(0x30, code16_segment(kKernelCode, 0xFFFF));  // offsets as in real mode below
  CodeBuilder c(kKernelCode);
  c.b({0x66, 0xB8}).w(kKernelDs);  // mov ax, 0x10         limit 4 GiB
  c.b({0x8E, 0xD8});               // mov ds, ax
  const u32 code16 = c.here() + 7;
  c.b({0xEA}).d(code16 - kKernelCode).w(0x30);  // jmp far 0x30:code16 (16-bit code)
  c.b({0x0F, 0x20, 0xC0});         // mov eax, cr0
  c.b({0x24, 0xFE});               // and al, ~CR0_PE
  c.b({0x0F, 0x22, 0xC0});         // mov cr0, eax
  const u32 real = c.here() + 5;
  c.b({0xEA}).w(u16(real - kKernelCode)).w(kKernelCode >> 4);  // jmp far 0x1000:real
  c.b({0x31, 0xC0});               // xor ax, ax
  c.b({0x8E, 0xD8});               // mov ds, ax           base 0; the limit stays
  c.b({0x67, 0x66, 0xA1}).d(0x200000);  // mov eax, [dword 0x200000]
  c.b({0xF4});                     // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, -1) << ::testing::PrintToString(m.delivery());
  EXPECT_FALSE(m.cpu.cr0() & CR0_PE);
  EXPECT_EQ(m.cpu.seg(DS).limit, 0xFFFFFFFFu);
  EXPECT_EQ(m.cpu.reg(EAX), 0xCAFEBABEu);

  m.write32(kGP * 4, 0x00000500);  // IVT[13] = 0000:0500
  m.load(0x500, {0xF4});           // hlt
  m.load(0x10000, {0x67, 0x66, 0xA1, 0x00, 0x00, 0x20, 0x00});  // mov eax, [dword 0x200000]
  m.start_real(0x1000, 0);         // after RESET: DS limit 64 KiB
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.cpu.eip(), 0x501u);
  EXPECT_EQ(m.read16(0x7000 - 6), 0x0000);  // IP of the faulting instruction
  EXPECT_EQ(m.read16(0x7000 - 4), 0x1000);  // CS
}

}  // namespace
}  // namespace vmlab::test
