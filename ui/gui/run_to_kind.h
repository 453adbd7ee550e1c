// What "Run to next" waits for: an exit (any, one category, one reason) or an event that
// is not an exit (a page fault, an external interrupt, a port write). One list serves
// the Control panel's combo, the script parser and the run itself, so the three spell
// the kinds the same way.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/counters.h"
#include "modes/exit.h"

namespace vmlab {
class Monitor;
}

namespace vmlab::gui {

struct RunToKind {
  enum class What : u8 { AnyExit, Category, Reason, PageFault, Interrupt, PortWrite };
  What what = What::AnyExit;
  ExitCategory category{};  // What::Category
  std::string reason;       // What::Reason: the name the Exits tab shows ("tae.port-io")

  // As scripts spell it: "exit", "io", "reason:tae.port-io", "page-fault", ...
  std::string name() const;
  // Whether the monitor's exits say when it came (otherwise a counter does). A page fault
  // is an exit under a monitor (hidden, true or traced) and a #PF natively.
  bool is_exit(const Monitor* monitor) const;
  // The counter that grows by one when a non-exit kind comes (natively, or an interrupt
  // or port write under a monitor); Counters::exits for the exit kinds.
  u64 count(const Counters& counters) const;
  // Whether `exit` (from a mode with CpuStrategy `cpu_strategy`) is one of this kind.
  bool matches(const Exit& exit, u8 cpu_strategy) const;
};

// "exit", a category name, "reason:NAME" (a reason of any mode), "page-fault",
// "interrupt" or "port-write"; nullopt for anything else.
std::optional<RunToKind> parse_run_to_kind(std::string_view text);
// The kinds to offer for this machine, in the combo's order: any exit, the categories,
// the reasons of this monitor's mode (none natively), then the non-exit kinds.
std::vector<RunToKind> run_to_kinds(const Monitor* monitor);
// Why `kind` cannot be waited for on this machine (an exit kind natively, a reason the
// mode does not have), in one line; nullopt if it can.
std::optional<std::string> run_to_refusal(const RunToKind& kind, const Monitor* monitor);

}  // namespace vmlab::gui
