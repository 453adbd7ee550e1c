#include "ui/gui/script_runner.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "core/compare_report.h"
#include "cpu/decoder.h"
#include "devices/typed_input.h"
#include "modes/address_views.h"
#include "modes/monitor.h"
#include "ui/gui/panels.h"

namespace vmlab::gui {
namespace {

u32 hex(const std::string& text) { return u32(std::strtoul(text.c_str(), nullptr, 16)); }

// Up to 16 bytes from the memory tab's address in its space, as hex digits, as far as
// they are RAM ("-" when not even the first is, or the tab has no address yet).
std::string memory_bytes(const Session& s) {
  std::string out;
  u32 address = hex(s.memory_address);
  for (u32 i = 0; i < 16 && s.memory_address[0]; ++i) {
    AddressViews v = resolve_address(s.machine, AddressSpace(s.memory_space), address + i);
    if (!v.host_physical) break;
    out += fmt::format("{:02x}", s.machine.memory().data()[*v.host_physical]);
  }
  return out.empty() ? "-" : out;
}

// The panels' part of a `print` line: the bytes at the memory tab's address, the exits
// the Exits tab lists, the selected exit, and every watchpoint's value now ("unmapped"
// while the guest's tables do not map it).
std::string panel_state(const Session& s) {
  std::string out = fmt::format(" memory={} exits_listed={} selected_exit={}", memory_bytes(s),
                                listed_exits(s, exit_history(s)).size(),
                                s.selected_exit ? std::to_string(*s.selected_exit) : std::string("-"));
  for (const auto& [key, w] : s.watchpoints) {
    std::optional<GuestValue> now = read_value(s.machine, w.space, w.address, w.size);
    const char* prefix = w.space == AddressSpace::GuestVirtual ? "" : w.space == AddressSpace::GuestPhysical ? "gp_" : "hp_";
    out += fmt::format(" watch_{}{:#010x}={}", prefix, w.address,
                       now ? fmt::format("{:#0{}x}", now->value, 2 + 2 * w.size) : std::string("unmapped"));
  }
  return out;
}

// How the guest ended, as the Control panel's status line says it: "-" while it can run.
std::string ended_state(const Session& s) {
  if (!s.ended) return "-";
  switch (s.ended->kind) {
    case RunResult::Kind::ExitPort: return fmt::format("exit-port:{:#x}", s.ended->exit_value);
    case RunResult::Kind::BudgetExhausted: return "budget";
    case RunResult::Kind::HaltedForever: return "halted";
    case RunResult::Kind::TripleFault: return "triple-fault";
    case RunResult::Kind::GuestReset: return "reset";
    case RunResult::Kind::MonitorStop: return "monitor-stop";
    default: return "other";
  }
}

// The monitor's part: the Exit handling tab's step (shown/total:phase), and the fault
// that filled the shadow entry for `address`.
std::string monitor_state(const Session& s, u32 address) {
  std::string handling = "-", origin = "-";
  if (Monitor* monitor = s.machine.monitor()) {
    const std::vector<HandlingStep>& steps = monitor->handling_log().steps();
    if (!steps.empty())
      handling = fmt::format("{}/{}:{}", s.handling_shown, steps.size(),
                             s.handling_shown ? steps[s.handling_shown - 1].phase : "-");
    if (std::optional<ShadowEntryOrigin> o = monitor->shadow_entry_origin(address))
      origin = fmt::format("{}#{}", o->kind, o->exit);
  }
  return fmt::format(" handling={} shadow_origin={}", handling, origin);
}

// One line of state for tests: where the guest is and the instruction there (the
// opcode table's mnemonic and its length), its stack, the counters the run-to kinds
// watch, the last exit, the disassembly's start, both walks of the address the
// page-walk tab shows, the monitor's and the panels' state; then the Control panel's
// message, if there is one, on a line of its own.
void print_state(Session& s) {
  s.sync_handling();
  Counters& c = s.machine.counters();
  Monitor* monitor = s.machine.monitor();
  std::string last = monitor && c.exits ? exit_reason_name(u8(monitor->spec().cpu), monitor->last_exit().reason) : "-";
  u32 address = s.walk_follows_cr2 ? s.last_fault_address() : hex(s.walk_address);
  Walks w = walks_for(s, address);
  auto show = [](const std::optional<WalkView>& v) {
    return !v ? std::string("-") : v->ok ? fmt::format("{:#010x}", v->physical) : std::string("not-mapped");
  };
  std::string listing = s.listing_start ? fmt::format("{:#010x}", *s.listing_start) : "eip";
  std::vector<u32> before = instructions_before(s, s.linear_eip(), 6);
  std::string listed_before = before.empty() ? "-" : "";
  for (u32 at : before) listed_before += fmt::format("{}{:08x}", listed_before.empty() ? "" : ",", at);
  std::optional<CodeAt> code = code_at(s, s.linear_eip());
  std::printf("state instructions=%llu cycles=%llu tlb_misses=%llu eip=0x%08x insn=%s insn_len=%u esp=0x%08x exits=%llu last_exit=%s "
              "page_faults=%llu interrupts=%llu port_writes=%llu listing=%s listed_before=%s address=0x%08x guest_walk=%s "
              "real_walk=%s%s com1_rx=%llu ended=%s%s\n",
              (unsigned long long)c.instructions, (unsigned long long)c.cycles, (unsigned long long)c.tlb_misses,
              s.linear_eip(), code ? instruction_mnemonic(code->insn) : "-",
              code ? unsigned(code->insn.len) : 0u, s.machine.cpu().reg(ESP),
              (unsigned long long)c.exits, last.c_str(), (unsigned long long)c.page_faults,
              (unsigned long long)c.interrupts, (unsigned long long)c.port_writes, listing.c_str(), listed_before.c_str(),
              address,
              show(w.guest).c_str(), show(w.real).c_str(), monitor_state(s, address).c_str(),
              (unsigned long long)c.device("com1.rx_bytes"), ended_state(s).c_str(), panel_state(s).c_str());
  if (!s.message.empty()) std::printf("message %s\n", s.message.c_str());
  std::fflush(stdout);
}

// One line per mode of the comparison, for tests.
void print_comparison(const Session& s) {
  if (!s.comparison) return;
  for (const CompareRun& run : s.comparison->runs)
    std::printf("compare mode=%s ok=%d cycles=%llu instructions=%llu exits=%llu\n", run.mode.c_str(),
                run.ok() ? 1 : 0, (unsigned long long)run.cycles, (unsigned long long)run.instructions,
                (unsigned long long)run.exits);
  std::fflush(stdout);
}

// The monitor's side and the machine's inputs: the handling's steps, going back to an
// exit, typed input, the comparison of modes.
bool monitor_command(Session& s, const ScriptCommand& c) {
  if (c.verb == "monitor-step") {
    s.sync_handling();
    s.next_handling_step(c.number == ~0ull ? ~size_t(0) : size_t(c.number));
  } else if (c.verb == "goto-exit") {
    s.go_to_exit(c.number);
  } else if (c.verb == "type") {
    if (s.options.com1_input) s.options.com1_input->type(c.text + "\r");
  } else if (c.verb == "compare") {
    s.start_comparison();
    s.collect_comparison(true);
    s.show_comparison = true;
    print_comparison(s);
  } else {
    return false;
  }
  return true;
}

// The run controls: what the Control panel's buttons do, each carried out to the end.
bool run_control(Session& s, const ScriptCommand& c) {
  if (c.verb == "step") {
    for (u64 i = 0; i < c.number; ++i) s.step();
  } else if (c.verb == "run") {
    s.advance(c.number);
  } else if (c.verb == "run-to") {
    s.running = false;
    s.run_to(*parse_run_to_kind(c.text), c.number);  // the parser checked the kind
    s.finish_goal();
  } else if (c.verb == "step-over" || c.verb == "step-out") {
    s.running = false;
    if (c.verb == "step-over") s.step_over();
    else s.step_out();
    s.finish_goal();
  } else if (c.verb == "speed") {
    s.speed = *parse_speed(c.text);
    s.slow_frames = 0;
  } else {
    return false;
  }
  return true;
}

// The inspector's inputs: tabs, addresses, breakpoints, the followed jump.
bool set_input(Session& s, const ScriptCommand& c) {
  if (c.verb == "tab") {
    s.options.tab = c.text;
    s.tab_chosen = false;
  } else if (c.verb == "walk") {
    s.walk_follows_cr2 = c.text == "follow";
    if (!s.walk_follows_cr2) std::snprintf(s.walk_address, sizeof s.walk_address, "%08x", hex(c.text));
  } else if (c.verb == "memory") {
    s.memory_space = c.text == "guest-virtual" ? 0 : c.text == "guest-physical" ? 1 : 2;
    std::snprintf(s.memory_address, sizeof s.memory_address, "%08llx", (unsigned long long)c.number);
  } else if (c.verb == "break") {
    s.toggle_breakpoint(hex(c.text));
  } else if (c.verb == "follow") {
    s.follow(c.text == "eip" ? std::nullopt : std::optional<u32>(hex(c.text)));
  } else {
    return false;
  }
  return true;
}

// What the script sees: frames, screenshots and state lines. False when a screenshot
// could not be written.
bool show(Session& s, const ScriptCommand& c, const ScriptFrontEnd& front) {
  if (c.verb == "frame") {
    for (u64 i = 0; i < c.number; ++i) front.draw_frame();
  } else if (c.verb == "screenshot") {
    return front.screenshot(c.text);
  } else if (c.verb == "click") {
    front.click(float(c.number >> 32), float(c.number & 0xFFFFFFFF), c.text == "right" ? 1 : 0);
  } else if (c.verb == "print") {
    print_state(s);
  }
  return true;
}

}  // namespace

bool run_script(Session& s, const ScriptFrontEnd& front) {
  for (const ScriptCommand& c : s.options.script) {
    u64 told = s.message_count;
    if (!run_control(s, c) && !set_input(s, c) && !apply_view_command(s, c) && !monitor_command(s, c) &&
        !show(s, c, front))
      return false;
    if (s.message_count != told)
      std::fprintf(stderr, "vmlab: %s line %d: %s\n", s.options.script_file.c_str(), c.line, s.message.c_str());
  }
  return true;
}

}  // namespace vmlab::gui
