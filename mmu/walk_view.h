// A page walk laid out for people: each level the walk reads (the directory entry, the
// table entry), its address and value with the bits named, and where it ends. Debug
// views draw it, for the guest's tables and, under a monitor, for the shadow tables the
// hardware walks (visualizer's page-walk panel). Reads only: no A/D bits, no events.
#pragma once
#include <string>
#include <vector>

#include "mmu/paging.h"

namespace vmlab {

struct WalkStep {
  std::string level;   // "CR3", "PDE", "PTE", "frame"
  u32 address = 0;     // where the entry is (CR3: the directory; frame: the physical address)
  u32 value = 0;       // the entry (CR3: its value; frame: 0)
  std::string bits;    // the entry's flags by name: "P W U A D PS G", or why the walk stopped
};

struct WalkView {
  std::vector<WalkStep> steps;
  bool ok = false;     // the walk reached a frame
  u32 physical = 0;    // the address `linear` translates to when ok
};

// Walk `control`'s tables for `linear` as a supervisor read. Entries outside RAM or at or
// above control.phys_limit read as not present, as in walk_page_tables.
WalkView view_walk(const PhysicalMemory& memory, const PagingControl& control, u32 linear);

// "P W U A D" for the bits of an entry that are set (PS only in a directory entry).
std::string entry_bits(u32 entry, bool directory);

}  // namespace vmlab
