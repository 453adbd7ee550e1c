#include "modes/cpu_state_view.h"

#include <fmt/format.h>

#include <algorithm>

namespace vmlab {
namespace {

std::string hex(u32 v) { return fmt::format("{:#010x}", v); }

// The names of the bits of `value` that are set, in table order, separated by spaces.
template <size_t N>
std::string bit_names(u32 value, const std::pair<u32, const char*> (&bits)[N]) {
  std::string s;
  for (auto [bit, name] : bits)
    if (value & bit) s += std::string(s.empty() ? "" : " ") + name;
  return s;
}

// The EFLAGS bits a reader looks for, by name.
std::string flag_names(u32 f) {
  static constexpr std::pair<u32, const char*> kFlags[] = {
      {EFLAGS_CF, "CF"}, {EFLAGS_PF, "PF"}, {EFLAGS_AF, "AF"}, {EFLAGS_ZF, "ZF"}, {EFLAGS_SF, "SF"},
      {EFLAGS_TF, "TF"}, {EFLAGS_IF, "IF"}, {EFLAGS_DF, "DF"}, {EFLAGS_OF, "OF"}, {EFLAGS_NT, "NT"},
      {EFLAGS_RF, "RF"}, {EFLAGS_VM, "VM"}, {EFLAGS_AC, "AC"}, {EFLAGS_ID, "ID"}};
  std::string s = bit_names(f, kFlags);
  s += fmt::format("{}IOPL={}", s.empty() ? "" : " ", (f & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT);
  return s;
}

std::string cr0_names(u32 v) {
  static constexpr std::pair<u32, const char*> kBits[] = {
      {CR0_PE, "PE"}, {CR0_MP, "MP"}, {CR0_EM, "EM"}, {CR0_TS, "TS"}, {CR0_ET, "ET"}, {CR0_NE, "NE"},
      {CR0_WP, "WP"}, {CR0_AM, "AM"}, {CR0_NW, "NW"}, {CR0_CD, "CD"}, {CR0_PG, "PG"}};
  return bit_names(v, kBits);
}

// Every CR4 bit defined up to the Pentium III (SDM Vol. 3, 2.5), although this CPU
// implements only TSD, PSE and PGE: a guest that tries to set another one should see it
// named when the write is refused or (under a monitor) kept only in the virtual CR4.
std::string cr4_names(u32 v) {
  static constexpr std::pair<u32, const char*> kBits[] = {
      {CR4_VME, "VME"}, {CR4_PVI, "PVI"}, {CR4_TSD, "TSD"}, {CR4_DE, "DE"}, {CR4_PSE, "PSE"},
      {CR4_PAE, "PAE"}, {CR4_MCE, "MCE"}, {CR4_PGE, "PGE"}, {CR4_PCE, "PCE"}, {CR4_OSFXSR, "OSFXSR"},
      {CR4_OSXMMEXCPT, "OSXMMEXCPT"}};
  return bit_names(v, kBits);
}

// A control register as hex, then its set bits by name.
std::string control(u32 v, std::string (*names)(u32)) {
  std::string bits = names(v);
  return bits.empty() ? hex(v) : fmt::format("{} {}", hex(v), bits);
}

std::string table(const DescriptorTableReg& r) { return fmt::format("{} / {:#06x}", hex(r.base), r.limit); }

}  // namespace

std::vector<CpuStateRow> cpu_state_rows(const Cpu& cpu, const VirtualCpu* v) {
  std::vector<CpuStateRow> rows;
  auto row = [&](std::string name, std::string real, std::string guest = "") {
    rows.push_back(CpuStateRow{std::move(name), std::move(real), v ? std::move(guest) : ""});
  };
  static constexpr const char* kRegs[] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
  for (int r = 0; r < 8; ++r) row(kRegs[r], hex(cpu.reg(Reg(r))));
  row("EIP", hex(cpu.eip()));
  u32 flags = cpu.get_eflags();
  row("EFLAGS", fmt::format("{} {}", hex(flags), flag_names(flags)),
      v ? fmt::format("IF={} IOPL={}", v->cpl == 3 ? 1 : int(v->interrupts_enabled), v->iopl) : "");
  row("CPL", std::to_string(cpu.cpl()), v ? std::to_string(v->cpl) : "");
  static constexpr const char* kSegs[] = {"ES", "CS", "SS", "DS", "FS", "GS"};
  for (int s = 0; s < 6; ++s) {
    const SegmentCache& c = cpu.seg(SegReg(s));
    row(kSegs[s], fmt::format("{:#06x} base {} limit {} DPL {}", c.selector, hex(c.base), hex(c.limit), c.dpl()));
  }
  row("CR0", control(cpu.cr0(), cr0_names), v ? control(v->cr0, cr0_names) : "");
  row("CR2", hex(cpu.cr2()), v ? hex(v->cr2) : "");
  row("CR3", hex(cpu.cr3()) + (v ? " (shadow root)" : ""), v ? hex(v->cr3) : "");
  row("CR4", control(cpu.cr4(), cr4_names), v ? control(v->cr4, cr4_names) : "");
  row("GDTR", table(cpu.gdtr()), v ? table(v->gdtr) : "");
  row("IDTR", table(cpu.idtr()), v ? table(v->idtr) : "");
  row("LDTR", fmt::format("{:#06x}", cpu.ldtr().selector), v ? fmt::format("{:#06x}", v->ldtr) : "");
  row("TR", fmt::format("{:#06x}", cpu.tr().selector), v ? fmt::format("{:#06x}", v->tr) : "");
  row("SYSENTER_CS", fmt::format("{:#06x}", cpu.m_sysenter_cs), v ? fmt::format("{:#06x}", v->sysenter_cs) : "");
  row("halted", cpu.halted() ? "yes" : "no", v ? (v->halted ? "yes" : "no") : "");
  if (v) row("interrupt pending", "", v->interrupt_pending ? "yes (waits for virtual IF)" : "no");
  return rows;
}

std::string format_cpu_state(const Cpu& cpu, const VirtualCpu* vcpu) {
  std::vector<CpuStateRow> rows = cpu_state_rows(cpu, vcpu);
  size_t name_width = 0, real_width = std::string("real CPU").size();
  for (const CpuStateRow& r : rows) {
    name_width = std::max(name_width, r.name.size());
    real_width = std::max(real_width, r.real.size());
  }
  std::string out;
  auto line = [&](const std::string& a, const std::string& b, const std::string& c) {
    std::string text = fmt::format("{:<{}}  {:<{}}", a, name_width, b, real_width);
    if (!c.empty()) text += "  " + c;
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line("", "real CPU", vcpu ? "guest's virtual CPU" : "");
  for (const CpuStateRow& r : rows) line(r.name, r.real, r.guest);
  return out;
}

}  // namespace vmlab
