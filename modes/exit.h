// One Exit record for every intercept, whatever the mode calls it (trap, VM exit,
// hypercall): DESIGN.md section 3.
//
// `reason` is the mode's own code (for trap-and-emulate a TaeReason; for VT-x it will be
// the SDM's basic exit reason); `category` is the common classification every mode maps
// its reasons onto, so counters and the GUI can compare modes. Each exit is one event
// (EventKind::Exit: a = reason, b = qualification, c = guest EIP, size_or_level =
// category), one count in Counters::exits_by_reason and exits_by_category, and a price
// from the cost model added to virtual time.
#pragma once
#include <string>
#include <string_view>

#include "core/types.h"

namespace vmlab {

enum class ExitCategory : u8 {
  PrivilegedInstruction,  // CLI, STI, MOV CR, LGDT, ... trapped and emulated
  SensitiveInstruction,   // a ring-compression fault the monitor fixes up (MOV SS, IRET to ring 0)
  Io,                     // port I/O dispatched to an emulated device
  Mmio,                   // device memory access emulated
  HiddenPageFault,        // shadow entry missing or stale: filled silently
  GuestPageFault,         // a true page fault reflected to the guest
  GuestPageTableWrite,    // a store to a write-protected guest page table (tracing)
  GuestException,         // any other guest exception reflected through the guest's IDT
  SoftwareInterrupt,      // INT n reflected through the guest's IDT (system calls)
  ExternalInterrupt,      // a device interrupt injected into the guest
  Hlt,
  Msr,
  Hypercall,              // paravirtual modes
  EptViolation,           // EPT modes
  kCount,
};

std::string_view category_name(ExitCategory category);
// The name of a mode's exit reason ("tae.cli"), for traces and counters; `cpu_strategy`
// is the CpuStrategy of the mode (Event::table of an Exit event).
std::string exit_reason_name(u8 cpu_strategy, u16 reason);
// How many reasons that mode has: its reason codes are 0 .. count-1 (0 for native), so
// that a debugger can list them by name.
u16 exit_reason_count(u8 cpu_strategy);

struct Exit {
  u16 reason = 0;        // the mode's reason code
  ExitCategory category = ExitCategory::PrivilegedInstruction;
  u32 qualification = 0; // reason-specific: port, CR number, faulting address, vector...
  u32 guest_eip = 0;     // guest EIP of the instruction or event that exited
  u64 cost = 0;          // cycles the cost model charged for it
};

}  // namespace vmlab
