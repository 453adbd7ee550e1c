// What a monitor did for one exit, step by step: the record a student steps through in
// the visualizer's "Exit handling" tab.
//
// A monitor handles an exit in one C++ call (Monitor::handle_trap). While the log is
// enabled, that call notes each thing it looks at and each thing it changes as it does
// it, in order:
//
//   trap      #PF (error code 0x2: supervisor write, not present) at EIP 0xc0100bfb, CR2 0xc7fefc04
//   guest     PDE 0x00105c7c = 0x07c000e3 (P W A D PS G): a 4 MiB page, guest-physical 0x07fefc04
//   memslot   guest-physical 0x07fef000 is host-physical 0x07fef000 (slot 0, RAM)
//   shadow    shadow PT for the 4 MiB page at host-physical 0x08024000 (new)
//   shadow    shadow PTE 0x08024fbc: 0x00000000 -> 0x07fef067 (P W U A D)
//   verdict   hidden: the guest allows the access, only the shadow lacked it
//   account   exits 41 -> 42, hidden-page-fault 7 -> 8, 2 charges: 3,010 cycles
//   effect    real CR2 0x00000000 -> 0xc7fefc04
//   resume    the guest retries the instruction at EIP 0xc0100bfb
//
// Off by default: formatting costs more than handling, and `vmlab run` and `compare`
// never look. The GUI turns the steps on while it steps (Step, Run to next exit) and
// keeps shadow-entry origins (which fault filled each entry: a map insert per fill) on
// all the time. Nothing in the log feeds back into the simulation, so counters are the
// same with it on or off.
#pragma once
#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "core/types.h"

namespace vmlab {

struct HandlingStep {
  std::string phase;  // trap, classify, guest, memslot, shadow, verdict, account, reflect, effect, resume, stop
  std::string text;
};

class HandlingLog {
 public:
  bool enabled() const { return m_enabled; }
  void set_enabled(bool on) {
    m_enabled = on;
    if (!on) m_steps.clear();
  }

  // Remember which fault filled each shadow entry (ShadowEntryOrigin).
  bool keeps_origins() const { return m_origins; }
  void set_keeps_origins(bool on) { m_origins = on; }

  // A new exit: forget the previous one's steps.
  void begin() { m_steps.clear(); }
  template <typename... Args>
  void add(const char* phase, fmt::format_string<Args...> format, Args&&... args) {
    if (m_enabled) m_steps.push_back({phase, fmt::format(format, std::forward<Args>(args)...)});
  }
  const std::vector<HandlingStep>& steps() const { return m_steps; }

 private:
  bool m_enabled = false;
  bool m_origins = false;
  std::vector<HandlingStep> m_steps;
};

// Which fault filled one shadow entry (for the page-walk view): the shadow MMU keeps it
// for every entry it fills while the handling log keeps origins.
struct ShadowEntryOrigin {
  const char* kind = "";  // "hidden", "traced", "emulated-write"
  u64 exit = 0;           // the exit's ordinal: 1 is the run's first exit
  u32 error_code = 0;     // the hardware's #PF error code (P, W, U)
};

}  // namespace vmlab
