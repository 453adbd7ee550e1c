// Bit instructions and condition-code consumers: BT/BTS/BTR/BTC (register and immediate
// bit offsets), BSF/BSR, SETcc, CMOVcc and BSWAP (SDM Vol. 2 pages of the same names).
#include <algorithm>

#include "tests/conformance/oracle/forms.h"
#include "tests/conformance/oracle/undefined_flags.h"

namespace vmlab::conformance {
namespace {

constexpr const char* kBitTestNames[4] = {"BT", "BTS", "BTR", "BTC"};
constexpr u8 kBitTestRegOpcodes[4] = {0xA3, 0xAB, 0xB3, 0xBB};

// A memory operand with a register bit offset addresses beyond the operand: the access
// is at EA + size * (offset SAR log2(8*size)) (SDM "BT", Table 3-2 and the operation
// section). Choose the accessed location and the EA inside the buffer, then derive the
// offset, so offsets reach both far forwards and far backwards without faulting.
bool bit_test_memory(CaseBuilder& b, unsigned op, unsigned size, RmOperand& rm, u8& offset_reg) {
  Rng& rng = b.rng();
  offset_reg = b.unpinned_reg();
  u32 ea = kDataBase + rng.below(kDataSize - 4);
  if (rng.chance(70)) ea &= ~(size - 1);
  // k = units of `size` bytes from EA to the accessed location; the processor may read a
  // full dword there, so keep 4 bytes inside the buffer.
  i64 lowest = -static_cast<i64>((ea - kDataBase) / size);
  i64 highest = static_cast<i64>((kDataBase + kDataSize - 4 - ea) / size);
  i64 k = static_cast<i64>(rng.below(17)) - 8;  // short offsets, often negative
  if (rng.chance(50)) k = lowest + rng.below(static_cast<u32>(highest - lowest + 1));
  k = std::clamp(k, lowest, highest);
  i64 offset = k * 8 * size + rng.below(8 * size);
  if (size == 2 && (offset < -32768 || offset > 32767)) return false;
  u32 value = static_cast<u32>(offset);
  if (size == 2) value = (rng.next32() & 0xFFFF0000u) | (value & 0xFFFF);
  b.pin(offset_reg, value);
  MemoryRequest request;
  request.size = size;
  request.exact = true;
  request.target = ea;
  request.allow_esp_base = false;
  rm = b.rm_memory(request);
  if (op != 0) b.maybe_lock(rm);
  return rm.address == ea;
}

// BT/BTS/BTR/BTC r/m, r (0F A3/AB/B3/BB).
bool bit_test_reg(CaseBuilder& b, unsigned op, unsigned size) {
  operand_size(b, size);
  RmOperand rm;
  u8 offset_reg = static_cast<u8>(b.rng().below(8));
  if (b.rng().chance(60)) {
    if (!bit_test_memory(b, op, size, rm, offset_reg)) return false;
  } else {
    rm = b.rm_register(static_cast<u8>(b.rng().below(8)));
  }
  b.emit({0x0F, kBitTestRegOpcodes[op]});
  b.emit_modrm(rm, offset_reg);
  b.undefined_flags(kUndefinedBitTest);
  return true;
}

// BT/BTS/BTR/BTC r/m, imm8 (0F BA /4../7): the offset is taken modulo the operand width.
bool bit_test_imm(CaseBuilder& b, unsigned op, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  if (op != 0) b.maybe_lock(rm);
  b.emit({0x0F, 0xBA});
  b.emit_modrm(rm, static_cast<u8>(4 + op));
  b.emit_imm(b.rng().chance(70) ? b.rng().below(8 * size) : b.rng().below(256), 1);
  b.undefined_flags(kUndefinedBitTest);
  return true;
}

// BSF/BSR r, r/m (0F BC/BD). A zero source sets ZF and leaves the destination undefined.
bool bit_scan(CaseBuilder& b, bool reverse, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  if (b.rng().chance(20)) b.put(rm, size, 0);
  else if (b.rng().chance(30)) b.put(rm, size, 1u << b.rng().below(8 * size));
  u8 dest = static_cast<u8>(b.rng().below(8));
  b.emit({0x0F, static_cast<u8>(reverse ? 0xBD : 0xBC)});
  b.emit_modrm(rm, dest);
  b.undefined_flags(kUndefinedBitScan);
  if (b.get(rm, size) == 0) b.undefined_reg(dest);
  return true;
}

// SETcc r/m8 (0F 90+cc).
bool set_cc(CaseBuilder& b, unsigned cc) {
  RmOperand rm = b.rm_any(1);
  b.emit({0x0F, static_cast<u8>(0x90 + cc)});
  b.emit_modrm(rm, 0);
  return true;
}

// CMOVcc r, r/m (0F 40+cc); a 16-bit variant now and then.
bool cmov_cc(CaseBuilder& b, unsigned cc) {
  unsigned size = b.rng().chance(30) ? 2 : 4;
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  b.emit({0x0F, static_cast<u8>(0x40 + cc)});
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  return true;
}

// BSWAP r32 (0F C8+r).
bool bswap(CaseBuilder& b) {
  b.emit({0x0F, static_cast<u8>(0xC8 + b.rng().below(8))});
  return true;
}

}  // namespace

void add_bit_forms(FormList& forms) {
  for (unsigned op = 0; op < 4; ++op) {
    std::string name = kBitTestNames[op];
    for (unsigned size : {2u, 4u}) {
      forms.push_back({sized(name + " r/m#, r#", size), 2 * kDefaultCount,
                       [=](CaseBuilder& b) { return bit_test_reg(b, op, size); }});
      forms.push_back({sized(name + " r/m#, imm8", size), kDefaultCount,
                       [=](CaseBuilder& b) { return bit_test_imm(b, op, size); }});
    }
  }
  for (unsigned size : {2u, 4u}) {
    forms.push_back({sized("BSF r#, r/m#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return bit_scan(b, false, size); }});
    forms.push_back({sized("BSR r#, r/m#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return bit_scan(b, true, size); }});
  }
  for (unsigned cc = 0; cc < 16; ++cc) {
    forms.push_back({std::string("SET") + kConditionNames[cc] + " r/m8", kDefaultCount / 2,
                     [=](CaseBuilder& b) { return set_cc(b, cc); }});
    forms.push_back({std::string("CMOV") + kConditionNames[cc] + " r, r/m", kDefaultCount / 2,
                     [=](CaseBuilder& b) { return cmov_cc(b, cc); }});
  }
  forms.push_back({"BSWAP r32", kDefaultCount / 2, [](CaseBuilder& b) { return bswap(b); }});
}

}  // namespace vmlab::conformance
