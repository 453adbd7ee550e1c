// The cost model: how many virtual cycles each event kind costs.
//
// Virtual time is  instructions x base_cpi + the sum of the prices of the events that
// happened (DESIGN.md section 4). The prices are data, not code: a profile is a TOML file
// with one key per parameter, and two profiles are built in ("p4-2006", anchored to
// Adams & Agesen's Pentium 4 measurements, and "modern"). Because a run records counts
// and the model only prices them, swapping the profile re-prices a recorded run.
//
// Every parameter is listed once, in VMLAB_COST_PARAMS. The struct fields, the TOML keys,
// the validation and the enumeration for output and the GUI editor all come from that
// list, so they cannot drift apart. The anchors for each value are in the profile files
// (core/profiles/*.toml), next to the numbers.
#pragma once
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace vmlab {

// What a parameter's number means; decides the range a profile may give it.
enum class CostUnit : u8 {
  Cycles,      // a price in cycles, 0 .. kMaxCost
  Count,       // a multiplier (cycles per instruction, references per miss), 1 .. kMaxCost
  CacheLevel,  // 1 = L1, 2 = L2, 3 = LLC, 4 = DRAM
};

// Anything above this is a typo, not a cost: ten million cycles is a few milliseconds.
inline constexpr u64 kMaxCost = 10'000'000;

// X(field, "toml.key", unit, description). The field is the TOML key with '.' -> '_';
// a key without a table sits at the top level of the file.
#define VMLAB_COST_PARAMS(X)                                                                  \
  X(base_cpi, "base_cpi", Count, "cycles per guest instruction retired, in every mode")       \
  X(native_exception, "native.exception", Cycles,                                             \
    "exception delivered through the IDT to the guest kernel, trivial handler, IRET")         \
  X(native_page_fault, "native.page_fault", Cycles,                                           \
    "page fault delivered to the guest kernel and handled trivially")                         \
  X(bt_syscall_extra, "bt.syscall_extra", Cycles,                                             \
    "extra cost of a guest system call under binary translation")                             \
  X(bt_indirect_branch, "bt.indirect_branch", Cycles,                                         \
    "translation-cache lookup for an indirect branch or return")                              \
  X(bt_inline_privileged, "bt.inline_privileged", Cycles,                                     \
    "privileged instruction translated inline (CLI, STI, CR8 write)")                         \
  X(bt_callout_port_io, "bt.callout_port_io", Cycles,                                         \
    "callout from translated code to the VMM's device model for port I/O")                    \
  X(bt_callout_pte_write, "bt.callout_pte_write", Cycles,                                     \
    "callout performing a traced guest PTE write (adaptive BT: no trap)")                     \
  X(bt_translate_instruction, "bt.translate_instruction", Cycles,                             \
    "translate one guest instruction on a translation-cache miss")                            \
  X(trap_reflect, "trap.reflect", Cycles,                                                     \
    "guest trap taken by a software VMM and emulated or reflected (extra over "               \
    "native.exception)")                                                                      \
  X(shadow_hidden_fault_bt, "shadow.hidden_fault_bt", Cycles,                                 \
    "hidden page fault fixed by a software VMM's shadow MMU (extra over native.page_fault)")   \
  X(shadow_hidden_fault_vtx, "shadow.hidden_fault_vtx", Cycles,                               \
    "hidden page fault under VT-x with shadow paging, exit included (extra over "             \
    "native.page_fault)")                                                                     \
  X(shadow_traced_pte_write_vtx, "shadow.traced_pte_write_vtx", Cycles,                       \
    "guest store to a write-protected page table under VT-x: exit, emulate, fix shadow")      \
  X(vmx_exit_entry, "vmx.exit_entry", Cycles, "VM exit plus VM entry, hardware only")         \
  X(vmx_exit_handling_trivial, "vmx.exit_handling_trivial", Cycles,                           \
    "monitor work for a trivial exit such as CPUID or VMCALL (on top of vmx.exit_entry)")     \
  X(io_port_exit_total, "io.port_exit_total", Cycles,                                         \
    "port I/O VM exit to a device model and back, in total (vmx.exit_entry included)")        \
  X(hypercall_round_trip, "hypercall.round_trip", Cycles,                                     \
    "PV hypercall: INT 0x82 from ring 1 into the hypervisor, trivial work, IRET back")        \
  X(tlb_ref_l1, "tlb.ref_l1", Cycles, "page-walk memory reference that hits in L1")           \
  X(tlb_ref_l2, "tlb.ref_l2", Cycles, "page-walk memory reference that hits in L2")           \
  X(tlb_ref_llc, "tlb.ref_llc", Cycles, "page-walk memory reference that hits in the LLC")    \
  X(tlb_ref_dram, "tlb.ref_dram", Cycles, "page-walk memory reference that goes to DRAM")     \
  X(tlb_walk_ref_level, "tlb.walk_ref_level", CacheLevel,                                     \
    "level each page-walk reference is charged at (1 L1, 2 L2, 3 LLC, 4 DRAM)")               \
  X(tlb_refs_per_miss, "tlb.refs_per_miss", Count,                                            \
    "memory references per TLB miss: native, shadow and PV direct paging")                    \
  X(tlb_refs_per_miss_ept, "tlb.refs_per_miss_ept", Count,                                    \
    "memory references per TLB miss with EPT (two-dimensional walk, no walk caches)")

// One profile's prices. `name` is the built-in's name or the profile file's stem.
struct CostModel {
  std::string name;
#define VMLAB_COST_FIELD(field, key, unit, desc) u64 field = 0;
  VMLAB_COST_PARAMS(VMLAB_COST_FIELD)
#undef VMLAB_COST_FIELD

  bool operator==(const CostModel&) const = default;
};

// Each parameter by name, for code that charges one: clock.charge(CostKey::trap_reflect).
enum class CostKey : u8 {
#define VMLAB_COST_KEY(field, key, unit, desc) field,
  VMLAB_COST_PARAMS(VMLAB_COST_KEY)
#undef VMLAB_COST_KEY
};
#define VMLAB_COST_ONE(field, key, unit, desc) +1
inline constexpr size_t kCostKeyCount = 0 VMLAB_COST_PARAMS(VMLAB_COST_ONE);
#undef VMLAB_COST_ONE

// One row of VMLAB_COST_PARAMS, for code that lists or edits parameters generically:
// model.*param.member reads or writes the value.
struct CostParam {
  std::string_view key;  // TOML key, e.g. "vmx.exit_entry"
  CostUnit unit;
  std::string_view description;
  u64 CostModel::*member;
};

inline constexpr CostParam kCostParams[] = {
#define VMLAB_COST_ROW(field, key, unit, desc) {key, CostUnit::unit, desc, &CostModel::field},
    VMLAB_COST_PARAMS(VMLAB_COST_ROW)
#undef VMLAB_COST_ROW
};

// The price of every parameter, indexed by CostKey (what the virtual clock charges).
std::array<u64, kCostKeyCount> price_list(const CostModel& model);

// The smallest and largest value a profile may give a parameter of this unit.
u64 cost_min(CostUnit unit);
u64 cost_max(CostUnit unit);

// Cycles charged for one page-walk memory reference at the level the model names.
u64 walk_ref_cycles(const CostModel& model);
// The parameter that prices one page-walk memory reference (tlb.ref_l1 .. tlb.ref_dram,
// by tlb.walk_ref_level): what a hardware walk charges, tlb.refs_per_miss times per miss.
CostKey walk_ref_key(const CostModel& model);

// Parse a profile. `source_name` (usually the file's path) names the profile (its stem)
// and starts every error message. A profile with a top-level `base = "<built-in>"` starts
// from that built-in and overrides some keys; one without must set every key. Throws
// UserError naming file, line and key for syntax errors, unknown tables or keys,
// non-integer values, values out of range and missing keys.
CostModel parse_cost_model(std::string_view toml_text, std::string_view source_name);

// "p4-2006" or "modern" gives the built-in profile (embedded in the library, no files
// needed at run time); anything else is read as a path to a .toml profile. Throws
// UserError when neither works.
CostModel load_cost_profile(const std::string& name_or_path);

// Names of the built-in profiles, sorted.
std::vector<std::string> builtin_cost_profiles();

// The TOML text of a built-in profile (a starting point for a user's own), or nullopt.
std::optional<std::string_view> builtin_cost_profile_text(std::string_view name);

// The embedded profiles. Defined in builtin_cost_profiles.cpp, which core/CMakeLists.txt
// generates in the build tree from core/profiles/*.toml (one entry per file, by stem).
struct BuiltinCostProfile {
  std::string_view name;
  std::string_view toml;
};
std::span<const BuiltinCostProfile> builtin_cost_profile_table();

}  // namespace vmlab
