#include "mmu/walk_view.h"

#include <cstring>

#include "core/physical_memory.h"

namespace vmlab {
namespace {

bool read_entry(const PhysicalMemory& memory, u32 addr, u64 limit, u32& value) {
  value = 0;
  if (addr + 4ull > limit || !memory.contains(addr, 4)) return false;
  std::memcpy(&value, memory.data() + addr, 4);
  return true;
}

}  // namespace

std::string entry_bits(u32 entry, bool directory) {
  struct Bit {
    u32 mask;
    const char* name;
  };
  static constexpr Bit kBits[] = {{PTE_P, "P"},     {PTE_W, "W"},     {PTE_U, "U"}, {PTE_PWT, "PWT"},
                                  {PTE_PCD, "PCD"}, {PTE_A, "A"},     {PTE_D, "D"}, {PTE_PS, "PS"},
                                  {PTE_G, "G"}};
  std::string s;
  for (const Bit& b : kBits) {
    if (!(entry & b.mask)) continue;
    if (b.mask == PTE_PS && !directory) continue;  // the PAT bit in a PTE: not used here
    if (!s.empty()) s += ' ';
    s += b.name;
  }
  return s.empty() ? "-" : s;
}

WalkView view_walk(const PhysicalMemory& memory, const PagingControl& control, u32 linear) {
  WalkView v;
  u32 directory = control.cr3 & PTE_FRAME;
  v.steps.push_back(WalkStep{"CR3", directory, control.cr3, ""});
  u32 pde_addr = directory | (pdx(linear) << 2), pde = 0;
  bool readable = read_entry(memory, pde_addr, control.phys_limit, pde);
  v.steps.push_back(WalkStep{"PDE", pde_addr, pde, readable ? entry_bits(pde, true) : "outside RAM"});
  if (!(pde & PTE_P)) {
    v.steps.back().bits += readable ? "  (not present: #PF)" : "";
    return v;
  }
  if (control.pse && (pde & PTE_PS)) {
    v.physical = (pde & PDE_FRAME_4M) | (linear & 0x3FFFFF);
    v.steps.push_back(WalkStep{"frame", v.physical, 0, "4 MiB page"});
    v.ok = true;
    return v;
  }
  u32 pte_addr = (pde & PTE_FRAME) | (ptx(linear) << 2), pte = 0;
  readable = read_entry(memory, pte_addr, control.phys_limit, pte);
  v.steps.push_back(WalkStep{"PTE", pte_addr, pte, readable ? entry_bits(pte, false) : "outside RAM"});
  if (!(pte & PTE_P)) {
    v.steps.back().bits += readable ? "  (not present: #PF)" : "";
    return v;
  }
  v.physical = (pte & PTE_FRAME) | (linear & 0xFFF);
  v.steps.push_back(WalkStep{"frame", v.physical, 0, "4 KiB page"});
  v.ok = true;
  return v;
}

}  // namespace vmlab
