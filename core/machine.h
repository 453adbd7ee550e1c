// The Machine owns every part of the emulated PC: RAM, Bus, CPU, devices, clock, timer
// queue, event stream and counters. No globals: two Machines in one process are
// independent (tests rely on it).
//
// The run loop (run()) is the only place that advances time: it runs the CPU until the
// next timer deadline or the instruction budget, fires due timers, and turns HLT,
// triple faults and the exit port into a RunResult.
#pragma once
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/bus.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/physical_memory.h"
#include "core/virtual_clock.h"
#include "cpu/cpu.h"
#include "devices/pc_platform.h"

namespace vmlab {

struct CostModel;
class Monitor;

struct MachineConfig {
  u32 mem_mib = 128;
  // Where bytes go. Unset sinks drop the output.
  std::function<void(u8)> com1_output;
  std::function<void(u8)> debugcon_output;  // port 0xE9
  ByteSource* com1_input = nullptr;          // typed into COM1 (the CLI passes stdin)
  std::vector<DiskSpec> disks;               // IDE primary master, slave
  RtcConfig rtc;
  std::string bios_path;                     // --bios: a replacement firmware ROM
  // Host memory above the guest's RAM kept for a monitor (modes/monitor.h:
  // monitor_memory_mib); the guest is told about mem_mib only.
  u32 monitor_mib = 0;
  // Front ends that must not block (the visualizer): the most virtual time a halted CPU
  // may wait within one run() while host input may still come; then run() returns
  // Waiting. 0: wait until an interrupt comes (the CLI, whose stdin may take a while).
  u64 input_wait_limit = 0;
};

struct RunResult {
  enum class Kind : u8 {
    ExitPort,        // the guest wrote to port 0xF4 (isa-debug-exit)
    BudgetExhausted, // --max-insns ran out
    HaltedForever,   // HLT with nothing that can wake the CPU
    TripleFault,     // shutdown
    GuestReset,      // the guest reset a machine started without firmware
    MonitorStop,     // the guest did something the monitor cannot virtualize
    ExitHandled,     // run(.., stop_after_exit): the monitor handled one exit
    Waiting,         // halted for MachineConfig::input_wait_limit, waiting for host input
    Paused,          // request_pause(): a debugger saw what it was waiting for
  };
  Kind kind = Kind::BudgetExhausted;
  u32 exit_value = 0;    // value written to port 0xF4
  std::string message;   // one line for the user (empty for ExitPort)

  // Process status for the CLI: ExitPort gives (value << 1) | 1 like QEMU's
  // isa-debug-exit; the others have their own documented codes.
  int process_status() const;
  static constexpr int kStatusBudgetExhausted = 124;
  static constexpr int kStatusHaltedForever = 125;
  static constexpr int kStatusTripleFault = 126;
  static constexpr int kStatusGuestReset = 127;
  static constexpr int kStatusMonitorStop = 123;
};

class Machine {
 public:
  explicit Machine(const MachineConfig& config);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Start from the reset vector through vmlab's firmware: POST, then the boot sector
  // of the first disk (what a PC does at power-on). A guest reset (keyboard controller,
  // port 92h) then restarts the firmware, as on real hardware.
  void power_on();
  // Time as the cost model says: cycles per instruction, and the charge for each
  // exception the CPU delivers (the profile's native.* keys).
  void apply_cost_model(const CostModel& model);

  // Run until the guest exits, halts for good, shuts down, or `max_instructions`
  // instructions have retired (0 = no budget). With `stop_after_exit`, also return as
  // soon as the monitor has handled one exit (debuggers stepping exit by exit).
  RunResult run(u64 max_instructions, bool stop_after_exit = false);
  // One guest instruction, as run(1) runs it (timers, the monitor's handling of the
  // exits it causes), for debuggers that check a condition after every instruction. Two
  // things are left out because they cost more than the instruction: the description of
  // where the budget ran out (a BudgetExhausted result has no message) and the RunEnd
  // event (which would also push the exits out of a short event history).
  RunResult step(bool stop_after_exit = false);
  // Ask the run in progress to return as soon as the current instruction (with the
  // monitor's handling of an exit it caused) is complete, with Kind::Paused: for an
  // EventStream subscriber that saw what a debugger waits for (a port write, an
  // interrupt), so the guest runs at full speed until then. An interrupt's delivery
  // stops before its handler's first instruction. A request made outside run() is
  // dropped when the next run() starts.
  void request_pause();

  // Run the loaded guest under a monitor from now on (nullptr: native). The Machine
  // owns it; attach() may throw UserError when the guest cannot run in that mode.
  void attach_monitor(std::unique_ptr<Monitor> monitor);
  Monitor* monitor() { return m_monitor.get(); }

  Cpu& cpu() { return *m_cpu; }
  Bus& bus() { return m_bus; }
  PhysicalMemory& memory() { return m_memory; }
  EventStream& events() { return m_events; }
  Counters& counters() { return m_counters; }
  VirtualClock& clock() { return m_clock; }
  EventQueue& timers() { return m_timers; }
  PcPlatform& platform() { return *m_platform; }

 private:
  void wire_debug_ports(const MachineConfig& config);
  RunResult run_until(u64 max_instructions, bool stop_after_exit);
  u64 slice_to_next_deadline();
  bool wait_while_halted(RunResult& result);

  // How long a halted CPU with IF set may wait for an interrupt before the run ends
  // (when no host input can still arrive): 60 s of virtual time.
  static constexpr u64 kIdleHorizon = 60 * kVirtualHz;
  std::string where() const;
  static std::string hex32(u32 v);

  Counters m_counters;
  VirtualClock m_clock;
  EventStream m_events;
  EventQueue m_timers;
  PhysicalMemory m_memory;
  Bus m_bus;
  std::unique_ptr<Cpu> m_cpu;
  std::unique_ptr<PcPlatform> m_platform;  // after the timer queue: destroyed before it
  std::unique_ptr<Monitor> m_monitor;      // after the CPU and platform: destroyed first
  bool m_exit_requested = false;
  bool m_reset_requested = false;
  bool m_pause_requested = false;
  // Where the current slice of the run loop ends (an instruction count): the next look
  // at the timers, kept across run() calls.
  u64 m_slice_end = 0;
  bool m_deadline_moved = false;  // a timer was scheduled before the slice's end
  bool m_firmware_boot = false;
  ByteSource* m_input = nullptr;
  u64 m_input_wait_limit = 0;
  u32 m_exit_value = 0;
};

}  // namespace vmlab
