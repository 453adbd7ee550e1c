// Starting a guest from a description, and running one to completion with its COM1
// output captured.
//
// `vmlab run` and `vmlab bench` share the set-up: validate_run_spec() checks a spec,
// machine_config() and start_guest() build and start the Machine. `vmlab run` adds its
// own sinks (live COM1, debug console, stdin) in between; run_guest() and run_guests()
// capture COM1 into a string instead, so several guests can run in parallel threads:
// nothing here touches globals, the terminal or stdout.
#pragma once
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/cost_model.h"
#include "core/counters.h"
#include "core/guest_catalog.h"
#include "core/machine.h"

namespace vmlab {

struct GuestRunSpec {
  std::string kernel;                // Multiboot ELF; empty: boot from `disks` through the firmware
  std::vector<std::string> initrds;  // Multiboot modules, in order
  std::vector<std::string> disks;    // IDE master, then slave
  std::string append;                // kernel command line
  u32 mem_mib = 128;
  u64 max_instructions = 0;     // 0: no budget
  std::string mode = "native";  // a preset or cpu=..,mmu=..,io=..
  std::string cost_profile = "p4-2006";
  bool disk_write_through = false;
  RtcSource rtc = RtcSource::Virtual;
  std::string bios;  // replacement firmware ROM (only without a kernel)
};

// The spec for a bundled guest: its kernel, modules, disks and default command line.
GuestRunSpec guest_run_spec(const GuestEntry& guest);

// Check `spec` before anything runs; returns its cost model. Throws UserError for
// memory out of range, a mode that is invalid or not runnable yet, an unknown cost
// profile, nothing to boot, or a --bios given with a kernel.
CostModel validate_run_spec(const GuestRunSpec& spec);

// The Machine configuration for `spec`: memory, disks, RTC, firmware. Output sinks and
// COM1 input are left for the caller.
MachineConfig machine_config(const GuestRunSpec& spec);

// Put `machine` at the guest's first instruction: apply `cost` (CPI, exception charges),
// then load the kernel and its modules (Multiboot), or power on through the firmware
// when there is no kernel. Throws UserError for a kernel or module that cannot be loaded.
void start_guest(Machine& machine, const GuestRunSpec& spec, const CostModel& cost);

struct GuestRunResult {
  RunResult run;
  int status = 0;     // the process status `vmlab run` would exit with
  std::string com1;   // everything the guest wrote to COM1
  Counters counters;  // at the end of the run
  std::string error;  // run_guests only: the UserError that stopped the run from starting
};

// Validate, start and run `spec` to the end with COM1 captured and no input. Throws
// UserError as validate_run_spec() and start_guest() do.
GuestRunResult run_guest(const GuestRunSpec& spec);

enum class RunPhase : u8 { Waiting, Running, Finished };

// Called each time a run starts or finishes, with the phase of every run; calls are
// serialised (never two at once), from whichever thread changed a phase.
using RunProgress = std::function<void(std::span<const RunPhase>)>;

// run_guest() for every spec, at most `max_threads` at a time (at least one), results
// in the order of `specs`. A run that cannot start has its UserError's text in `error`
// and the others go on. Any other exception is rethrown after every thread has ended.
std::vector<GuestRunResult> run_guests(const std::vector<GuestRunSpec>& specs, unsigned max_threads,
                                       const RunProgress& progress = {});

}  // namespace vmlab
