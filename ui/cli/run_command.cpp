// `vmlab run [options] KERNEL`: boot a Multiboot v1 kernel and run it to the end.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/boot/boot.h"
#include "core/cost_model.h"
#include "core/counters_format.h"
#include "core/error.h"
#include "core/machine.h"
#include "core/trace_writer.h"
#include "devices/byte_source.h"
#include "devices/firmware/bios.h"
#include "devices/vga_text.h"
#include "modes/mode_spec.h"
#include "ui/cli/commands.h"

namespace vmlab::cli {
namespace {

struct RunOptions {
  std::string kernel;
  std::vector<std::string> initrds;
  std::string append;
  std::string debugcon;
  u32 mem_mib = 128;
  std::optional<u64> max_insns;
  bool counters = false;
  std::string counters_file;
  std::string format = "text";
  std::string trace;
  std::string mode = "native";
  std::string cost_profile = "p4-2006";
  std::vector<std::string> disks;
  bool disk_write_through = false;
  std::string rtc = "virtual";
  bool vga_dump = false;
  bool no_stdin = false;
  std::string bios;
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

int run(const RunOptions& o) {
  if (o.max_insns && *o.max_insns == 0)
    throw UserError("--max-insns must be at least 1 (omit it to run without a budget)");
  if (o.mem_mib < 2 || o.mem_mib > 3072) throw UserError("--mem must be between 2 and 3072 MiB");
  parse_counter_format(o.format);  // reject a bad --format before running
  require_runnable(parse_mode(o.mode));
  CostModel cost = load_cost_profile(o.cost_profile);
  if (o.kernel.empty() && o.disks.empty() && o.bios.empty())
    throw UserError("nothing to boot: give a Multiboot KERNEL, or a disk image with --disk FILE");
  if (!o.kernel.empty() && !o.bios.empty())
    throw UserError("--bios replaces the firmware, which a Multiboot KERNEL does not use: give one or the other");
  if (o.rtc != "virtual" && o.rtc != "host")
    throw UserError("--rtc must be 'virtual' (a fixed epoch, deterministic) or 'host' (the host's clock)");
  StdinSource stdin_source;

  std::FILE* debugcon_file = nullptr;
  MachineConfig config;
  config.mem_mib = o.mem_mib;
  // Unbuffered: whoever reads COM1's output (a person, a script driving a guest's
  // shell) must see each byte when the guest sends it, prompts without newlines too.
  // COM1 carries at most one byte per character time, so this costs little.
  std::FILE* serial_file = stdout;
  if (o.serial != "-") {
    serial_file = std::fopen(o.serial.c_str(), "wb");
    if (!serial_file) throw UserError("cannot write serial output file '" + o.serial + "': " + std::strerror(errno));
  }
  config.com1_output = [serial_file](u8 b) {
    std::fputc(b, serial_file);
    std::fflush(serial_file);
  };
  config.debugcon_output = open_debugcon(o.debugcon, debugcon_file);
  config.com1_input = o.no_stdin ? nullptr : &stdin_source;
  for (const auto& path : o.disks) config.disks.push_back(DiskSpec{path, o.disk_write_through});
  config.rtc.source = o.rtc == "host" ? RtcSource::Host : RtcSource::Virtual;
  config.bios_path = o.bios;
  Machine machine(config);
  machine.clock().set_cpi(cost.base_cpi);

  if (o.kernel.empty()) {
    machine.platform().bios().set_message_sink([](const std::string& m) { std::fprintf(stderr, "vmlab: %s\n", m.c_str()); });
    machine.power_on();
  } else {
    std::vector<MultibootModule> modules;
    for (const auto& path : o.initrds) modules.push_back({path, ""});
    boot_multiboot(machine, o.kernel, o.append, modules);
  }

  std::unique_ptr<TraceWriter> trace;
  if (!o.trace.empty()) trace = std::make_unique<TraceWriter>(machine.events(), o.trace);
  RunResult result = machine.run(o.max_insns.value_or(0));
  std::fflush(stdout);
  if (debugcon_file) std::fclose(debugcon_file);
  if (serial_file != stdout) std::fclose(serial_file);
  if (trace) trace->close();
  if (!result.message.empty()) std::fprintf(stderr, "vmlab: %s\n", result.message.c_str());
  if (o.vga_dump) std::fprintf(stderr, "%s\n", machine.platform().vga().screen_dump().c_str());
  if (o.counters || !o.counters_file.empty()) write_counters(machine.counters(), o);
  return result.process_status();
}

}  // namespace

Action add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* run_cmd = app.add_subcommand("run", "Boot a Multiboot v1 kernel (ELF) and run it");
  run_cmd->footer(
      "Exit status: (v << 1) | 1 when the guest writes v to port 0xF4 (QEMU isa-debug-exit);\n"
      "124 instruction budget exhausted; 125 halted with nothing able to wake the CPU;\n"
      "126 triple fault; 127 the guest reset a machine started without firmware;\n"
      "1 for a user error (one line on stderr); 2 for a bad command line.");
  run_cmd->add_option("kernel", o->kernel, "Multiboot v1 ELF kernel (omit it to boot from --disk)");
  run_cmd->add_option("--initrd", o->initrds, "Add a Multiboot module (repeatable)");
  run_cmd->add_option("--disk", o->disks, "Raw disk image on the IDE channel (repeatable: master, then slave)");
  run_cmd->add_flag("--disk-write-through", o->disk_write_through,
                    "Write guest disk writes to the image files (default: a copy-on-write overlay)");
  run_cmd->add_option("--rtc", o->rtc, "RTC time source: virtual (fixed epoch, default) or host");
  run_cmd->add_flag("--vga-dump", o->vga_dump, "Print the VGA text screen to stderr when the run ends");
  run_cmd->add_flag("--no-stdin", o->no_stdin, "Do not type stdin into COM1");
  run_cmd->add_option("--bios", o->bios, "Replace vmlab's firmware with this ROM image (as QEMU's -bios)");
  run_cmd->add_option("--append", o->append, "Kernel command line");
  run_cmd->add_option("--serial", o->serial, "Write COM1 output to FILE (default '-': stdout)");
  run_cmd->add_option("--debugcon", o->debugcon, "Write port 0xE9 bytes to FILE ('-' = stdout; default: dropped)");
  run_cmd->add_option("--mem", o->mem_mib, "Guest RAM in MiB (default 128)");
  run_cmd->add_option("--max-insns", o->max_insns, "Stop after N instructions (exit status 124)");
  run_cmd->add_flag("--counters", o->counters, "Print the counters to stderr after the run");
  run_cmd->add_option("--counters-file", o->counters_file, "Write the counters to FILE instead of stderr");
  run_cmd->add_option("--format", o->format, "Counter format: text, json or csv (default text)");
  run_cmd->add_option("--trace", o->trace, "Write a Chrome Trace Event / Perfetto JSON trace to FILE");
  run_cmd->add_option("--mode", o->mode, "Virtualization mode: a preset or cpu=..,mmu=..,io=.. (default native)");
  run_cmd->add_option("--cost-profile", o->cost_profile, "Cost model: p4-2006, modern or a TOML file (default p4-2006)");
  return [o] { return run(*o); };
}

}  // namespace vmlab::cli
