// 32-bit paging (SDM Vol. 3, chapter 4): access rights combined from the PDE and PTE
// (4.6), #PF error codes (4.7), accessed and dirty bits (4.8), 4 MiB pages (4.3), and
// the TLB (4.10): global pages, stale entries until INVLPG, counters and walk events.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

// A page in the second 4 MiB (its own PDE). The TLB is direct-mapped by a fold of the page
// number; 0x440000 shares no slot with the GDT, IDT, stacks or code pages, so tests that
// rely on a translation staying cached see the effect they are written for.
constexpr u32 kLinear = 0x440000;

// "mov eax, [kLinear]" or "mov [kLinear], eax", then INT kExitVector: ends in the exit
// stub when the access succeeds and in the #PF stub when it faults.
CodeBuilder access_code(u32 origin, bool write) {
  CodeBuilder c(origin);
  c.b({u8(write ? 0xA3 : 0xA1)}).d(kLinear);  // mov [kLinear], eax / mov eax, [kLinear]
  c.b({0xCD, kExitVector});                    // int kExitVector
  return c;
}

// Whether an access is allowed, from the rules of SDM Vol. 3, 4.6.1: a user access needs
// U/S = 1 in both entries and, to write, R/W = 1 in both; a supervisor may read anything
// and may write a read-only translation only when CR0.WP = 0.
bool allowed(bool user, bool write, bool wp, bool both_user, bool both_writable) {
  if (user) return both_user && (!write || both_writable);
  return !write || both_writable || !wp;
}

TEST(CpuPaging, PermissionMatrixForPdeAndPteBits) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  pt.map(kLinear, kData, PTE_P);
  const u32 table = pt.pde(kLinear) & PTE_FRAME;
  int cells = 0;
  for (u32 pde_bits = 0; pde_bits < 4; ++pde_bits)
    for (u32 pte_bits = 0; pte_bits < 4; ++pte_bits)
      for (bool wp : {false, true})
        for (bool user : {false, true})
          for (bool write : {false, true}) {
            const u32 pde_u = pde_bits & 1 ? PTE_U : 0, pde_w = pde_bits & 2 ? PTE_W : 0;
            const u32 pte_u = pte_bits & 1 ? PTE_U : 0, pte_w = pte_bits & 2 ? PTE_W : 0;
            SCOPED_TRACE(std::string("PDE") + (pde_u ? " U" : " S") + (pde_w ? " RW" : " RO") + ", PTE" +
                         (pte_u ? " U" : " S") + (pte_w ? " RW" : " RO") + (wp ? ", WP=1" : ", WP=0") +
                         (user ? ", user " : ", supervisor ") + (write ? "write" : "read"));
            pt.set_pde(kLinear, table | PTE_P | pde_u | pde_w);
            pt.set_pte(kLinear, kData | PTE_P | pte_u | pte_w);
            m.cpu.set_cr0(wp ? m.cpu.cr0() | CR0_WP : m.cpu.cr0() & ~CR0_WP);
            m.cpu.set_cr3(pt.cr3());  // drop cached translations
            CodeBuilder c = access_code(user ? kUserCode : kKernelCode, write);
            ASSERT_EQ(user ? m.run_user(c) : m.run_kernel(c), StopReason::Halted);
            Delivery d = m.delivery();
            if (allowed(user, write, wp, pde_u && pte_u, pde_w && pte_w)) {
              EXPECT_EQ(d.vector, kExitVector) << ::testing::PrintToString(d);
            } else {
              EXPECT_EQ(d.vector, kPF);
              EXPECT_EQ(d.error, PFEC_P | (write ? PFEC_W : 0) | (user ? PFEC_U : 0));
              EXPECT_EQ(d.eip, c.origin());
              EXPECT_EQ(m.cpu.cr2(), kLinear);
            }
            ++cells;
          }
  EXPECT_EQ(cells, 128);
}

TEST(CpuPaging, NotPresentPdeOrPteFaultsWithPClear) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  for (bool user : {false, true})
    for (bool write : {false, true}) {
      SCOPED_TRACE(std::string(user ? "user " : "supervisor ") + (write ? "write" : "read"));
      CodeBuilder c = access_code(user ? kUserCode : kKernelCode, write);
      ASSERT_EQ(user ? m.run_user(c) : m.run_kernel(c), StopReason::Halted);  // no PDE
      EXPECT_EQ(m.delivery().vector, kPF);
      EXPECT_EQ(m.delivery().error, (write ? PFEC_W : 0) | (user ? PFEC_U : 0));
      EXPECT_EQ(m.cpu.cr2(), kLinear);
    }
  pt.map(kLinear, kData, PTE_W | PTE_U);  // PDE present, PTE not
  ASSERT_EQ(m.run_user(access_code(kUserCode, true)), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, kPF);
  EXPECT_EQ(m.delivery().error, PFEC_W | PFEC_U);
}

// Instruction fetches fault like reads (W = 0). A jump into a missing page faults with
// EIP = CR2 = the target; an instruction that runs into a missing page faults with EIP at
// its first byte and CR2 at the first byte it could not fetch (SDM Vol. 3, 4.7, 6.15).
TEST(CpuPaging, InstructionFetchPageFaults) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  const u32 missing = kLinear + 0x1000, supervisor = kLinear + 0x2000;
  pt.map(kLinear, kData, PTE_P | PTE_U);
  pt.map(missing, kData + 0x1000, 0);
  pt.map(supervisor, kData + 0x2000, PTE_P);
  m.load(kData + 0xFFE, {0xB8, 0x01});  // mov eax, imm32: 2 of its 5 bytes on this page
  m.load(kData + 0x2000, {0xF4});       // hlt
  struct Case {
    const char* what;
    u32 target;
    bool user;
    u32 error, cr2;
  };
  const Case cases[] = {
      {"jump to a missing page", missing, false, 0, missing},
      {"instruction runs into a missing page", missing - 2, false, 0, missing},
      {"user jump to a supervisor page", supervisor, true, PFEC_P | PFEC_U, supervisor},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    CodeBuilder c(k.user ? kUserCode : kKernelCode);
    c.b({0xB8}).d(k.target);  // mov eax, target
    c.b({0xFF, 0xE0});        // jmp eax
    ASSERT_EQ(k.user ? m.run_user(c) : m.run_kernel(c), StopReason::Halted);
    EXPECT_EQ(m.delivery().vector, kPF);
    EXPECT_EQ(m.delivery().error, k.error);
    EXPECT_EQ(m.delivery().eip, k.target);
    EXPECT_EQ(m.cpu.cr2(), k.cr2);
  }
}

// A is set in the PDE and PTE used by an access; D only in the PTE, only on a write,
// even when the translation was already cached by an earlier read (SDM Vol. 3, 4.8).
TEST(CpuPaging, AccessedAndDirtyBits) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  pt.map(kLinear, kData, PTE_P | PTE_W);
  pt.map(kLinear + 0x1000, kData + 0x1000, PTE_P | PTE_W);
  ASSERT_FALSE(pt.pde(kLinear) & PTE_A);
  CodeBuilder read(kKernelCode);
  read.b({0xA1}).d(kLinear);  // mov eax, [kLinear]
  read.b({0xF4});             // hlt
  ASSERT_EQ(m.run_kernel(read), StopReason::Halted);
  EXPECT_TRUE(pt.pde(kLinear) & PTE_A);
  EXPECT_TRUE(pt.pte(kLinear) & PTE_A);
  EXPECT_FALSE(pt.pte(kLinear) & PTE_D);

  CodeBuilder write(kKernelCode);  // the translation is cached now, D is not
  write.b({0xA3}).d(kLinear);             // mov [kLinear], eax
  write.b({0xA3}).d(kLinear + 0x1000);    // mov [kLinear + 0x1000], eax   first access
  write.b({0xF4});                        // hlt
  ASSERT_EQ(m.run_kernel(write), StopReason::Halted);
  EXPECT_TRUE(pt.pte(kLinear) & PTE_D);
  EXPECT_FALSE(pt.pde(kLinear) & PTE_D);  // bit 6 of a PDE that maps a table is ignored
  EXPECT_EQ(pt.pte(kLinear + 0x1000) & (PTE_A | PTE_D), PTE_A | PTE_D);
}

// CR4.PSE with PDE.PS = 1 maps 4 MiB; the PDE gets A and D. Without CR4.PSE the PS bit
// is ignored and the PDE points to a page table (SDM Vol. 3, 4.3).
TEST(CpuPaging, FourMegabytePagesNeedCr4Pse) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  const u32 big = 0x800000;
  pt.map_large(big, 0x400000, PTE_P | PTE_W);
  m.write32(0x400000 + 0x1234, 0x12345678);
  m.cpu.set_cr4(CR4_PSE);
  CodeBuilder c(kKernelCode);
  c.b({0xA1}).d(big + 0x1234);  // mov eax, [0x801234]
  c.b({0xA3}).d(big + 0x3FFFF0);  // mov [0xBFFFF0], eax   the last bytes of the page
  c.b({0xF4});                  // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.delivery().vector, -1) << ::testing::PrintToString(m.delivery());
  EXPECT_EQ(m.cpu.reg(EAX), 0x12345678u);
  EXPECT_EQ(m.read32(0x400000 + 0x3FFFF0), 0x12345678u);
  EXPECT_EQ(pt.pde(big) & (PTE_A | PTE_D), PTE_A | PTE_D);

  m.cpu.set_cr4(0);  // now 0x400000 is the page table: entry 1 maps 0x801000
  m.write32(0x400000 + 4, kData | PTE_P | PTE_W);
  m.write32(kData + 0x234, 0xFEEDF00D);
  CodeBuilder t(kKernelCode);
  t.b({0xA1}).d(big + 0x1234);  // mov eax, [0x801234]
  t.b({0xF4});                  // hlt
  ASSERT_EQ(m.run_kernel(t), StopReason::Halted);
  EXPECT_EQ(m.cpu.reg(EAX), 0xFEEDF00Du);
}

// With CR4.PGE a global translation survives a CR3 load; INVLPG drops it (SDM Vol. 3,
// 4.10.2.4 and 4.10.4.1). The host rewrites both PTEs without telling the CPU.
TEST(CpuPaging, GlobalPagesSurviveCr3LoadsButNotInvlpg) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  m.cpu.set_cr4(CR4_PGE);
  const u32 global = kLinear, local = kLinear + 0x1000;
  pt.map(global, kData, PTE_P | PTE_W | PTE_G);
  pt.map(local, kData + 0x1000, PTE_P | PTE_W);
  m.write32(kData, 0x01D0);
  m.write32(kData + 0x1000, 0x01D1);
  m.write32(kData + 0x2000, 0x0E70);
  CodeBuilder fill(kKernelCode);
  fill.b({0xA1}).d(global);      // mov eax, [global]
  fill.b({0x8B, 0x1D}).d(local); // mov ebx, [local]
  fill.b({0xF4});                // hlt
  ASSERT_EQ(m.run_kernel(fill), StopReason::Halted);
  ASSERT_EQ(m.cpu.reg(EAX), 0x01D0u);
  ASSERT_EQ(m.cpu.reg(EBX), 0x01D1u);

  pt.set_pte(global, (kData + 0x2000) | PTE_P | PTE_W | PTE_G);
  pt.set_pte(local, (kData + 0x2000) | PTE_P | PTE_W);
  CodeBuilder reload(kKernelCode);
  reload.b({0x0F, 0x20, 0xD8});    // mov eax, cr3
  reload.b({0x0F, 0x22, 0xD8});    // mov cr3, eax
  reload.b({0xA1}).d(global);      // mov eax, [global]
  reload.b({0x8B, 0x1D}).d(local); // mov ebx, [local]
  reload.b({0xF4});                // hlt
  ASSERT_EQ(m.run_kernel(reload), StopReason::Halted);
  EXPECT_EQ(m.cpu.reg(EAX), 0x01D0u);  // global: the old translation
  EXPECT_EQ(m.cpu.reg(EBX), 0x0E70u);  // not global: walked again

  CodeBuilder inv(kKernelCode);
  inv.b({0x0F, 0x01, 0x3D}).d(global);  // invlpg [global]
  inv.b({0xA1}).d(global);              // mov eax, [global]
  inv.b({0xF4});                        // hlt
  ASSERT_EQ(m.run_kernel(inv), StopReason::Halted);
  EXPECT_EQ(m.cpu.reg(EAX), 0x0E70u);
}

// The guest rewrites a PTE without INVLPG: the TLB keeps using the old translation (also
// its permission: the page stays readable after P is cleared) until INVLPG.
TEST(CpuPaging, StaleTlbEntryIsUsedUntilInvlpg) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  pt.map(kLinear, kData, PTE_P | PTE_W);
  m.write32(kData, 0x0001);
  m.write32(kData + 0x1000, 0x0002);
  const u32 pte_addr = pt.pte_address(kLinear);  // identity-mapped, so also its linear address
  CodeBuilder c(kKernelCode);
  c.b({0xA1}).d(kLinear);                                   // mov eax, [kLinear]
  c.b({0xC7, 0x05}).d(pte_addr).d((kData + 0x1000) | PTE_P);  // mov dword [pte], new frame
  c.b({0x8B, 0x1D}).d(kLinear);                             // mov ebx, [kLinear]
  c.b({0x0F, 0x01, 0x3D}).d(kLinear);                       // invlpg [kLinear]
  c.b({0x8B, 0x0D}).d(kLinear);                             // mov ecx, [kLinear]
  c.b({0xC7, 0x05}).d(pte_addr).d(0);                       // mov dword [pte], 0 (not present)
  c.b({0x8B, 0x15}).d(kLinear);                             // mov edx, [kLinear]
  c.b({0x0F, 0x01, 0x3D}).d(kLinear);                       // invlpg [kLinear]
  const u32 at_fault = c.here();
  c.b({0xA1}).d(kLinear);                                   // mov eax, [kLinear]
  c.b({0xF4});                                              // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.cpu.reg(EBX), 0x0001u);  // stale
  EXPECT_EQ(m.cpu.reg(ECX), 0x0002u);  // after INVLPG
  EXPECT_EQ(m.cpu.reg(EDX), 0x0002u);  // stale again: still "present"
  EXPECT_EQ(m.delivery().vector, kPF);
  EXPECT_EQ(m.delivery().error, 0u);
  EXPECT_EQ(m.delivery().eip, at_fault);
}

TEST(CpuPaging, TlbCountersCountHitsMissesAndInvlpg) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  pt.map(kLinear, kData, PTE_P | PTE_W);
  CodeBuilder c(kKernelCode);
  c.b({0xA1}).d(kLinear);  // mov eax, [kLinear]
  c.b({0xA1}).d(kLinear);  // mov eax, [kLinear]
  c.b({0xF4});             // hlt
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);  // warms the TLB and the decode cache

  Counters before = m.counters;
  m.start(kKernelCode);
  ASSERT_EQ(m.run(), StopReason::Halted);
  EXPECT_EQ(m.counters.tlb_misses - before.tlb_misses, 0u);
  EXPECT_EQ(m.counters.page_walks - before.page_walks, 0u);
  EXPECT_GE(m.counters.tlb_hits - before.tlb_hits, 2u);

  CodeBuilder inv(kKernelCode + 0x100);
  inv.b({0x0F, 0x01, 0x3D}).d(kLinear);  // invlpg [kLinear]
  inv.b({0xA1}).d(kLinear);              // mov eax, [kLinear]
  inv.b({0xF4});                         // hlt
  before = m.counters;
  ASSERT_EQ(m.run_kernel(inv), StopReason::Halted);
  EXPECT_EQ(m.counters.tlb_invlpg - before.tlb_invlpg, 1u);
  EXPECT_EQ(m.counters.tlb_misses - before.tlb_misses, 1u);  // only the invalidated page
  EXPECT_EQ(m.counters.page_walks - before.page_walks, 1u);
}

// Each level of a walk is an EventKind::PageWalk event with the entry's physical address
// and value, PDE first; nothing is built when nobody listens.
TEST(CpuPaging, PageWalkEventsCarryBothLevels) {
  CpuTestMachine m;
  PageTables& pt = m.enable_paging();
  pt.map(kLinear, kData, PTE_P | PTE_W);
  const u32 pde = pt.pde(kLinear), pte = pt.pte(kLinear);
  CodeBuilder c(kKernelCode);
  c.b({0xA1}).d(kLinear + 0x10);  // mov eax, [kLinear + 0x10]
  c.b({0xF4});                    // hlt

  const u64 emitted = m.events.total_emitted();
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  EXPECT_EQ(m.events.total_emitted(), emitted);

  m.cpu.set_cr3(pt.cr3());
  std::vector<Event> walks;
  m.events.subscribe([&](const Event& e) {
    if (e.kind == EventKind::PageWalk && e.a == kLinear + 0x10) walks.push_back(e);
  });
  pt.set_pde(kLinear, pde);  // as before the first walk: A clear
  pt.set_pte(kLinear, pte);
  ASSERT_EQ(m.run_kernel(c), StopReason::Halted);
  ASSERT_EQ(walks.size(), 2u);
  EXPECT_EQ(walks[0].size_or_level, 2);
  EXPECT_EQ(walks[0].b, pt.pde_address(kLinear));
  EXPECT_EQ(walks[0].c, pde);
  EXPECT_EQ(walks[1].size_or_level, 1);
  EXPECT_EQ(walks[1].b, pt.pte_address(kLinear));
  EXPECT_EQ(walks[1].c, pte);
  EXPECT_EQ(walks[1].table, u8(PageTableKind::Guest));
}

}  // namespace
}  // namespace vmlab::test
