#include "tests/conformance/oracle/case_builder.h"

#include <stdexcept>
#include <utility>

namespace vmlab::conformance {

// One way of addressing a memory operand, and the register values that make it hit.
struct CaseBuilder::AddressPlan {
  bool addr16 = false;
  int base = -1;   // GPR number or -1
  int index = -1;  // GPR number or -1
  u32 scale = 1;
  unsigned disp_size = 0;  // 0, 1, 2 or 4 bytes
  u32 disp = 0;
  bool sib = false;  // 32-bit: encode through a SIB byte
  u8 ss_bits = 0;    // SIB scale field (random when there is no index: it is ignored)
  u8 rm16 = 0;       // 16-bit: the r/m field
  int assigned[2] = {-1, -1};  // free registers the plan gives values to
  u32 values[2] = {0, 0};
  u32 address = 0;

  u32 value_of(int r, const std::array<u32, 8>& regs) const {
    for (int s = 0; s < 2; ++s)
      if (assigned[s] == r) return values[s];
    return regs[r];
  }
  // The effective address with the planned register values (SDM Vol. 1, 3.7.5).
  u32 evaluate(const std::array<u32, 8>& regs, u32 width_mask) const {
    u32 ea = disp;
    if (base >= 0) ea += value_of(base, regs);
    if (index >= 0) ea += value_of(index, regs) * (addr16 ? 1 : scale);
    return ea & width_mask;
  }
};

namespace {

// 16-bit addressing, SDM Vol. 2 Table 2-1: r/m -> base and index registers.
constexpr int kBase16[8] = {EBX, EBX, EBP, EBP, -1, -1, EBP, EBX};
constexpr int kIndex16[8] = {ESI, EDI, ESI, EDI, ESI, EDI, -1, -1};

// Multiplicative inverse of an odd number modulo 2^32 (Newton's iteration doubles the
// number of correct low bits each step: 3 -> 6 -> 12 -> 24 -> 48).
u32 inverse_odd(u32 c) {
  u32 x = c;
  for (int i = 0; i < 4; ++i) x *= 2 - c * x;
  return x;
}

// x with c * x == remainder modulo 2^bits (width_mask = 2^bits - 1). An even c (a scale
// of 2, 4 or 8, or base == index) only reaches multiples of c: the remainder is rounded
// down first, which moves the address down by a few bytes. Of the c solutions one is
// picked at random, so index values are often large and the address arithmetic wraps.
u32 solve_multiple(Rng& rng, u32 c, u32 remainder, u32 width_mask) {
  if (c & 1) return remainder * inverse_odd(c);
  remainder &= width_mask;
  remainder -= remainder % c;
  return remainder / c + rng.below(c) * (width_mask / c + 1);
}

u32 sign_extend8(u32 byte) { return static_cast<u32>(static_cast<i32>(static_cast<i8>(byte))); }

}  // namespace

CaseBuilder::CaseBuilder(Rng& rng, Case& kase) : m_rng(rng), m_case(kase) {
  for (u8 r = 0; r < 8; ++r) m_case.regs[r] = rng.edge32();
  u32 esp = kStackBase + 0x400 + rng.below(0x800);
  pin(ESP, rng.chance(85) ? esp & ~3u : esp);
  m_case.eflags = 0;
  for (u32 flag : {EFLAGS_CF, EFLAGS_PF, EFLAGS_AF, EFLAGS_ZF, EFLAGS_SF, EFLAGS_OF})
    if (rng.chance(50)) m_case.eflags |= flag;
  if (rng.chance(30)) m_case.eflags |= EFLAGS_DF;
  for (u32 i = 0; i < kDataSize; i += 8) store(kDataBase + i, rng.next64(), 8);
  for (u32 i = 0; i < kStackSize; i += 8) store(kStackBase + i, rng.next64(), 8);
}

void CaseBuilder::pin(u8 r, u32 value) {
  m_case.regs[r] = value;
  m_pinned = static_cast<u8>(m_pinned | (1u << r));
}

u8 CaseBuilder::unpinned_reg() {
  for (int tries = 0; tries < 1000; ++tries) {
    u8 r = static_cast<u8>(m_rng.below(8));
    if (!pinned(r)) return r;
  }
  throw std::logic_error("conformance generator: every register is pinned");
}

u32 CaseBuilder::get_reg(u8 r, unsigned size) const {
  if (size == 1) return r < 4 ? m_case.regs[r] & 0xFF : (m_case.regs[r - 4] >> 8) & 0xFF;
  return mask(m_case.regs[r], size);
}

bool CaseBuilder::put_reg(u8 r, unsigned size, u32 value) {
  u8 full = size == 1 ? (r & 3) : r;
  if (pinned(full)) return false;
  u32& slot = m_case.regs[full];
  if (size == 4) slot = value;
  else if (size == 2) slot = (slot & 0xFFFF0000u) | (value & 0xFFFF);
  else if (r < 4) slot = (slot & 0xFFFFFF00u) | (value & 0xFF);
  else slot = (slot & 0xFFFF00FFu) | ((value & 0xFF) << 8);
  return true;
}

bool CaseBuilder::in_data(u32 address, unsigned size) {
  return address >= kDataBase && address <= kDataBase + kDataSize - size;
}

bool CaseBuilder::in_stack(u32 address, unsigned size) {
  return address >= kStackBase && address <= kStackBase + kStackSize - size;
}

u64 CaseBuilder::load(u32 address, unsigned size) const {
  u64 value = 0;
  for (unsigned i = 0; i < size; ++i) {
    u32 a = address + i;
    u8 byte = in_data(a, 1) ? m_case.data[a - kDataBase] : m_case.stack.at(a - kStackBase);
    value |= static_cast<u64>(byte) << (8 * i);
  }
  return value;
}

void CaseBuilder::store(u32 address, u64 value, unsigned size) {
  for (unsigned i = 0; i < size; ++i) {
    u32 a = address + i;
    u8 byte = static_cast<u8>(value >> (8 * i));
    if (in_data(a, 1)) m_case.data[a - kDataBase] = byte;
    else m_case.stack.at(a - kStackBase) = byte;
  }
}

RmOperand CaseBuilder::rm_register(u8 r) {
  RmOperand rm;
  rm.reg = r;
  rm.mod = 3;
  rm.rm = r;
  return rm;
}

RmOperand CaseBuilder::rm_any(unsigned size, unsigned memory_percent) {
  if (!m_rng.chance(memory_percent)) return rm_register(static_cast<u8>(m_rng.below(8)));
  MemoryRequest request;
  request.size = size;
  RmOperand rm = rm_memory(request);
  store(rm.address, edge(size), size);
  return rm;
}

u32 CaseBuilder::get(const RmOperand& rm, unsigned size) const {
  return rm.memory ? static_cast<u32>(load(rm.address, size)) : get_reg(rm.reg, size);
}

bool CaseBuilder::put(const RmOperand& rm, unsigned size, u32 value) {
  if (!rm.memory) return put_reg(rm.reg, size, value);
  store(rm.address, value, size);
  return true;
}

// A random address in the data buffer for an access of request.size bytes, usually
// aligned to that size (misaligned accesses are legal and tested, just less often).
u32 CaseBuilder::pick_target(const MemoryRequest& request) {
  if (request.exact) return request.target;
  if (request.no_access) return m_rng.edge32();
  u32 address = kDataBase + m_rng.below(kDataSize - request.size + 1);
  if (m_rng.chance(70)) address &= ~(request.size >= 4 ? 3u : request.size - 1);
  return address;
}

// Choose a 16-bit addressing form (SDM Vol. 2 Table 2-1).
bool CaseBuilder::plan_address16(const MemoryRequest&, AddressPlan& plan) {
  plan.addr16 = true;
  plan.rm16 = static_cast<u8>(m_rng.below(8));
  unsigned mod = m_rng.below(3);
  if (plan.rm16 == 6 && mod == 0 && m_rng.chance(50)) mod = 1 + m_rng.below(2);
  bool absolute = plan.rm16 == 6 && mod == 0;
  plan.base = absolute ? -1 : kBase16[plan.rm16];
  plan.index = absolute ? -1 : kIndex16[plan.rm16];
  plan.disp_size = absolute ? 2 : (mod == 0 ? 0 : mod == 1 ? 1 : 2);
  return true;
}

// Choose a 32-bit addressing form (SDM Vol. 2 Tables 2-2 and 2-3), SIB forms included.
bool CaseBuilder::plan_address32(const MemoryRequest& request, AddressPlan& plan) {
  if (m_rng.chance(85)) {
    plan.base = static_cast<int>(m_rng.below(8));
    if (plan.base == ESP && !request.allow_esp_base) return false;
  }
  if (m_rng.chance(45)) {
    plan.index = static_cast<int>(m_rng.below(8));
    if (plan.index == ESP) plan.index = -1;  // index field 100b means "no index"
  }
  plan.ss_bits = static_cast<u8>(m_rng.below(4));
  plan.scale = plan.index < 0 ? 0 : 1u << plan.ss_bits;
  if (plan.base < 0) plan.disp_size = 4;
  else plan.disp_size = m_rng.pick({0u, 1u, 4u});
  if (plan.base == EBP && plan.disp_size == 0) plan.disp_size = 1;  // mod 00 r/m 101 is disp32
  plan.sib = plan.base == ESP || plan.index >= 0 || m_rng.chance(12);
  return true;
}

// Give the plan's free registers values (and pick a displacement) so that the effective
// address is `target`, or close below it when a scale makes it unreachable. Registers
// already pinned keep their values; if none is free and the displacement is short, the
// address is whatever they produce. Sets plan.address from the final values either way.
void CaseBuilder::solve(AddressPlan& plan, u32 target, u32 width_mask) {
  u32 fixed = 0;
  int free_regs[2];
  u32 coef[2];
  int n = 0;
  auto term = [&](int r, u32 c) {
    if (r < 0 || c == 0) return;
    if (pinned(static_cast<u8>(r))) fixed += m_case.regs[r] * c;
    else if (n > 0 && free_regs[n - 1] == r) coef[n - 1] += c;
    else { free_regs[n] = r; coef[n] = c; ++n; }
  };
  term(plan.base, 1);
  term(plan.index, plan.addr16 ? 1 : plan.scale);
  if (plan.disp_size == 1) plan.disp = sign_extend8(m_rng.next32() & 0xFF);
  else if (plan.disp_size == 2) plan.disp = n ? m_rng.edge32() & 0xFFFF : (target - fixed) & 0xFFFF;
  else if (plan.disp_size == 4)
    plan.disp = n ? (m_rng.chance(50) ? m_rng.edge32() : m_rng.range(0, 0x400) - 0x200) : target - fixed;
  u32 remainder = target - fixed - plan.disp;
  auto assign = [&](int slot, int r, u32 low) {
    plan.assigned[slot] = r;
    plan.values[slot] = (m_rng.next32() & ~width_mask) | (low & width_mask);
  };
  if (n == 2) {  // the index gets a random (often edge) value; the base absorbs the rest
    assign(1, free_regs[1], m_rng.edge32());
    remainder -= coef[1] * plan.values[1];
  }
  if (n >= 1) assign(0, free_regs[0], solve_multiple(m_rng, coef[0], remainder, width_mask));
  plan.address = plan.evaluate(m_case.regs, width_mask);
}

void CaseBuilder::maybe_segment_override() {
  if (!m_rng.chance(20)) return;
  switch (m_rng.below(3)) {
    case 0: prefix(0x26); note("ES:"); break;
    case 1: prefix(0x36); note("SS:"); break;
    default: prefix(0x3E); note("DS:"); break;
  }
}

RmOperand CaseBuilder::rm_memory(const MemoryRequest& request) {
  bool a16 = request.allow_addr16 && m_rng.chance(25);
  u32 width_mask = a16 ? 0xFFFF : 0xFFFFFFFF;
  AddressPlan plan;
  bool found = false;
  for (int attempt = 0; attempt < 64 && !found; ++attempt) {
    plan = AddressPlan{};
    u32 target = pick_target(request);
    if (!(a16 ? plan_address16(request, plan) : plan_address32(request, plan))) continue;
    solve(plan, target, width_mask);
    bool inside = request.no_access || in_data(plan.address, request.size) ||
                  in_stack(plan.address, request.size);
    found = inside && (!request.exact || plan.address == request.target);
  }
  if (!found) {  // an absolute displacement reaches any address
    plan = AddressPlan{};
    plan.addr16 = a16;
    plan.rm16 = 6;
    plan.disp_size = a16 ? 2 : 4;
    solve(plan, pick_target(request), width_mask);
  }
  for (int s = 0; s < 2; ++s)
    if (plan.assigned[s] >= 0) pin(static_cast<u8>(plan.assigned[s]), plan.values[s]);
  RmOperand rm = encode(plan);
  if (plan.addr16) {
    prefix(0x67);
    note("a16");
  }
  note("mem");
  if (request.allow_segment) maybe_segment_override();
  return rm;
}

// ModRM r/m and mod fields, SIB byte and displacement for a solved plan (SDM Vol. 2,
// Tables 2-1 to 2-3).
RmOperand CaseBuilder::encode(const AddressPlan& plan) {
  RmOperand rm;
  rm.memory = true;
  rm.address = plan.address;
  u8 mod_for_disp = plan.disp_size == 0 ? 0 : plan.disp_size == 1 ? 1 : 2;
  if (plan.addr16) {
    rm.rm = plan.rm16;
    rm.mod = plan.base < 0 && plan.index < 0 ? 0 : mod_for_disp;
  } else {
    rm.mod = plan.base < 0 ? 0 : mod_for_disp;
    rm.rm = plan.sib ? 4 : plan.base < 0 ? 5 : static_cast<u8>(plan.base);
    if (plan.sib) {
      u8 index = plan.index < 0 ? 4 : static_cast<u8>(plan.index);
      u8 base = plan.base < 0 ? 5 : static_cast<u8>(plan.base);
      rm.tail.push_back(static_cast<u8>((plan.ss_bits << 6) | (index << 3) | base));
    }
  }
  for (unsigned i = 0; i < plan.disp_size; ++i) rm.tail.push_back(static_cast<u8>(plan.disp >> (8 * i)));
  return rm;
}

void CaseBuilder::prefix(u8 byte) {
  for (u8 p : m_prefixes)
    if (p == byte) return;
  m_prefixes.push_back(byte);
}

void CaseBuilder::maybe_lock(const RmOperand& rm) {
  if (rm.memory && m_rng.chance(20)) {
    prefix(0xF0);
    note("lock");
  }
}

void CaseBuilder::emit(std::initializer_list<u8> bytes) { m_body.insert(m_body.end(), bytes); }

void CaseBuilder::emit_modrm(const RmOperand& rm, u8 reg_field) {
  m_body.push_back(static_cast<u8>((rm.mod << 6) | ((reg_field & 7) << 3) | rm.rm));
  m_body.insert(m_body.end(), rm.tail.begin(), rm.tail.end());
}

void CaseBuilder::emit_imm(u32 value, unsigned size) {
  for (unsigned i = 0; i < size; ++i) m_body.push_back(static_cast<u8>(value >> (8 * i)));
}

void CaseBuilder::patch(u32 at, u32 value, unsigned size) {
  for (unsigned i = 0; i < size; ++i) m_body.at(at + i) = static_cast<u8>(value >> (8 * i));
}

void CaseBuilder::note(std::string_view word) { m_notes.emplace_back(word); }

void CaseBuilder::finish() {
  for (size_t i = m_prefixes.size(); i > 1; --i)
    std::swap(m_prefixes[i - 1], m_prefixes[m_rng.below(static_cast<u32>(i))]);
  m_case.code = m_prefixes;
  m_case.code.insert(m_case.code.end(), m_body.begin(), m_body.end());
  if (m_case.code.size() > kCodeMax)
    throw std::logic_error("conformance generator: case longer than kCodeMax: " + m_case.form);
  m_case.detail.clear();
  for (const std::string& word : m_notes) {
    if (!m_case.detail.empty()) m_case.detail += ' ';
    m_case.detail += word;
  }
}

}  // namespace vmlab::conformance
