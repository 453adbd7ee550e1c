#include "ui/gui/run_to_kind.h"

#include <fmt/format.h>

#include "modes/mode_spec.h"
#include "modes/monitor.h"

namespace vmlab::gui {
namespace {

constexpr std::string_view kReasonPrefix = "reason:";

// Every exit reason name of every mode the presets name ("tae.cli", ...).
bool is_known_reason(std::string_view name) {
  for (const Preset& preset : presets()) {
    u8 cpu = u8(preset.spec.cpu);
    for (u16 r = 0; r < exit_reason_count(cpu); ++r)
      if (exit_reason_name(cpu, r) == name) return true;
  }
  return false;
}

bool is_page_fault(ExitCategory c) {
  return c == ExitCategory::HiddenPageFault || c == ExitCategory::GuestPageFault ||
         c == ExitCategory::GuestPageTableWrite;
}

}  // namespace

std::string RunToKind::name() const {
  switch (what) {
    case What::AnyExit: return "exit";
    case What::Category: return std::string(category_name(category));
    case What::Reason: return std::string(kReasonPrefix) + reason;
    case What::PageFault: return "page-fault";
    case What::Interrupt: return "interrupt";
    case What::PortWrite: return "port-write";
  }
  return "?";
}

bool RunToKind::is_exit(const Monitor* monitor) const {
  switch (what) {
    case What::AnyExit:
    case What::Category:
    case What::Reason: return true;
    case What::PageFault: return monitor != nullptr;
    case What::Interrupt:
    case What::PortWrite: return false;
  }
  return false;
}

u64 RunToKind::count(const Counters& counters) const {
  switch (what) {
    case What::PageFault: return counters.page_faults;
    case What::Interrupt: return counters.interrupts;
    case What::PortWrite: return counters.port_writes;
    default: return counters.exits;
  }
}

bool RunToKind::matches(const Exit& exit, u8 cpu_strategy) const {
  switch (what) {
    case What::AnyExit: return true;
    case What::Category: return exit.category == category;
    case What::Reason: return exit_reason_name(cpu_strategy, exit.reason) == reason;
    case What::PageFault: return is_page_fault(exit.category);
    case What::Interrupt:
    case What::PortWrite: return false;
  }
  return false;
}

std::optional<RunToKind> parse_run_to_kind(std::string_view text) {
  for (const RunToKind& kind : run_to_kinds(nullptr))  // every kind but the reasons
    if (kind.name() == text) return kind;
  if (text.starts_with(kReasonPrefix) && is_known_reason(text.substr(kReasonPrefix.size())))
    return RunToKind{RunToKind::What::Reason, {}, std::string(text.substr(kReasonPrefix.size()))};
  return std::nullopt;
}

std::vector<RunToKind> run_to_kinds(const Monitor* monitor) {
  using What = RunToKind::What;
  std::vector<RunToKind> kinds = {{What::AnyExit, {}, ""}};
  for (int k = 0; k < int(ExitCategory::kCount); ++k) kinds.push_back({What::Category, ExitCategory(k), ""});
  if (monitor) {
    u8 cpu = u8(monitor->spec().cpu);
    for (u16 r = 0; r < exit_reason_count(cpu); ++r) kinds.push_back({What::Reason, {}, exit_reason_name(cpu, r)});
  }
  for (What what : {What::PageFault, What::Interrupt, What::PortWrite}) kinds.push_back({what, {}, ""});
  return kinds;
}

std::optional<std::string> run_to_refusal(const RunToKind& kind, const Monitor* monitor) {
  if (!monitor && kind.is_exit(monitor))
    return fmt::format("run to next {}: native mode has no exits; wait for page-fault, interrupt or port-write, "
                       "or boot with a monitor (--mode tae-shadow)",
                       kind.name());
  if (monitor && kind.what == RunToKind::What::Reason) {
    u8 cpu = u8(monitor->spec().cpu);
    for (u16 r = 0; r < exit_reason_count(cpu); ++r)
      if (exit_reason_name(cpu, r) == kind.reason) return std::nullopt;
    return fmt::format("run to next {}: mode {} has no exit reason '{}'", kind.name(), to_string(monitor->spec()),
                       kind.reason);
  }
  return std::nullopt;
}

}  // namespace vmlab::gui
