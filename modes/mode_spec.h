// The mode vocabulary: which virtualization strategy runs the guest.
//
// A mode is three independent choices (DESIGN.md section 2):
//
//   CPU strategy   how the monitor keeps control of privileged guest code
//   MMU strategy   how guest-virtual addresses reach host-physical memory
//   I/O strategy   how the guest talks to its devices
//
// Presets name the historical systems (native, tae-shadow, ..., vtx-ept-virtio). On the
// command line a mode is a preset, a spec such as "cpu=vtx,mmu=ept,io=virtio", or a
// preset with overrides such as "vtx-ept,io=virtio". This file only names and checks
// modes; the monitors live beside it in modes/.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace vmlab {

enum class CpuStrategy : u8 {
  None,               // bare metal: the guest kernel runs at ring 0, no monitor
  TrapAndEmulate,     // guest kernel deprivileged to ring 1; privileged instructions trap
  BinaryTranslation,  // guest kernel code rewritten into a translation cache
  Paravirtual,        // guest kernel at ring 1 asks the hypervisor through hypercalls
  Vtx,                // simulated VT-x: VMCS, VM exits and entries
};

enum class MmuStrategy : u8 {
  None,      // guest-physical is host-physical; only with CpuStrategy::None
  Shadow,    // monitor builds GVA -> HPA shadow tables; guest tables write-protected
  PvDirect,  // guest tables hold host frames, validated and updated by hypercall
  Ept,       // hardware two-dimensional walk through guest tables and EPT
};

enum class IoStrategy : u8 {
  Emulated,  // register-level models of real devices: an intercept per access
  Virtio,    // shared-memory virtqueues: a notification per batch
};

struct ModeSpec {
  CpuStrategy cpu = CpuStrategy::None;
  MmuStrategy mmu = MmuStrategy::None;
  IoStrategy io = IoStrategy::Emulated;

  bool operator==(const ModeSpec&) const = default;
};

struct Preset {
  std::string_view name;        // e.g. "vtx-ept"
  ModeSpec spec;
  std::string_view stands_for;  // the system it models, one line
};

// The presets of DESIGN.md section 2, in the table's order.
const std::vector<Preset>& presets();

// Short names, as written on the command line ("tae", "pv-direct", "virtio").
std::string_view short_name(CpuStrategy cpu);
std::string_view short_name(MmuStrategy mmu);
std::string_view short_name(IoStrategy io);

// Parse a preset, a "key=value,..." spec, or a preset followed by ",key=value" overrides.
// In a spec without a preset, cpu is required, mmu defaults to what the CPU strategy
// needs (none, shadow, or pv-direct for pv) and io to emulated. Throws UserError, in one
// line that says what to write instead, for unknown names, repeated keys and invalid
// combinations.
ModeSpec parse_mode(std::string_view text);

// Split a list of modes, "native,vtx-ept,io=virtio,cpu=bt", into one string per mode:
// an item without '=' (a preset) starts a new mode, a key=value item belongs to the mode
// before it (or starts one). {"native", "vtx-ept,io=virtio", "cpu=bt"}. Each string still
// has to go through parse_mode; an empty item is kept as its own "" so it reports.
std::vector<std::string> split_mode_list(std::string_view text);

// Why a combination cannot work, in one line, or nullopt if it is valid.
std::optional<std::string> invalid_reason(const ModeSpec& spec);

// Canonical form "cpu=..,mmu=..,io=..", which parse_mode reads back.
std::string to_string(const ModeSpec& spec);

// The preset with exactly this spec, if there is one.
std::optional<std::string_view> preset_name(const ModeSpec& spec);

// Whether this version can run the mode. This is the one gate between "valid" and
// "built": a finished mode is switched on in kRunnableModes (mode_spec.cpp) and nowhere
// else, so front ends must ask here rather than keep their own list.
bool is_runnable(const ModeSpec& spec);

// The modes this version runs, by preset name where they have one ("native",
// "tae-shadow"), in kRunnableModes order.
std::vector<std::string> runnable_mode_names();

// Throws UserError, naming the modes that do run, if the mode is not runnable (or
// invalid_reason() if it is not even valid).
void require_runnable(const ModeSpec& spec);

}  // namespace vmlab
