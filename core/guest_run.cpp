#include "core/guest_run.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

#include "core/boot/boot.h"
#include "core/error.h"
#include <fmt/format.h>

#include "modes/mode_spec.h"
#include "modes/monitor.h"

namespace vmlab {

GuestRunSpec guest_run_spec(const GuestEntry& guest) {
  GuestRunSpec spec;
  spec.kernel = guest.kernel;
  spec.initrds = guest.initrds;
  spec.disks = guest.disks;
  spec.append = guest.append;
  return spec;
}

CostModel validate_run_spec(const GuestRunSpec& spec) {
  if (spec.mem_mib < 2 || spec.mem_mib > 3072) throw UserError("--mem must be between 2 and 3072 MiB");
  ModeSpec mode = parse_mode(spec.mode);
  require_runnable(mode);
  if (u32 monitor = monitor_memory_mib(mode); spec.mem_mib + monitor > 3072)
    throw UserError(fmt::format("--mem {} leaves no room for the {} MiB that mode '{}' keeps for its monitor: "
                                "use --mem {} or less",
                                spec.mem_mib, monitor, spec.mode, 3072 - monitor));
  CostModel cost = load_cost_profile(spec.cost_profile);
  if (spec.kernel.empty() && spec.disks.empty() && spec.bios.empty())
    throw UserError(
        "nothing to boot: give a Multiboot KERNEL, a bundled guest with --guest NAME, or a disk image with "
        "--disk FILE");
  if (!spec.kernel.empty() && !spec.bios.empty())
    throw UserError(
        "--bios replaces the firmware, which a Multiboot KERNEL does not use: give one or the other");
  if (mode.cpu != CpuStrategy::None && spec.kernel.empty())
    throw UserError(fmt::format(
        "mode '{}' needs a Multiboot kernel (a KERNEL or --guest NAME): booting from a disk starts in real "
        "mode, which this monitor cannot trap and emulate (no virtual-8086 mode); use --mode native for disks",
        spec.mode));
  return cost;
}

MachineConfig machine_config(const GuestRunSpec& spec) {
  MachineConfig config;
  config.mem_mib = spec.mem_mib;
  for (const std::string& path : spec.disks) config.disks.push_back(DiskSpec{path, spec.disk_write_through});
  config.rtc.source = spec.rtc;
  config.bios_path = spec.bios;
  config.monitor_mib = monitor_memory_mib(parse_mode(spec.mode));
  return config;
}

void start_guest(Machine& machine, const GuestRunSpec& spec, const CostModel& cost) {
  machine.apply_cost_model(cost);
  if (spec.kernel.empty()) {
    machine.power_on();
    return;
  }
  std::vector<MultibootModule> modules;
  for (const std::string& path : spec.initrds) modules.push_back({path, ""});
  boot_multiboot(machine, spec.kernel, spec.append, modules);
  machine.attach_monitor(make_monitor(parse_mode(spec.mode)));
}

GuestRunResult run_guest(const GuestRunSpec& spec) {
  CostModel cost = validate_run_spec(spec);
  GuestRunResult result;
  MachineConfig config = machine_config(spec);
  config.com1_output = [&result](u8 b) { result.com1.push_back(char(b)); };
  Machine machine(config);
  start_guest(machine, spec, cost);
  result.run = machine.run(spec.max_instructions);
  result.status = result.run.process_status();
  result.counters = machine.counters();
  return result;
}

namespace {

// The shared state of one run_guests() call: which spec is next, every run's phase.
class RunPool {
 public:
  RunPool(const std::vector<GuestRunSpec>& specs, const RunProgress& progress)
      : m_specs(specs),
        m_progress(progress),
        m_results(specs.size()),
        m_phases(specs.size(), RunPhase::Waiting) {}

  // One worker thread: take the next waiting spec until none is left.
  void work() {
    for (;;) {
      std::size_t index = 0;
      {
        std::lock_guard lock(m_mutex);
        if (m_next == m_specs.size() || m_failure) return;
        index = m_next++;
        set_phase(index, RunPhase::Running);
      }
      GuestRunResult result;
      try {
        result = run_guest(m_specs[index]);
      } catch (const UserError& e) {
        result.error = e.what();
      } catch (...) {
        std::lock_guard lock(m_mutex);
        if (!m_failure) m_failure = std::current_exception();
        return;
      }
      std::lock_guard lock(m_mutex);
      m_results[index] = std::move(result);
      set_phase(index, RunPhase::Finished);
    }
  }

  std::vector<GuestRunResult> take_results() {
    if (m_failure) std::rethrow_exception(m_failure);
    return std::move(m_results);
  }

 private:
  void set_phase(std::size_t index, RunPhase phase) {  // with m_mutex held
    m_phases[index] = phase;
    if (m_progress) m_progress(m_phases);
  }

  const std::vector<GuestRunSpec>& m_specs;
  const RunProgress& m_progress;
  std::mutex m_mutex;
  std::size_t m_next = 0;
  std::vector<GuestRunResult> m_results;
  std::vector<RunPhase> m_phases;
  std::exception_ptr m_failure;
};

}  // namespace

std::vector<GuestRunResult> run_guests(const std::vector<GuestRunSpec>& specs, unsigned max_threads,
                                       const RunProgress& progress) {
  RunPool pool(specs, progress);
  std::size_t count = std::clamp<std::size_t>(specs.size(), 1, std::max(1u, max_threads));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < count; ++i) threads.emplace_back([&pool] { pool.work(); });
  for (std::thread& t : threads) t.join();
  return pool.take_results();
}

}  // namespace vmlab
