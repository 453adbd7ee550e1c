// The guest's virtual CPU state, as a monitor keeps it.
//
// Under a monitor the real (emulated) CPU runs with the monitor's settings: IF always
// set, IOPL 0, CR3 at a shadow root, GDTR/IDTR/TR at the monitor's shadow tables. What
// the guest believes it set lives here, and every debug view shows both side by side.
#pragma once
#include "core/types.h"
#include "cpu/cpu_state.h"

namespace vmlab {

struct VirtualCpu {
  bool interrupts_enabled = false;  // virtual IF (meaningful at virtual CPL 0)
  u8 iopl = 0;                      // virtual IOPL
  u8 cpl = 0;                       // the privilege level the guest thinks it runs at
  u32 cr0 = CR0_PE | CR0_ET, cr2 = 0, cr3 = 0, cr4 = 0;
  DescriptorTableReg gdtr, idtr;
  u16 ldtr = 0, tr = 0;             // selectors the guest loaded (LLDT, LTR)
  u32 sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;  // virtual MSRs
  bool interrupt_pending = false;   // a device interrupt is waiting for virtual IF
  bool halted = false;              // the guest executed HLT and waits for an interrupt
};

}  // namespace vmlab
