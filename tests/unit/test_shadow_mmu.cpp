// Shadow paging (modes/shadow_mmu.h), driven directly: the test writes the guest's page
// tables into guest memory, reports page faults as the hardware would, and checks the
// shadow entries the real CPU then walks, the guest's A/D bits, and the counters.
// The references are the rules of SDM Vol. 3, 4.6-4.8 (what the guest's own tables
// allow) and reference/virtualization.md section 4 (what a shadow MMU must do).
#include <gtest/gtest.h>

#include <cstring>

#include "core/machine.h"
#include "modes/memslots.h"
#include "modes/shadow_mmu.h"
#include "tests/unit/cpu_test_machine.h"

namespace vmlab::test {
namespace {

constexpr u32 kGuestPd = 0x100000;  // PageTables takes its page tables from the pages after it
constexpr u32 kVa = 0x400000;       // a page in the second 4 MiB
constexpr u32 kFrame = 0x200000;    // guest-physical page it maps
constexpr u32 kRead = 0, kWrite = PFEC_W, kUser = PFEC_U;

struct ShadowFixture : ::testing::Test {
  Machine machine{config()};
  Memslots slots{machine.memory()};
  MonitorMemory pool{machine.memory()};
  ShadowMmu mmu{machine.cpu(), machine.memory(), slots, pool, machine.counters(), machine.events()};
  PageTables guest{machine.memory(), kGuestPd};
  Counters& counters = machine.counters();

  static MachineConfig config() {
    MachineConfig c;
    c.mem_mib = 4;
    c.monitor_mib = 1;  // 256 pages: small enough to run out in a test
    return c;
  }
  ShadowFixture() {
    machine.cpu().enter_flat_protected_mode();
    machine.cpu().set_cr0(machine.cpu().cr0() | CR0_PG | CR0_WP);
    mmu.set_hole_table(*pool.alloc_page());
  }
  GuestPaging paging(u32 cr3 = kGuestPd, bool pse = false, bool wp = true) {
    GuestPaging p;
    p.enabled = true;
    p.cr3 = cr3;
    p.pse = pse;
    p.wp = wp;
    return p;
  }
  u32 read32(u32 addr) {
    u32 v;
    machine.memory().read(addr, &v, 4);
    return v;
  }
  void write32(u32 addr, u32 v) { machine.memory().write(addr, &v, 4); }
  // The shadow entry for `va` in the current root, or 0.
  u32 spte(u32 va) {
    std::optional<u32> at = mmu.shadow_pte_address(va);
    return at ? read32(*at) : 0;
  }
  // What the real CPU now translates `va` to, walking the shadow root.
  std::optional<u32> hardware(u32 va) {
    u32 phys;
    return machine.cpu().debug_translate(va, phys) ? std::optional<u32>(phys) : std::nullopt;
  }
};

TEST_F(ShadowFixture, HiddenFaultCopiesTheGuestTranslationAndSetsAccessed) {
  guest.map(kVa, kFrame, PTE_P | PTE_W | PTE_U);
  mmu.switch_root(paging());
  EXPECT_EQ(machine.cpu().cr3(), mmu.root());
  EXPECT_TRUE(pool.owns(mmu.root()));
  EXPECT_FALSE(hardware(kVa + 0x123)) << "a new root is empty";

  ShadowMmu::Fault f = mmu.page_fault(kVa + 0x123, kRead | kUser);
  EXPECT_EQ(f.kind, ShadowMmu::FaultKind::Hidden);
  EXPECT_EQ(f.gpa, kFrame + 0x123);
  EXPECT_EQ(hardware(kVa + 0x123), kFrame + 0x123);
  u32 s = spte(kVa);
  EXPECT_EQ(s & PTE_FRAME, kFrame);
  EXPECT_TRUE(s & PTE_U);
  EXPECT_FALSE(s & PTE_W) << "clean page: read-only until the first write sets D";
  EXPECT_TRUE(guest.pte(kVa) & PTE_A);
  EXPECT_FALSE(guest.pte(kVa) & PTE_D);
  EXPECT_TRUE(guest.pde(kVa) & PTE_A);
  EXPECT_EQ(counters.shadow_hidden_faults, 1u);
  EXPECT_EQ(counters.shadow_pages_built, 1u);
}

TEST_F(ShadowFixture, FirstWriteSetsDirtyInTheGuestAndMakesTheShadowWritable) {
  guest.map(kVa, kFrame, PTE_P | PTE_W);
  mmu.switch_root(paging());
  mmu.page_fault(kVa, kRead);
  ShadowMmu::Fault f = mmu.page_fault(kVa, kWrite);
  EXPECT_EQ(f.kind, ShadowMmu::FaultKind::Hidden);
  EXPECT_TRUE(guest.pte(kVa) & PTE_D);
  EXPECT_TRUE(spte(kVa) & PTE_W);
  EXPECT_FALSE(spte(kVa) & PTE_U) << "a supervisor page stays supervisor";
  EXPECT_EQ(counters.shadow_hidden_faults, 2u);
}

TEST_F(ShadowFixture, TrueFaultsCarryTheErrorCodeOfTheGuestsTables) {
  mmu.switch_root(paging());
  // Not present at all.
  ShadowMmu::Fault f = mmu.page_fault(kVa, kWrite | kUser);
  EXPECT_EQ(f.kind, ShadowMmu::FaultKind::True);
  EXPECT_EQ(f.error_code, PFEC_W | PFEC_U);
  // Present, supervisor only, read-only.
  guest.map(kVa, kFrame, PTE_P);
  f = mmu.page_fault(kVa, kRead | kUser);
  EXPECT_EQ(f.kind, ShadowMmu::FaultKind::True);
  EXPECT_EQ(f.error_code, PFEC_P | PFEC_U);
  f = mmu.page_fault(kVa, kWrite);
  EXPECT_EQ(f.kind, ShadowMmu::FaultKind::True) << "CR0.WP=1: the supervisor may not write";
  EXPECT_EQ(f.error_code, PFEC_P | PFEC_W);
  EXPECT_EQ(spte(kVa), 0u) << "a true fault builds nothing";
  EXPECT_FALSE(guest.pte(kVa) & PTE_A) << "nor sets the accessed bit";
  EXPECT_EQ(counters.shadow_true_faults, 3u);
  // With the guest's CR0.WP=0 the supervisor may write it; the shadow (real WP=1)
  // cannot map it writable, so the monitor emulates the store.
  mmu.switch_root(paging(kGuestPd, false, false));
  f = mmu.page_fault(kVa, kWrite);
  EXPECT_EQ(f.kind, ShadowMmu::FaultKind::EmulatedWrite);
  EXPECT_EQ(f.target, kFrame);
}

TEST_F(ShadowFixture, GuestPageTablesAreWriteProtectedAndWritesToThemAreTraced) {
  guest.map(kVa, kFrame, PTE_P | PTE_W);
  const u32 table = guest.pde(kVa) & PTE_FRAME;
  // The guest maps its own page table at kVa + 0x1000, and a data page at kVa + 0x2000.
  guest.map(kVa + 0x1000, table, PTE_P | PTE_W | PTE_D);
  guest.map(kVa + 0x2000, 0x300000, PTE_P | PTE_W | PTE_D);
  mmu.switch_root(paging());
  EXPECT_EQ(mmu.page_fault(kVa + 0x2000, kWrite).kind, ShadowMmu::FaultKind::Hidden);
  EXPECT_TRUE(spte(kVa + 0x2000) & PTE_W);
  EXPECT_TRUE(mmu.is_tracked(table));
  EXPECT_EQ(mmu.page_fault(kVa + 0x1000, kRead).kind, ShadowMmu::FaultKind::Hidden);
  EXPECT_FALSE(spte(kVa + 0x1000) & PTE_W) << "a page table is mapped read-only, even when dirty";
  ShadowMmu::Fault f = mmu.page_fault(kVa + 0x1000, kWrite);
  EXPECT_EQ(f.kind, ShadowMmu::FaultKind::Traced);
  EXPECT_EQ(f.target, table);
  EXPECT_EQ(counters.shadow_traced_writes, 1u);

  // The data page becomes a page table (the guest points a PDE at it): its existing
  // writable mapping is write-protected at once.
  write32(0x300000, 0x3FF000 | PTE_P | PTE_W);
  guest.set_pde(0x800000, 0x300000 | PTE_P | PTE_W);
  EXPECT_EQ(mmu.page_fault(0x800000, kRead).kind, ShadowMmu::FaultKind::Hidden);
  EXPECT_TRUE(mmu.is_tracked(0x300000));
  EXPECT_FALSE(spte(kVa + 0x2000) & PTE_W);
  EXPECT_EQ(mmu.page_fault(kVa + 0x2000, kWrite).kind, ShadowMmu::FaultKind::Traced);
}

TEST_F(ShadowFixture, ATracedWriteDropsTheChangedEntrySoTheNewMappingIsSeen) {
  guest.map(kVa, kFrame, PTE_P | PTE_W);
  const u32 pte_addr = guest.pte_address(kVa);
  mmu.switch_root(paging());
  mmu.page_fault(kVa, kRead);
  ASSERT_EQ(hardware(kVa), kFrame);
  mmu.traced_write_begin(pte_addr & PTE_FRAME);
  write32(pte_addr, 0x210000 | PTE_P | PTE_W);  // the emulated store
  mmu.traced_write_end();
  EXPECT_EQ(spte(kVa), 0u);
  EXPECT_FALSE(hardware(kVa)) << "the real TLB was flushed too";
  EXPECT_EQ(counters.shadow_entries_zapped, 1u);
  mmu.page_fault(kVa, kRead);
  EXPECT_EQ(hardware(kVa), 0x210000u);
}

TEST_F(ShadowFixture, Cr3SwitchesReuseCachedRootsAndEvictTheLeastRecentlyUsed) {
  u32 dirs[5];
  for (u32 i = 0; i < 5; ++i) {
    dirs[i] = 0x180000 + i * 0x10000;
    PageTables t(machine.memory(), dirs[i]);
    t.map(kVa, kFrame + i * 0x1000, PTE_P | PTE_W);
  }
  mmu.switch_root(paging(dirs[0]));
  mmu.page_fault(kVa, kRead);
  const u32 root0 = mmu.root();
  mmu.switch_root(paging(dirs[1]));
  EXPECT_NE(mmu.root(), root0);
  mmu.switch_root(paging(dirs[0]));
  EXPECT_EQ(mmu.root(), root0);
  EXPECT_EQ(hardware(kVa), kFrame) << "a reused root keeps its entries: no refill";
  EXPECT_EQ(counters.shadow_roots_built, 2u);
  EXPECT_EQ(counters.shadow_roots_reused, 1u);
  for (u32 i = 1; i < 5; ++i) mmu.switch_root(paging(dirs[i]));  // dirs[0] is now the oldest
  EXPECT_EQ(counters.shadow_roots_built, 5u);
  mmu.switch_root(paging(dirs[0]));
  EXPECT_EQ(counters.shadow_roots_built, 6u) << "the fifth root evicted the least recently used";
  EXPECT_FALSE(hardware(kVa));
}

TEST_F(ShadowFixture, InvlpgDropsOnlyThatPage) {
  guest.map(kVa, kFrame, PTE_P | PTE_W);
  guest.map(kVa + 0x1000, kFrame + 0x1000, PTE_P | PTE_W);
  mmu.switch_root(paging());
  mmu.page_fault(kVa, kRead);
  mmu.page_fault(kVa + 0x1000, kRead);
  mmu.invlpg(kVa);
  EXPECT_EQ(spte(kVa), 0u);
  EXPECT_NE(spte(kVa + 0x1000), 0u);
  EXPECT_EQ(counters.shadow_entries_zapped, 1u);
}

TEST_F(ShadowFixture, LargeGuestPagesAreShadowedWithSmallPages) {
  guest.map_large(0x800000, 0x000000, PTE_P | PTE_W);
  mmu.switch_root(paging(kGuestPd, true));
  ShadowMmu::Fault f = mmu.page_fault(0x9FF123, kRead);
  EXPECT_EQ(f.kind, ShadowMmu::FaultKind::Hidden);
  EXPECT_EQ(hardware(0x9FF123), 0x1FF123u);
  EXPECT_FALSE(hardware(0x9FE000)) << "4 KiB at a time";
  EXPECT_TRUE(guest.pde(0x800000) & PTE_A);
  EXPECT_FALSE(guest.pde(0x800000) & PTE_D);
  EXPECT_FALSE(spte(0x9FF000) & PTE_W);
  mmu.page_fault(0x9FF123, kWrite);
  EXPECT_TRUE(guest.pde(0x800000) & PTE_D);
  EXPECT_TRUE(spte(0x9FF000) & PTE_W);
  // A page table inside the large page is still write-protected.
  EXPECT_EQ(mmu.page_fault(0x800000 + kGuestPd, kWrite).kind, ShadowMmu::FaultKind::Traced);
  // Without CR4.PSE the same PDE points at a page table.
  mmu.switch_root(paging(kGuestPd, false));
  f = mmu.page_fault(0x800000, kRead);
  EXPECT_NE(hardware(0x800000), std::optional<u32>(0));
}

TEST_F(ShadowFixture, ASelfReferencingDirectoryIsReadOnlyThroughItself) {
  guest.set_pde(0x400000, kGuestPd | PTE_P | PTE_W);  // PDE 1 -> the directory itself
  mmu.switch_root(paging());
  const u32 pd_via_itself = 0x400000 | (1u << 12);  // PTE 1 of "table" PD = PDE 1 -> PD
  EXPECT_EQ(mmu.page_fault(pd_via_itself, kRead).kind, ShadowMmu::FaultKind::Hidden);
  EXPECT_EQ(hardware(pd_via_itself), kGuestPd);
  EXPECT_FALSE(spte(pd_via_itself) & PTE_W);
  EXPECT_EQ(mmu.page_fault(pd_via_itself, kWrite).kind, ShadowMmu::FaultKind::Traced);
  // A store through it that changes PDE 1 drops the shadow PDE 1.
  mmu.traced_write_begin(kGuestPd);
  write32(kGuestPd + 4, 0);
  mmu.traced_write_end();
  EXPECT_FALSE(hardware(pd_via_itself));
}

TEST_F(ShadowFixture, MonitorMemoryIsNeverMappedForTheGuest) {
  const u32 monitor = u32(machine.memory().guest_size());
  guest.map(kVa, monitor, PTE_P | PTE_W | PTE_U);
  mmu.switch_root(paging());
  ShadowMmu::Fault f = mmu.page_fault(kVa, kWrite | kUser);
  EXPECT_EQ(f.kind, ShadowMmu::FaultKind::Mmio) << "not guest RAM: emulated, never mapped";
  EXPECT_EQ(f.target, Memslots::kOpenBusPage);
  EXPECT_EQ(spte(kVa), 0u);
  EXPECT_EQ(machine.bus().mmio_read(Memslots::kOpenBusPage, 4), 0xFFFFFFFFu) << "no device claims it";
  // Guest tables that live in monitor memory read as not present, and nothing is set.
  const u32 mon_pd = monitor + 0x80000;
  write32(mon_pd + pdx(kVa) * 4, kGuestPd | PTE_P | PTE_W | PTE_U);
  mmu.switch_root(paging(mon_pd));
  f = mmu.page_fault(kVa, kRead);
  EXPECT_EQ(f.kind, ShadowMmu::FaultKind::True);
  EXPECT_EQ(read32(mon_pd + pdx(kVa) * 4), kGuestPd | PTE_P | PTE_W | PTE_U) << "no A bit set in monitor memory";
}

TEST_F(ShadowFixture, RunningOutOfMonitorMemoryFlushesEverythingAndGoesOn) {
  // 300 guest page tables, one per 4 MiB, more than the 256-page pool.
  mmu.switch_root(paging());
  for (u32 i = 0; i < 300; ++i) {
    u32 va = 0x1000000 + i * 0x400000;
    guest.map(va, kFrame, PTE_P);
    ASSERT_EQ(mmu.page_fault(va, kRead).kind, ShadowMmu::FaultKind::Hidden) << i;
    EXPECT_EQ(hardware(va), kFrame);
  }
  EXPECT_GE(counters.shadow_flushes, 1u);
  EXPECT_GT(pool.free_pages(), 0u);
}

TEST_F(ShadowFixture, APageTableWrittenLikeDataIsUnshadowed) {
  guest.map(kVa, kFrame, PTE_P | PTE_W);
  const u32 table = guest.pde(kVa) & PTE_FRAME;
  mmu.switch_root(paging());
  mmu.page_fault(kVa, kRead);
  for (u32 i = 0; i < 3; ++i) {
    mmu.traced_write_begin(table);
    write32(table + 0x800 + i * 4, i + 1);
    mmu.traced_write_end();
  }
  EXPECT_EQ(counters.shadow_unshadowed, 1u);
  EXPECT_FALSE(mmu.is_tracked(table));
  EXPECT_FALSE(hardware(kVa));
  mmu.page_fault(kVa, kRead);  // used as a table again: shadowed and tracked again
  EXPECT_TRUE(mmu.is_tracked(table));
}

TEST_F(ShadowFixture, ACachedRootWhoseDirectoryIsWrittenLikeDataIsDropped) {
  const u32 other = 0x1C0000;
  PageTables(machine.memory(), other).map(kVa, kFrame, PTE_P | PTE_W);
  mmu.switch_root(paging(other));
  mmu.switch_root(paging());  // `other` stays cached, its directory write-protected
  ASSERT_TRUE(mmu.is_tracked(other));
  for (u32 i = 0; i < 3; ++i) {  // the dead process's directory page, reused as data
    mmu.traced_write_begin(other);
    write32(other + 0x400 + 4 * i, 0xDEAD0000 + i);
    mmu.traced_write_end();
  }
  EXPECT_FALSE(mmu.is_tracked(other));
  EXPECT_EQ(counters.shadow_unshadowed, 1u);
  mmu.switch_root(paging(other));
  EXPECT_EQ(counters.shadow_roots_built, 3u) << "dropped from the cache: built again";
  // The current root's directory is never dropped, however often it is written.
  for (u32 i = 0; i < 5; ++i) {
    mmu.traced_write_begin(other);
    write32(other + 0x800, i);
    mmu.traced_write_end();
  }
  EXPECT_TRUE(mmu.is_tracked(other));
}

}  // namespace
}  // namespace vmlab::test
