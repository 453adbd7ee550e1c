#include "mmu/paging.h"

#include <cstring>

#include "core/counters.h"
#include "core/events.h"
#include "core/physical_memory.h"
#include "cpu/cpu_state.h"

namespace vmlab {
namespace {

u32 read_entry(PhysicalMemory& memory, u32 addr, u64 limit) {
  if (addr + 4ull > limit || !memory.contains(addr, 4)) return 0;
  u32 v;
  std::memcpy(&v, memory.host_ptr(addr), 4);
  return v;
}

// Set bits in an entry in RAM; page tables are data, so a page of decoded code that is
// also a page table is invalidated like any other write.
void set_entry_bits(PhysicalMemory& memory, u32 addr, u32 old_value, u32 bits, u64 limit) {
  if ((old_value & bits) == bits || addr + 4ull > limit || !memory.contains(addr, 4)) return;
  u32 v = old_value | bits;
  memory.write(addr, &v, 4);
}

void emit_level(EventStream* events, u32 linear, u32 entry_addr, u32 entry, u8 level,
                PageTableKind kind) {
  if (!events || !events->listening()) return;
  Event e;
  e.kind = EventKind::PageWalk;
  e.size_or_level = level;
  e.table = u8(kind);
  e.a = linear;
  e.b = entry_addr;
  e.c = entry;
  events->emit(e);
}

u32 fault_code(bool present, bool write, bool user) {
  return (present ? PFEC_P : 0) | (write ? PFEC_W : 0) | (user ? PFEC_U : 0);
}

}  // namespace

WalkResult walk_page_tables(PhysicalMemory& memory, EventStream* events, Counters* counters,
                            const PagingControl& control, u32 linear, bool write, bool user,
                            bool peek) {
  WalkResult r;
  if (!peek && counters) ++counters->page_walks;
  u32 pde_addr = (control.cr3 & PTE_FRAME) | (pdx(linear) << 2);
  u32 pde = read_entry(memory, pde_addr, control.phys_limit);
  if (!peek) emit_level(events, linear, pde_addr, pde, 2, control.kind);
  if (!(pde & PTE_P)) {
    r.error_code = fault_code(false, write, user);
    return r;
  }
  bool large = control.pse && (pde & PTE_PS);
  u32 pte_addr = 0, pte = pde;
  if (!large) {
    pte_addr = (pde & PTE_FRAME) | (ptx(linear) << 2);
    pte = read_entry(memory, pte_addr, control.phys_limit);
    if (!peek) emit_level(events, linear, pte_addr, pte, 1, control.kind);
    if (!(pte & PTE_P)) {
      r.error_code = fault_code(false, write, user);
      return r;
    }
  }
  bool user_ok = (pde & PTE_U) && (pte & PTE_U);
  bool rw = (pde & PTE_W) && (pte & PTE_W);
  r.writable = user ? (user_ok && rw) : (rw || !control.wp);
  if ((user && !user_ok) || (write && !r.writable)) {
    r.error_code = fault_code(true, write, user);
    return r;
  }
  r.ok = true;
  r.large = large;
  r.global = control.pge && (pte & PTE_G);
  r.phys = large ? (pde & PDE_FRAME_4M) | (linear & 0x3FFFFF) : (pte & PTE_FRAME) | (linear & 0xFFF);
  r.dirty = (pte & PTE_D) || write;
  if (!peek) {
    set_entry_bits(memory, pde_addr, pde, large && write ? PTE_A | PTE_D : PTE_A, control.phys_limit);
    if (!large) set_entry_bits(memory, pte_addr, pte, write ? PTE_A | PTE_D : PTE_A, control.phys_limit);
  }
  return r;
}

}  // namespace vmlab
