#include "tests/conformance/oracle/disassemble.h"

#include <capstone/capstone.h>

namespace vmlab::conformance {

std::string disassemble(const std::vector<u8>& code, u32 address) {
  csh handle;
  if (cs_open(CS_ARCH_X86, CS_MODE_32, &handle) != CS_ERR_OK) return "(Capstone unavailable)";
  cs_insn* insns = nullptr;
  size_t count = cs_disasm(handle, code.data(), code.size(), address, 0, &insns);
  std::string text;
  size_t decoded = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!text.empty()) text += "; ";
    text += insns[i].mnemonic;
    if (insns[i].op_str[0]) text += std::string(" ") + insns[i].op_str;
    decoded += insns[i].size;
  }
  if (decoded < code.size()) text += text.empty() ? "(not decodable)" : "; (rest not decodable)";
  if (count) cs_free(insns, count);
  cs_close(&handle);
  return text;
}

}  // namespace vmlab::conformance
