#include "ui/gui/code_at.h"

#include <algorithm>
#include <iterator>

#include "cpu/cpu.h"
#include "cpu/decoder.h"
#include "ui/gui/session.h"

namespace vmlab::gui {
namespace {

constexpr unsigned kMaxLength = 15;  // SDM Vol. 2, 2.3.11
constexpr u32 kPageSize = 0x1000;

// Hands the decoder bytes already read; running out is a fetch failure, as a page fault
// would be on the CPU.
class BufferFetcher : public ByteFetcher {
 public:
  BufferFetcher(const u8* bytes, size_t size) : m_bytes(bytes), m_size(size) {}
  u8 next() override {
    if (m_at >= m_size) throw CpuFault{kPF, true, 0};
    return m_bytes[m_at++];
  }

 private:
  const u8* m_bytes;
  size_t m_size;
  size_t m_at = 0;
};

// Up to kMaxLength bytes from `linear` on, one translation per page touched; stops at
// the first byte that does not map to RAM.
size_t read_code(const Session& s, u32 linear, u8 (&buf)[kMaxLength]) {
  const PhysicalMemory& memory = s.machine.memory();
  size_t got = 0;
  while (got < kMaxLength) {
    u32 at = linear + u32(got), physical = 0;
    if (!s.translate(at, physical)) break;
    size_t run = std::min<size_t>(kMaxLength - got, kPageSize - (at & (kPageSize - 1)));
    if (!memory.contains(physical, run)) break;
    std::copy_n(memory.data() + physical, run, buf + got);
    got += run;
  }
  return got;
}

bool is_string_instruction(u16 opcode) {
  return (opcode >= 0x6C && opcode <= 0x6F) || (opcode >= 0xA4 && opcode <= 0xA7) ||
         (opcode >= 0xAA && opcode <= 0xAF);
}

}  // namespace

std::optional<CodeAt> code_at(const Session& s, u32 linear) {
  u8 buf[kMaxLength];
  size_t got = read_code(s, linear, buf);
  const Cpu& cpu = s.machine.cpu();
  CodeAt code;
  code.linear = linear;
  BufferFetcher fetch(buf, got);
  try {
    decode_instruction(code.insn, fetch, cpu.code32());
  } catch (const CpuFault&) {
    return std::nullopt;  // not mapped, or longer than 15 bytes
  }
  // EIP wraps at 64 KiB in 16-bit code; the linear address is CS.base + EIP.
  u32 base = cpu.seg(CS).base, ip_mask = cpu.code32() ? 0xFFFFFFFFu : 0xFFFFu;
  code.next = base + ((linear - base + code.insn.len) & ip_mask);
  return code;
}

bool is_stepped_over(const Insn& i) {
  switch (i.opcode) {
    case 0xE8:  // CALL rel
    case 0x9A:  // CALL ptr16:16/32
    case 0xCC:  // INT3
    case 0xCD:  // INT n
    case 0xCE:  // INTO
    case 0xF1:  // INT1
      return true;
    case 0xFF: return i.reg == 2 || i.reg == 3;  // CALL r/m, CALL m16:16/32
    default: return i.rep() && is_string_instruction(i.opcode);
  }
}

bool is_return(const Insn& i) {
  return i.opcode == 0xC2 || i.opcode == 0xC3 || i.opcode == 0xCA || i.opcode == 0xCB || i.opcode == 0xCF;
}

std::optional<u32> direct_target(const Session& s, const CodeAt& code) {
  u16 op = code.insn.opcode;
  bool relative = op == 0xE8 || op == 0xE9 || op == 0xEB || (op >= 0x70 && op <= 0x7F) ||
                  (op >= 0x180 && op <= 0x18F) || (op >= 0xE0 && op <= 0xE3);
  if (!relative) return std::nullopt;
  // The displacement is added to the next instruction's EIP, truncated to the operand
  // size (SDM Vol. 2, JMP: "tempEIP AND 0000FFFFH" with a 16-bit operand size).
  u32 base = s.machine.cpu().seg(CS).base;
  u32 eip = (code.next - base + code.insn.imm) & (code.insn.op32() ? 0xFFFFFFFFu : 0xFFFFu);
  return base + eip;
}

namespace {

constexpr u32 kMaxSymbolDistance = 1024;
constexpr u32 kMaxGuessDistance = 64;

// The instruction starts from `from` up to `target`, if decoding from `from` lands on it.
std::optional<std::vector<u32>> chain_to(const Session& s, u32 from, u32 target) {
  std::vector<u32> starts;
  for (u32 at = from; at != target;) {
    std::optional<CodeAt> code = code_at(s, at);
    if (!code || code->next - from > target - from) return std::nullopt;  // ends past it
    starts.push_back(at);
    at = code->next;
  }
  return starts;
}

// The start of the symbol `target` falls in, when it is near enough to decode from.
std::optional<u32> symbol_start(const Session& s, u32 target) {
  const std::vector<ElfSymbol>& symbols = s.options.symbols;  // sorted by value
  auto after = std::upper_bound(symbols.begin(), symbols.end(), target,
                                [](u32 value, const ElfSymbol& symbol) { return value < symbol.value; });
  if (after == symbols.begin()) return std::nullopt;
  const ElfSymbol& symbol = *std::prev(after);
  if (target - symbol.value > kMaxSymbolDistance || (symbol.size && target - symbol.value >= symbol.size))
    return std::nullopt;
  return symbol.value;
}

}  // namespace

std::vector<u32> instructions_before(const Session& s, u32 target, size_t count) {
  std::optional<std::vector<u32>> starts;
  if (std::optional<u32> from = symbol_start(s, target)) starts = chain_to(s, *from, target);
  // At a symbol's first instruction the symbol says nothing about what comes before it.
  if (starts && starts->empty()) starts.reset();
  for (u32 back = kMaxGuessDistance; !starts && back > 0; --back)
    if (target >= back) starts = chain_to(s, target - back, target);
  if (!starts) return {};
  if (starts->size() > count) starts->erase(starts->begin(), starts->end() - long(count));
  return *starts;
}

}  // namespace vmlab::gui
