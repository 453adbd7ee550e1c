// The monitor interface: what every virtualization mode implements (DESIGN.md 1-3).
//
// A monitor owns the platform while a guest runs virtualized. The Machine loads the
// guest as if on bare metal, then attach()es the monitor, which moves the guest onto
// the deprivileged hardware (ring 1, shadow CR3, shadow descriptor tables, ...). From
// then on Machine::run() runs the CPU, and whenever an event reaches the monitor
// (StopReason::MonitorTrap) it calls handle_trap(). The monitor turns the trap into one
// Exit record (exit.h), counts and prices it, and handles it in a plain switch on the
// reason, kvmtool's KVM_RUN loop in miniature:
//
//     for (;;) {
//       cpu.run(budget)                  -> MonitorTrap
//       exit = monitor.classify(trap)    -> Exit{reason, category, qualification, eip, cost}
//       switch (exit.reason) { ... }     -> emulate, reflect, fill a shadow entry
//     }
//
// A mode is CPU strategy x MMU strategy x I/O strategy (mode_spec.h); make_monitor()
// composes them. Native mode has no monitor at all.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "core/types.h"
#include "cpu/cpu.h"
#include "modes/exit.h"
#include "modes/handling_log.h"
#include "modes/mode_spec.h"
#include "modes/virtual_cpu.h"

namespace vmlab {

class Machine;

class Monitor {
 public:
  virtual ~Monitor() = default;

  // Take over a guest that was loaded for bare metal (Multiboot state: flat protected
  // mode, CPL 0). Throws UserError if the guest's state cannot run under this mode.
  virtual void attach(Machine& machine) = 0;

  // Handle one trap: classify it into an Exit, count and price it, emulate or reflect.
  // Returns a one-line reason when the guest must stop (it did something this monitor
  // cannot virtualize, or it triple-faulted in the virtual CPU); nullopt to resume.
  virtual std::optional<std::string> handle_trap(const Cpu::Trap& trap) = 0;

  // Drop every cached translation (shadow tables, roots): after a debugger wrote guest
  // memory, or when the cost of rebuilding them is what a lab wants to measure.
  virtual void invalidate() = 0;

  // The guest's virtual CPU as the monitor keeps it (shown beside the real CPU).
  virtual const VirtualCpu& vcpu() const = 0;
  // The last exit handled (for debug views and tests).
  virtual const Exit& last_exit() const = 0;
  // Whether the guest would take an interrupt now (its virtual IF): a halted guest with
  // virtual interrupts off never wakes up.
  virtual bool guest_interrupts_enabled() const = 0;

  // Guest-virtual to guest-physical through the guest's own page tables (no side
  // effects): debuggers and messages see the guest's view, not the shadow's.
  virtual bool translate_guest(u32 linear, u32& physical) const = 0;

  virtual ModeSpec spec() const = 0;

  // The handling log (handling_log.h): each step of the last exit's handling, noted
  // while a debugger has it enabled.
  virtual HandlingLog& handling_log() = 0;
  // Which fault filled the shadow entry that maps `gva` now, if the monitor keeps shadow
  // tables and the entry was filled while the handling log kept origins.
  virtual std::optional<ShadowEntryOrigin> shadow_entry_origin(u32 gva) const = 0;
};

// The monitor for `spec`, or nullptr for native (no monitor). Throws UserError for a
// mode this version does not build (mode_spec.h: is_runnable).
std::unique_ptr<Monitor> make_monitor(const ModeSpec& spec);

// Host memory a mode reserves above the guest's RAM for its own structures, in MiB
// (0 for native).
u32 monitor_memory_mib(const ModeSpec& spec);

}  // namespace vmlab
