// Exchanges and atomics: XCHG, XADD, CMPXCHG, CMPXCHG8B (SDM Vol. 2 pages of the same
// names). Compare-exchange cases make the comparison succeed about half the time.
#include "tests/conformance/oracle/forms.h"

namespace vmlab::conformance {
namespace {

// XCHG r/m, r (86/87); with a memory operand the processor locks whether or not LOCK is given.
bool xchg_rm(CaseBuilder& b, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  b.maybe_lock(rm);
  b.emit_byte(size == 1 ? 0x86 : 0x87);
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  return true;
}

// XCHG eAX, r (90+r; 90 itself is NOP).
bool xchg_acc(CaseBuilder& b, unsigned size) {
  operand_size(b, size);
  b.emit_byte(static_cast<u8>(0x90 + b.rng().below(8)));
  return true;
}

// XADD r/m, r (0F C0/C1).
bool xadd(CaseBuilder& b, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  b.maybe_lock(rm);
  b.emit({0x0F, static_cast<u8>(size == 1 ? 0xC0 : 0xC1)});
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  return true;
}

// CMPXCHG r/m, r (0F B0/B1): compares the accumulator with r/m.
bool cmpxchg(CaseBuilder& b, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  if (b.rng().chance(50) && !b.put_reg(EAX, size, b.get(rm, size))) b.put(rm, size, b.get_reg(EAX, size));
  b.maybe_lock(rm);
  b.emit({0x0F, static_cast<u8>(size == 1 ? 0xB0 : 0xB1)});
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  return true;
}

// CMPXCHG8B m64 (0F C7 /1): compares EDX:EAX with m64, stores ECX:EBX on a match.
bool cmpxchg8b(CaseBuilder& b) {
  MemoryRequest request;
  request.size = 8;
  RmOperand rm = b.rm_memory(request);
  u64 value = (static_cast<u64>(b.rng().edge32()) << 32) | b.rng().edge32();
  b.store(rm.address, value, 8);
  if (b.rng().chance(50)) {
    b.put_reg(EAX, 4, static_cast<u32>(value));
    b.put_reg(EDX, 4, static_cast<u32>(value >> 32));
  }
  b.maybe_lock(rm);
  b.emit({0x0F, 0xC7});
  b.emit_modrm(rm, 1);
  return true;
}

}  // namespace

void add_exchange_forms(FormList& forms) {
  for (unsigned size : {1u, 2u, 4u}) {
    forms.push_back({sized("XCHG r/m#, r#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return xchg_rm(b, size); }});
    forms.push_back({sized("XADD r/m#, r#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return xadd(b, size); }});
    forms.push_back({sized("CMPXCHG r/m#, r#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return cmpxchg(b, size); }});
  }
  for (unsigned size : {2u, 4u})
    forms.push_back({std::string("XCHG ") + accumulator(size) + ", r" + bits(size) + " (90+r)",
                     kDefaultCount / 2, [=](CaseBuilder& b) { return xchg_acc(b, size); }});
  forms.push_back({"CMPXCHG8B m64", kDefaultCount, [](CaseBuilder& b) { return cmpxchg8b(b); }});
}

}  // namespace vmlab::conformance
