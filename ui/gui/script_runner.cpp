#include "ui/gui/script_runner.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "cpu/decoder.h"
#include "modes/monitor.h"

namespace vmlab::gui {
namespace {

u32 hex(const std::string& text) { return u32(std::strtoul(text.c_str(), nullptr, 16)); }

// One line of state for tests: where the guest is and the instruction there (the
// opcode table's mnemonic and its length), its stack, the counters the run-to kinds
// watch, the last exit, the disassembly's start, and both walks of the address the
// page-walk tab shows.
void print_state(const Session& s) {
  const Counters& c = s.machine.counters();
  Monitor* monitor = s.machine.monitor();
  std::string last = monitor && c.exits ? exit_reason_name(u8(monitor->spec().cpu), monitor->last_exit().reason) : "-";
  u32 address = s.walk_follows_cr2 ? s.last_fault_address() : hex(s.walk_address);
  Walks w = walks_for(s, address);
  auto show = [](const std::optional<WalkView>& v) {
    return !v ? std::string("-") : v->ok ? fmt::format("{:#010x}", v->physical) : std::string("not-mapped");
  };
  std::string listing = s.listing_start ? fmt::format("{:#010x}", *s.listing_start) : "eip";
  std::optional<CodeAt> code = code_at(s, s.linear_eip());
  std::printf("state instructions=%llu eip=0x%08x insn=%s insn_len=%u esp=0x%08x exits=%llu last_exit=%s "
              "page_faults=%llu interrupts=%llu port_writes=%llu listing=%s address=0x%08x guest_walk=%s "
              "real_walk=%s\n",
              (unsigned long long)c.instructions, s.linear_eip(), code ? instruction_mnemonic(code->insn) : "-",
              code ? unsigned(code->insn.len) : 0u, s.machine.cpu().reg(ESP),
              (unsigned long long)c.exits, last.c_str(), (unsigned long long)c.page_faults,
              (unsigned long long)c.interrupts, (unsigned long long)c.port_writes, listing.c_str(), address,
              show(w.guest).c_str(), show(w.real).c_str());
  std::fflush(stdout);
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
  } else if (c.verb == "print") {
    print_state(s);
  }
  return true;
}

}  // namespace

bool run_script(Session& s, const ScriptFrontEnd& front) {
  for (const ScriptCommand& c : s.options.script) {
    u64 told = s.message_count;
    if (!run_control(s, c) && !set_input(s, c) && !show(s, c, front)) return false;
    if (s.message_count != told)
      std::fprintf(stderr, "vmlab: %s line %d: %s\n", s.options.script_file.c_str(), c.line, s.message.c_str());
  }
  return true;
}

}  // namespace vmlab::gui
