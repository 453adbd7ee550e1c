#include "cpu/disassembler.h"

#include <capstone/capstone.h>
#include <fmt/format.h>

#include "core/physical_memory.h"
#include "cpu/cpu.h"
#include "cpu/decoder.h"

namespace vmlab {

Disassembly disassemble(const u8* bytes, size_t available, bool code32, u32 address) {
  Disassembly d;
  d.length = instruction_length(bytes, available, code32);
  size_t shown = d.length ? d.length : std::min<size_t>(available, 1);
  for (size_t k = 0; k < shown; ++k) d.bytes += fmt::format("{}{:02x}", k ? " " : "", bytes[k]);
  csh handle;
  if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &handle) != CS_ERR_OK) {
    d.text = "(capstone unavailable)";
    return d;
  }
  cs_insn* insn = nullptr;
  size_t n = cs_disasm(handle, bytes, available, address, 1, &insn);
  if (n == 0) {
    d.text = "(bad)";
  } else {
    d.text = insn->op_str[0] ? fmt::format("{} {}", insn->mnemonic, insn->op_str) : insn->mnemonic;
    if (d.length && insn->size != d.length)
      d.text += fmt::format("  [capstone length {} != decoder length {}]", insn->size, d.length);
    cs_free(insn, n);
  }
  cs_close(&handle);
  return d;
}

Disassembly disassemble_at_eip(const Cpu& cpu) {
  return disassemble_at_eip(cpu, [&cpu](u32 linear, u32& phys) { return cpu.debug_translate(linear, phys); });
}

Disassembly disassemble_at_eip(const Cpu& cpu, const std::function<bool(u32, u32&)>& translate) {
  return disassemble_linear(cpu, cpu.seg(CS).base + cpu.eip(), cpu.code32(), translate);
}

Disassembly disassemble_linear(const Cpu& cpu, u32 linear, bool code32,
                               const std::function<bool(u32, u32&)>& translate) {
  u8 buf[15];
  size_t got = 0;
  for (; got < sizeof buf; ++got) {
    u32 phys;
    if (!translate(linear + u32(got), phys) || !cpu.m_memory.contains(phys, 1)) break;
    buf[got] = *cpu.m_memory.host_ptr(phys);
  }
  if (got == 0) return Disassembly{0, "", "(unmapped)"};
  return disassemble(buf, got, code32, linear);
}

}  // namespace vmlab
