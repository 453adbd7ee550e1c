// The decode cache must never run stale instructions. Real processors check stores
// against the physical addresses of fetched and prefetched code (SDM Vol. 3, 11.6), so
// a write to code, through any linear address, takes effect for the next fetch.
#include <gtest/gtest.h>

#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

// A subroutine "mov eax, imm32; ret" at `at`.
void load_return_constant(CpuTestMachine& m, u32 at, u32 value) {
  CodeBuilder f(at);
  f.b({0xB8}).d(value);  // mov eax, value
  f.b({0xC3});           // ret
  m.load(f);
}

// CALL rel32 from the current position to `target`.
void call(CodeBuilder& c, u32 target) {
  const u32 next = c.here() + 5;
  c.b({0xE8}).d(target - next);
}

// Call a routine (decoding and caching it), patch its immediate, call it again.
TEST(CpuDecodeCache, PatchedSubroutineRunsTheNewBytes) {
  CpuTestMachine m;
  const u32 target = kKernelCode + 0x40;  // same page as the caller
  load_return_constant(m, target, 1);
  CodeBuilder c(kKernelCode);
  call(c, target);
  c.b({0x89, 0xC3});                      // mov ebx, eax
  c.b({0xC6, 0x05}).d(target + 1).b({2}); // mov byte [target + 1], 2
  call(c, target);
  c.b({0xF4});                            // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.cpu.reg(EBX), 1u);
  EXPECT_EQ(m.cpu.reg(EAX), 2u);
}

// A P6-family processor also notices a store to the very next instruction, already
// prefetched (SDM Vol. 3, 11.6); our CPUID says family 6.
TEST(CpuDecodeCache, StoreToTheNextInstructionTakesEffect) {
  CpuTestMachine m;
  CodeBuilder c(kKernelCode);
  const u32 next = c.here() + 7;
  c.b({0xC6, 0x05}).d(next + 1).b({7});  // mov byte [next + 1], 7
  c.b({0xB8}).d(1);                      // next: mov eax, 1    becomes mov eax, 7
  c.b({0xF4});                           // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.cpu.reg(EAX), 7u);
}

// The write goes through a second linear mapping of the code's physical page.
TEST(CpuDecodeCache, WriteThroughAnotherLinearAliasInvalidates) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  const u32 target = kKernelCode + 0x1000;
  const u32 alias = 0x800000;
  pt.map(alias, target, PTE_P | PTE_W);
  load_return_constant(m, target, 1);
  CodeBuilder c(kKernelCode);
  call(c, target);
  c.b({0x89, 0xC3});                     // mov ebx, eax
  c.b({0xC6, 0x05}).d(alias + 1).b({2}); // mov byte [alias + 1], 2
  call(c, target);
  c.b({0xF4});                           // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.cpu.reg(EBX), 1u);
  EXPECT_EQ(m.cpu.reg(EAX), 2u);
}

// REP STOSB turns the four INC ECX after it into NOPs before they run.
TEST(CpuDecodeCache, RepStosbOverwritesCodeAhead) {
  CpuTestMachine m;
  CodeBuilder c(kKernelCode);
  const u32 ahead = c.here() + 5 + 5 + 2 + 2;
  c.b({0xBF}).d(ahead);    // mov edi, ahead
  c.b({0xB9}).d(4);        // mov ecx, 4
  c.b({0xB0, 0x90});       // mov al, 0x90 (NOP)
  c.b({0xF3, 0xAA});       // rep stosb
  ASSERT_EQ(c.here(), ahead);
  c.b({0x41, 0x41, 0x41, 0x41});  // inc ecx (x4)
  c.b({0xF4});             // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.cpu.reg(ECX), 0u);
  EXPECT_EQ(m.read32(ahead), 0x90909090u);
}

// A loader (or a debugger) writing guest memory from the host drops cached code too.
TEST(CpuDecodeCache, HostWriteReplacesCachedCode) {
  CpuTestMachine m;
  CodeBuilder one(kKernelCode);
  one.b({0xB8}).d(1);  // mov eax, 1
  one.b({0xF4});       // hlt
  ASSERT_EQ(m.run_kernel(one), StopReason::Halted);
  ASSERT_EQ(m.cpu.reg(EAX), 1u);
  const u64 invalidations = m.counters.code_invalidations;
  CodeBuilder two(kKernelCode);
  two.b({0xB8}).d(2);  // mov eax, 2
  two.b({0xF4});       // hlt
  ASSERT_EQ(m.run_kernel(two), StopReason::Halted);
  EXPECT_EQ(m.cpu.reg(EAX), 2u);
  EXPECT_EQ(m.counters.code_invalidations, invalidations + 1);
}

}  // namespace
}  // namespace vmlab::test
