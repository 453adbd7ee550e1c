// Counters: always on, plain increments.
//
// Every counter is listed once in VMLAB_COUNTERS so that output formats (text, JSON,
// CSV) enumerate them without a second list. Per-vector exception and interrupt counts
// are arrays beside them. Counters never depend on the host clock: the same guest and
// mode give the same numbers on every run.
#pragma once
#include <array>
#include <map>
#include <string>
#include <string_view>

#include "core/cost_model.h"
#include "core/types.h"

namespace vmlab {

// X(name, description)
#define VMLAB_COUNTERS(X)                                                        \
  X(instructions, "guest instructions retired")                                 \
  X(cycles, "virtual cycles elapsed (instructions x CPI + priced events)")      \
  X(blocks_executed, "pre-decoded blocks entered")                              \
  X(blocks_decoded, "blocks decoded (decode-cache misses)")                     \
  X(code_invalidations, "decoded pages dropped because the guest wrote them")  \
  X(tlb_hits, "TLB lookups that hit")                                           \
  X(tlb_misses, "TLB lookups that missed and walked the page tables")          \
  X(tlb_flushes, "whole-TLB flushes (CR3 loads, CR0/CR4 paging changes)")      \
  X(tlb_invlpg, "single-page invalidations (INVLPG)")                           \
  X(page_walks, "page-table walks")                                             \
  X(page_faults, "page faults (#PF) raised")                                    \
  X(exceptions, "exceptions delivered (all vectors)")                           \
  X(interrupts, "external interrupts delivered")                                \
  X(software_interrupts, "INT n / INT3 / INTO executed")                       \
  X(task_switches, "hardware task switches")                                    \
  X(port_reads, "port I/O reads")                                               \
  X(port_writes, "port I/O writes")                                             \
  X(port_unclaimed, "port I/O accesses nobody claimed (open bus)")             \
  X(mmio_reads, "MMIO reads")                                                   \
  X(mmio_writes, "MMIO writes")                                                 \
  X(mmio_unclaimed, "MMIO accesses nobody claimed (open bus)")                 \
  X(halts, "HLT instructions executed")                                         \
  X(halted_cycles, "virtual cycles spent halted")                               \
  X(cr3_loads, "MOV to CR3")                                                    \
  X(cpuid, "CPUID executed")                                                    \
  X(rdtsc, "RDTSC executed")                                                    \
  X(msr_accesses, "RDMSR / WRMSR executed")                                   \
  X(exits, "exits to the monitor (traps, VM exits, hypercalls), all reasons")  \
  X(shadow_hidden_faults, "shadow paging: page faults fixed silently by the monitor") \
  X(shadow_true_faults, "shadow paging: page faults reflected to the guest")   \
  X(shadow_traced_writes, "shadow paging: guest writes to write-protected page tables") \
  X(shadow_mmio_faults, "shadow paging: accesses to device memory emulated")   \
  X(shadow_pages_built, "shadow page tables allocated")                        \
  X(shadow_roots_built, "shadow roots built on a CR3 switch (cache miss)")     \
  X(shadow_roots_reused, "shadow roots found in the root cache on a CR3 switch") \
  X(shadow_entries_zapped, "shadow entries dropped (traced writes, INVLPG)")   \
  X(shadow_unshadowed, "guest page tables unshadowed after repeated writes (write flooding)") \
  X(shadow_flushes, "whole shadow flushes (pool exhausted, CR4 paging change)")

struct Counters {
#define VMLAB_COUNTER_FIELD(name, desc) u64 name = 0;
  VMLAB_COUNTERS(VMLAB_COUNTER_FIELD)
#undef VMLAB_COUNTER_FIELD
  std::array<u64, 256> exceptions_by_vector{};
  std::array<u64, 256> interrupts_by_vector{};
  // Exits by reason ("tae.cli", "tae.hidden-page-fault") and by common category
  // ("io", "hidden-page-fault"); the total is `exits`.
  std::map<std::string, u64, std::less<>> exits_by_reason;
  std::map<std::string, u64, std::less<>> exits_by_category;
  // How many times each cost-model parameter was charged (CostKey order): with the
  // instruction count and halted_cycles this re-prices the run under another profile.
  std::array<u64, kCostKeyCount> priced{};
  u8 last_post_code = 0;  // port 0x80 (devices issue)
  // Per-device counters by name: "<device>.<what>", e.g. "com1.port_writes",
  // "ide0.sectors_read", "irq.4". Ordered by name, so every format lists them the same
  // way on every run. References returned by device() stay valid for the Counters'
  // lifetime: devices look their counters up once and then increment through them.
  std::map<std::string, u64, std::less<>> devices;
  u64& device(std::string_view name) {
    auto it = devices.find(name);
    if (it == devices.end()) it = devices.emplace(std::string(name), 0).first;
    return it->second;
  }

  // Calls f(name, description, value) for every scalar counter, in declaration order.
  template <typename F>
  void for_each(F&& f) const {
#define VMLAB_COUNTER_VISIT(name, desc) f(std::string_view(#name), std::string_view(desc), name);
    VMLAB_COUNTERS(VMLAB_COUNTER_VISIT)
#undef VMLAB_COUNTER_VISIT
  }
};

}  // namespace vmlab
