// `vmlab run [options] KERNEL | --guest NAME | --disk FILE`: boot a Multiboot v1 kernel,
// a bundled guest or a disk image and run it to the end, COM1 live on stdout.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/counters_format.h"
#include "core/error.h"
#include "core/guest_catalog.h"
#include "core/guest_run.h"
#include "core/machine.h"
#include "core/trace_writer.h"
#include "devices/byte_source.h"
#include "devices/firmware/bios.h"
#include "devices/vga_text.h"
#include "modes/cpu_state_view.h"
#include "modes/monitor.h"
#include "ui/cli/commands.h"

namespace vmlab::cli {

GuestRunSpec with_bundled_guest(GuestRunSpec spec, const std::string& guest,
                                const std::optional<std::string>& append) {
  if (append) spec.append = *append;
  if (guest.empty()) return spec;
  if (!spec.kernel.empty())
    throw UserError("give a KERNEL or --guest " + guest + ", not both (--guest boots the bundled guest's kernel)");
  GuestRunSpec bundled = guest_run_spec(GuestCatalog::load_default().lookup(guest));
  spec.kernel = bundled.kernel;
  spec.initrds.insert(spec.initrds.begin(), bundled.initrds.begin(), bundled.initrds.end());
  if (spec.disks.empty()) spec.disks = bundled.disks;
  if (!append) spec.append = bundled.append;
  return spec;
}

namespace {

struct RunOptions {
  GuestRunSpec spec;  // kernel, modules, disks, memory, mode, cost profile, firmware
  std::string guest;  // --guest NAME, or "list"
  std::optional<std::string> append;
  std::string debugcon;
  std::optional<u64> max_insns;
  bool counters = false;
  bool state = false;
  std::string counters_file;
  std::string format = "text";
  std::string trace;
  std::string rtc = "virtual";
  bool vga_dump = false;
  bool no_stdin = false;
  std::string serial = "-";
};

// Where port 0xE9 bytes go: nowhere (default), stdout ("-") or a file.
std::function<void(u8)> open_debugcon(const std::string& target, std::FILE*& file) {
  if (target.empty()) return nullptr;
  if (target == "-") return [](u8 b) { std::fputc(b, stdout); };
  file = std::fopen(target.c_str(), "wb");
  if (!file) throw UserError("cannot write debug console file '" + target + "': " + std::strerror(errno));
  return [file](u8 b) { std::fputc(b, file); };
}

void write_counters(const Counters& counters, const RunOptions& o) {
  std::string text = format_counters(counters, parse_counter_format(o.format));
  if (o.counters_file.empty()) {
    std::fputs(text.c_str(), stderr);
    return;
  }
  std::FILE* f = std::fopen(o.counters_file.c_str(), "wb");
  if (!f) throw UserError("cannot write counters file '" + o.counters_file + "': " + std::strerror(errno));
  std::fputs(text.c_str(), f);
  std::fclose(f);
}

// `vmlab run --guest list`: one line per bundled guest.
int list_guests() {
  GuestCatalog catalog = GuestCatalog::load_default();
  std::size_t width = 0;
  for (const GuestEntry& g : catalog.guests()) width = std::max(width, g.name.size());
  for (const GuestEntry& g : catalog.guests()) {
    std::string line = fmt::format("{:<{}}  {}", g.name, width, g.summary);
    if (missing_guest_file(g)) line += " (not built: run the build)";
    std::puts(line.c_str());
  }
  return 0;
}

// The spec to boot, with the budget and the RTC source from the options.
GuestRunSpec resolve_spec(const RunOptions& o) {
  GuestRunSpec spec = with_bundled_guest(o.spec, o.guest, o.append);
  spec.max_instructions = instruction_budget(o.max_insns);
  if (o.rtc != "virtual" && o.rtc != "host")
    throw UserError("--rtc must be 'virtual' (a fixed epoch, deterministic) or 'host' (the host's clock)");
  spec.rtc = o.rtc == "host" ? RtcSource::Host : RtcSource::Virtual;
  return spec;
}

int run(const RunOptions& o) {
  if (o.guest == "list") return list_guests();
  GuestRunSpec spec = resolve_spec(o);
  parse_counter_format(o.format);  // reject a bad --format before running
  CostModel cost = validate_run_spec(spec);
  StdinSource stdin_source;

  std::FILE* debugcon_file = nullptr;
  MachineConfig config = machine_config(spec);
  // Unbuffered: whoever reads COM1's output (a person, a script driving a guest's
  // shell) must see each byte when the guest sends it, prompts without newlines too.
  // COM1 carries at most one byte per character time, so this costs little.
  std::FILE* serial_file = stdout;
  if (o.serial != "-") {
    serial_file = std::fopen(o.serial.c_str(), "wb");
    if (!serial_file)
      throw UserError("cannot write serial output file '" + o.serial + "': " + std::strerror(errno));
  }
  config.com1_output = [serial_file](u8 b) {
    std::fputc(b, serial_file);
    std::fflush(serial_file);
  };
  config.debugcon_output = open_debugcon(o.debugcon, debugcon_file);
  config.com1_input = o.no_stdin ? nullptr : &stdin_source;
  Machine machine(config);
  machine.platform().bios().set_message_sink(
      [](const std::string& m) { std::fprintf(stderr, "vmlab: %s\n", m.c_str()); });
  start_guest(machine, spec, cost);

  std::unique_ptr<TraceWriter> trace;
  if (!o.trace.empty()) trace = std::make_unique<TraceWriter>(machine.events(), o.trace);
  RunResult result = machine.run(spec.max_instructions);
  std::fflush(stdout);
  if (debugcon_file) std::fclose(debugcon_file);
  if (serial_file != stdout) std::fclose(serial_file);
  if (trace) trace->close();
  if (!result.message.empty()) std::fprintf(stderr, "vmlab: %s\n", result.message.c_str());
  if (o.vga_dump) std::fprintf(stderr, "%s\n", machine.platform().vga().screen_dump().c_str());
  if (o.state) {
    const VirtualCpu* vcpu = machine.monitor() ? &machine.monitor()->vcpu() : nullptr;
    std::fprintf(stderr, "%s", format_cpu_state(machine.cpu(), vcpu).c_str());
  }
  if (o.counters || !o.counters_file.empty()) write_counters(machine.counters(), o);
  return result.process_status();
}

}  // namespace

std::uint64_t instruction_budget(const std::optional<std::uint64_t>& max_insns) {
  if (max_insns && *max_insns == 0)
    throw UserError("--max-insns must be at least 1 (omit it to run without a budget)");
  return max_insns.value_or(0);
}

Action add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Boot a Multiboot v1 kernel (ELF), a bundled guest or a disk image, and run it");
  run_cmd->footer(
      "Give a KERNEL, or --guest NAME for a guest this build made (--guest list names them),\n"
      "or --disk FILE alone to boot the disk through the firmware. With --guest, --initrd adds\n"
      "modules after the guest's, and --disk and --append replace the guest's.\n\n"
      "Exit status: (v << 1) | 1 when the guest writes v to port 0xF4 (QEMU isa-debug-exit);\n"
      "124 instruction budget exhausted; 125 halted with nothing able to wake the CPU;\n"
      "126 triple fault; 127 the guest reset a machine started without firmware;\n"
      "1 for a user error (one line on stderr); 2 for a bad command line.");
  GuestRunSpec& spec = o->spec;
  run_cmd->add_option("kernel", spec.kernel,
                      "Multiboot v1 ELF kernel (omit it with --guest, or to boot from --disk)");
  run_cmd->add_option("--guest", o->guest, "Boot the bundled guest NAME instead of KERNEL ('list' lists them)")
      ->type_name("NAME");
  run_cmd->add_option("--initrd", spec.initrds, "Add a Multiboot module (repeatable)");
  run_cmd->add_option("--disk", spec.disks,
                      "Raw disk image on the IDE channel (repeatable: master, then slave)");
  run_cmd->add_flag("--disk-write-through", spec.disk_write_through,
                    "Write guest disk writes to the image files (default: a copy-on-write overlay)");
  run_cmd->add_option("--rtc", o->rtc, "RTC time source: virtual (fixed epoch, default) or host");
  run_cmd->add_flag("--vga-dump", o->vga_dump, "Print the VGA text screen to stderr when the run ends");
  run_cmd->add_flag("--state", o->state,
                    "Print the CPU state to stderr when the run ends (under a monitor: the real CPU beside "
                    "the guest's virtual CPU)");
  run_cmd->add_flag("--no-stdin", o->no_stdin, "Do not type stdin into COM1");
  run_cmd->add_option("--bios", spec.bios, "Replace vmlab's firmware with this ROM image (as QEMU's -bios)");
  run_cmd->add_option("--append", o->append, "Kernel command line (replaces a bundled guest's default)");
  run_cmd->add_option("--serial", o->serial, "Write COM1 output to FILE (default '-': stdout)");
  run_cmd->add_option("--debugcon", o->debugcon,
                      "Write port 0xE9 bytes to FILE ('-' = stdout; default: dropped)");
  run_cmd->add_option("--mem", spec.mem_mib, "Guest RAM in MiB (default 128)");
  run_cmd->add_option("--max-insns", o->max_insns, "Stop after N instructions (exit status 124)");
  run_cmd->add_flag("--counters", o->counters, "Print the counters to stderr after the run");
  run_cmd->add_option("--counters-file", o->counters_file, "Write the counters to FILE instead of stderr");
  run_cmd->add_option("--format", o->format, "Counter format: text, json or csv (default text)");
  run_cmd->add_option("--trace", o->trace, "Write a Chrome Trace Event / Perfetto JSON trace to FILE");
  run_cmd->add_option("--mode", spec.mode,
                      "Virtualization mode: a preset or cpu=..,mmu=..,io=.. (default native)");
  run_cmd->add_option("--cost-profile", spec.cost_profile,
                      "Cost model: p4-2006, modern or a TOML file (default p4-2006)");
  return [o] { return run(*o); };
}

}  // namespace vmlab::cli
