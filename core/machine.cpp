#include "core/machine.h"

#include "core/cost_model.h"
#include "modes/monitor.h"

#include <algorithm>

#include "cpu/disassembler.h"
#include "devices/byte_source.h"

namespace vmlab {

int RunResult::process_status() const {
  switch (kind) {
    case Kind::ExitPort: return int(((exit_value & 0x7F) << 1) | 1);
    case Kind::BudgetExhausted: return kStatusBudgetExhausted;
    case Kind::HaltedForever: return kStatusHaltedForever;
    case Kind::TripleFault: return kStatusTripleFault;
    case Kind::GuestReset: return kStatusGuestReset;
    case Kind::MonitorStop: return kStatusMonitorStop;
    case Kind::ExitHandled: return 0;
    case Kind::Waiting: return 0;
    case Kind::Paused: return 0;
  }
  return 1;
}

Machine::Machine(const MachineConfig& config)
    : m_clock(m_counters.instructions),
      m_events(m_clock),
      m_memory((u64(config.mem_mib) + config.monitor_mib) << 20),
      m_bus(m_events, m_counters) {
  m_memory.reserve_top(u64(config.monitor_mib) << 20);
  m_clock.count_priced_in(&m_counters.priced);
  m_cpu = std::make_unique<Cpu>(m_memory, m_bus, m_events, m_counters, m_clock);
  PlatformConfig platform;
  platform.com1_output = config.com1_output;
  platform.com1_input = config.com1_input;
  platform.disks = config.disks;
  platform.rtc = config.rtc;
  platform.bios_path = config.bios_path;
  m_platform = std::make_unique<PcPlatform>(m_bus, m_memory, *m_cpu, m_counters, m_events, m_clock, m_timers,
                                            platform);
  // Either the plan is out of date (a timer due before the slice's end) or charged
  // cycles reached the deadline before the slice's instructions did: stop after this
  // instruction and look at the timers.
  m_timers.on_earlier_deadline = [this](u64) {
    m_deadline_moved = true;
    m_cpu->request_stop();
  };
  m_clock.on_alarm = [this] {
    m_deadline_moved = true;
    m_cpu->request_stop();
  };
  m_platform->on_reset_request = [this] {
    m_reset_requested = true;
    m_cpu->request_stop();
  };
  m_input = config.com1_input;
  m_input_wait_limit = config.input_wait_limit;
  wire_debug_ports(config);
}

void Machine::apply_cost_model(const CostModel& model) {
  m_clock.set_cpi(model.base_cpi);
  m_clock.set_prices(price_list(model));
  m_cpu->set_walk_cost(u8(std::min<u64>(model.tlb_refs_per_miss, 255)), walk_ref_key(model));
}

void Machine::power_on() {
  m_firmware_boot = true;
  m_platform->reset();
  m_cpu->reset();
}

Machine::~Machine() = default;

void Machine::attach_monitor(std::unique_ptr<Monitor> monitor) {
  m_monitor = std::move(monitor);
  if (m_monitor) m_monitor->attach(*this);
}

// Port 0xE9: the Bochs/QEMU debug console. Port 0xF4: QEMU's isa-debug-exit, where a
// write of v ends the run with process status (v << 1) | 1.
void Machine::wire_debug_ports(const MachineConfig& config) {
  auto debugcon = config.debugcon_output;
  m_bus.map_ports(0xE9, 1, "debugcon", [debugcon](IoAccess& a) {
    if (a.is_write) {
      if (debugcon) debugcon(u8(a.data));
    } else {
      a.data = 0xE9;  // the Bochs convention: reading the port returns 0xE9
    }
  });
  m_bus.map_ports(0xF4, 1, "debug-exit", [this](IoAccess& a) {
    if (!a.is_write) {
      a.data = 0xFF;
      return;
    }
    m_exit_requested = true;
    m_exit_value = a.data;
    m_cpu->request_stop();
  });
}

RunResult Machine::run(u64 max_instructions, bool stop_after_exit) {
  RunResult result = run_until(max_instructions, stop_after_exit);
  if (result.kind == RunResult::Kind::BudgetExhausted)
    result.message = "instruction budget of " + std::to_string(max_instructions) + " exhausted at " + where();
  if (m_events.listening()) {
    Event e;
    e.kind = EventKind::RunEnd;
    e.a = u32(result.kind);
    m_events.emit(e);
  }
  return result;
}

RunResult Machine::step(bool stop_after_exit) { return run_until(1, stop_after_exit); }

void Machine::request_pause() {
  m_pause_requested = true;
  m_cpu->request_stop();
}

// Instructions until the next timer deadline at the clock's CPI (at least one), or
// "never" when no timer is pending; the clock's alarm is set to the deadline.
u64 Machine::slice_to_next_deadline() {
  u64 deadline = m_timers.next_deadline();
  m_clock.set_alarm(deadline);
  if (deadline == EventQueue::kNever) return ~0ull / 2;
  u64 now = m_clock.now();
  return deadline > now ? (deadline - now + m_clock.cpi() - 1) / m_clock.cpi() : 1;
}

// The run loop behind run() and step(): everything but describing how the run ended.
RunResult Machine::run_until(u64 max_instructions, bool stop_after_exit) {
  RunResult result;
  const u64 start = m_counters.instructions;
  m_pause_requested = false;
  for (;;) {
    u64 used = m_counters.instructions - start;
    if (max_instructions && used >= max_instructions) {
      result.kind = RunResult::Kind::BudgetExhausted;
      break;
    }
    // The timers are looked at when the CPU stops by itself (an exit, HLT, a stop
    // request, an earlier deadline) or at the end of a planned slice, never because a
    // caller's budget ran out: the plan outlives run(), so run(1) a million times and
    // run(1000000) fire every timer at the same instruction (a debugger that single-steps
    // must not change what the guest does).
    if (m_slice_end <= m_counters.instructions) {
      m_deadline_moved = false;
      m_slice_end = m_counters.instructions + slice_to_next_deadline();
    }
    u64 slice = m_slice_end - m_counters.instructions;
    if (max_instructions) slice = std::min(slice, max_instructions - used);
    StopReason reason = m_cpu->run(slice);
    // A debugger's pause alone: the simulation goes on next time as if it never stopped.
    if (reason == StopReason::StopRequest && m_pause_requested && !m_exit_requested && !m_reset_requested &&
        !m_deadline_moved) {
      result.kind = RunResult::Kind::Paused;
      break;
    }
    if (reason == StopReason::Budget && m_counters.instructions < m_slice_end) continue;  // the caller's budget
    m_slice_end = 0;  // a new plan after the timers
    m_deadline_moved = false;
    bool exit_handled = false;
    if (reason == StopReason::MonitorTrap) {
      if (std::optional<std::string> stop = m_monitor->handle_trap(m_cpu->trap())) {
        result.kind = RunResult::Kind::MonitorStop;
        result.message = *stop + " (" + where() + ")";
        break;
      }
      if (m_cpu->halted()) reason = StopReason::Halted;
      exit_handled = true;
    }
    m_counters.cycles = m_clock.now();
    m_timers.run_due(m_clock.now());
    if (m_exit_requested) {
      result.kind = RunResult::Kind::ExitPort;
      result.exit_value = m_exit_value;
      break;
    }
    if (m_reset_requested) {
      m_reset_requested = false;
      if (!m_firmware_boot) {
        result.kind = RunResult::Kind::GuestReset;
        result.message = "the guest reset the machine (keyboard controller or port 92h) at " + where() +
                         "; a Multiboot run has no firmware to restart";
        break;
      }
      power_on();
      continue;
    }
    if (reason == StopReason::Shutdown) {
      result.kind = RunResult::Kind::TripleFault;
      result.message = m_cpu->shutdown_reason() + " at " + where();
      break;
    }
    // Stopping after an exit waits until the exit's own consequences (the exit port, a
    // reset, a shutdown) are seen: the guest's end is never mistaken for an exit. A HLT's
    // wait is left to the next call.
    if (exit_handled && stop_after_exit) {
      result.kind = RunResult::Kind::ExitHandled;
      break;
    }
    if (m_pause_requested) {
      result.kind = RunResult::Kind::Paused;
      break;
    }
    if (reason == StopReason::Halted && !wait_while_halted(result)) break;
  }
  m_counters.cycles = m_clock.now();
  return result;
}

// The CPU is halted: skip virtual time from timer to timer until an interrupt it can
// take is pending. Returns false (with `result` filled in) when nothing will wake it:
// interrupts are disabled, no timer is left, or none of them raised an interrupt within
// kIdleHorizon of virtual time while no host input can still arrive.
bool Machine::wait_while_halted(RunResult& result) {
  auto halted_forever = [&](const char* why) {
    result.kind = RunResult::Kind::HaltedForever;
    result.message = std::string("guest halted with ") + why + " at " + where();
    return false;
  };
  bool interrupts_on = m_monitor ? m_monitor->guest_interrupts_enabled() : (m_cpu->get_eflags() & EFLAGS_IF) != 0;
  if (!interrupts_on) return halted_forever("interrupts disabled");
  const u64 start = m_clock.now();
  while (!m_cpu->interrupt_deliverable()) {
    u64 deadline = m_timers.next_deadline();
    if (deadline == EventQueue::kNever) return halted_forever("no interrupt source that could wake it");
    bool input_may_come = m_input && !m_input->at_end();
    if (deadline - start > kIdleHorizon && !input_may_come)
      return halted_forever("interrupts enabled, but no interrupt arrived within 60 s of virtual time");
    if (input_may_come && m_input_wait_limit && deadline - start > m_input_wait_limit) {
      result.kind = RunResult::Kind::Waiting;
      result.message = "the guest is halted, waiting for input, at " + where();
      return false;
    }
    u64 now = m_clock.now();
    if (deadline > now) {
      m_clock.charge(deadline - now);
      m_counters.halted_cycles += deadline - now;
    }
    m_timers.run_due(m_clock.now());
    if (m_exit_requested || m_reset_requested) break;
  }
  return true;
}

// "EIP 0x00100f2c (hlt)": where the guest stopped, for one-line messages.
std::string Machine::where() const {
  Disassembly d = m_monitor ? disassemble_at_eip(*m_cpu, [this](u32 linear, u32& phys) {
    return m_monitor->translate_guest(linear, phys);
  })
                            : disassemble_at_eip(*m_cpu);
  return hex32(m_cpu->eip()).insert(0, "EIP ") + " (" + d.text + ")";
}

std::string Machine::hex32(u32 v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace vmlab
