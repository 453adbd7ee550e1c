// A text view of the CPU for debuggers: the real (emulated) CPU, and under a monitor the
// guest's virtual CPU beside it, so that what the hardware holds and what the guest
// believes can be read line by line (`vmlab run --state`; the GUI shows the same rows).
//
//                real CPU                 guest's virtual CPU
//   CPL          1                        0
//   EFLAGS       0x00000202 IF            IF=0 IOPL=0
//   CR3          0x08001000 (shadow root) 0x00105000
//   GDTR         0xffc00000 / 0xffff      0x00108870 / 0x0037
#pragma once
#include <string>
#include <vector>

#include "cpu/cpu.h"
#include "modes/virtual_cpu.h"

namespace vmlab {

struct CpuStateRow {
  std::string name;
  std::string real;
  std::string guest;  // empty without a monitor, or where the guest has no separate value
};

// One row per register or piece of state. `vcpu` is the monitor's virtual CPU, or
// nullptr in native mode (then only the real column is filled).
std::vector<CpuStateRow> cpu_state_rows(const Cpu& cpu, const VirtualCpu* vcpu);

// The rows as an aligned table, ending in '\n'.
std::string format_cpu_state(const Cpu& cpu, const VirtualCpu* vcpu);

}  // namespace vmlab
