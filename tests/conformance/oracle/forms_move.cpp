// Data movement without exchange: MOV in its general, immediate and moffs encodings,
// MOVZX/MOVSX, LEA and the multi-byte NOP (SDM Vol. 2 pages of the same names).
// MOV to or from segment registers is not generated: see forms.h.
#include "tests/conformance/oracle/forms.h"

namespace vmlab::conformance {
namespace {

// MOV r/m, r (88/89) and MOV r, r/m (8A/8B).
bool mov_rm(CaseBuilder& b, unsigned size, bool to_reg) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  b.emit_byte(static_cast<u8>((to_reg ? 0x8A : 0x88) + (size == 1 ? 0 : 1)));
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  return true;
}

// MOV r, imm with the register in the opcode (B0+r, B8+r).
bool mov_reg_imm(CaseBuilder& b, unsigned size) {
  operand_size(b, size);
  b.emit_byte(static_cast<u8>((size == 1 ? 0xB0 : 0xB8) + b.rng().below(8)));
  b.emit_imm(b.edge(size), size);
  return true;
}

// MOV r/m, imm (C6/C7 /0).
bool mov_rm_imm(CaseBuilder& b, unsigned size) {
  operand_size(b, size);
  RmOperand rm = b.rm_any(size);
  b.emit_byte(size == 1 ? 0xC6 : 0xC7);
  b.emit_modrm(rm, 0);
  b.emit_imm(b.edge(size), size);
  return true;
}

// MOV AL/AX/EAX, moffs (A0/A1) and MOV moffs, AL/AX/EAX (A2/A3). The offset is 32 bits,
// or 16 bits under the address-size prefix.
bool mov_moffs(CaseBuilder& b, unsigned size, bool store) {
  Rng& rng = b.rng();
  operand_size(b, size);
  bool a16 = rng.chance(30);
  if (a16) {
    b.prefix(0x67);
    b.note("a16");
  }
  b.maybe_segment_override();
  u32 address = kDataBase + rng.below(kDataSize - size + 1);
  if (!store) b.store(address, b.edge(size), size);
  b.emit_byte(static_cast<u8>((store ? 0xA2 : 0xA0) + (size == 1 ? 0 : 1)));
  b.emit_imm(address, a16 ? 2 : 4);
  return true;
}

// MOVZX/MOVSX r, r/m8 (0F B6/BE) and r, r/m16 (0F B7/BF).
bool mov_extend(CaseBuilder& b, bool sign, unsigned dest_size, unsigned source_size) {
  operand_size(b, dest_size);
  RmOperand rm = b.rm_any(source_size);
  u8 opcode = static_cast<u8>((sign ? 0xBE : 0xB6) + (source_size == 2 ? 1 : 0));
  b.emit({0x0F, opcode});
  b.emit_modrm(rm, static_cast<u8>(b.rng().below(8)));
  return true;
}

// LEA r, m (8D) and NOP r/m (0F 1F /0): the address is computed, nothing is accessed,
// so registers and displacements take any value and the arithmetic wraps freely.
bool address_only(CaseBuilder& b, unsigned size, bool is_nop) {
  operand_size(b, size);
  MemoryRequest request;
  request.no_access = true;
  RmOperand rm = is_nop && b.rng().chance(30) ? b.rm_register(static_cast<u8>(b.rng().below(8)))
                                              : b.rm_memory(request);
  if (is_nop) b.emit({0x0F, 0x1F});
  else b.emit_byte(0x8D);
  b.emit_modrm(rm, is_nop ? 0 : static_cast<u8>(b.rng().below(8)));
  return true;
}

}  // namespace

void add_move_forms(FormList& forms) {
  for (unsigned size : {1u, 2u, 4u}) {
    forms.push_back({sized("MOV r/m#, r#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return mov_rm(b, size, false); }});
    forms.push_back({sized("MOV r#, r/m#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return mov_rm(b, size, true); }});
    forms.push_back({sized("MOV r#, imm# (B0/B8+r)", size), kDefaultCount / 2,
                     [=](CaseBuilder& b) { return mov_reg_imm(b, size); }});
    forms.push_back({sized("MOV r/m#, imm#", size), kDefaultCount,
                     [=](CaseBuilder& b) { return mov_rm_imm(b, size); }});
    forms.push_back({std::string("MOV ") + accumulator(size) + ", moffs" + bits(size), kDefaultCount,
                     [=](CaseBuilder& b) { return mov_moffs(b, size, false); }});
    forms.push_back({"MOV moffs" + bits(size) + ", " + accumulator(size), kDefaultCount,
                     [=](CaseBuilder& b) { return mov_moffs(b, size, true); }});
  }
  for (bool sign : {false, true}) {
    std::string name = sign ? "MOVSX" : "MOVZX";
    for (unsigned dest : {2u, 4u}) {
      forms.push_back({name + " r" + bits(dest) + ", r/m8", kDefaultCount,
                       [=](CaseBuilder& b) { return mov_extend(b, sign, dest, 1); }});
      forms.push_back({name + " r" + bits(dest) + ", r/m16", kDefaultCount / 2,
                       [=](CaseBuilder& b) { return mov_extend(b, sign, dest, 2); }});
    }
  }
  for (unsigned size : {2u, 4u}) {
    forms.push_back({sized("LEA r#, m", size), 2 * kDefaultCount,
                     [=](CaseBuilder& b) { return address_only(b, size, false); }});
    forms.push_back({sized("NOP r/m#", size), kDefaultCount / 2,
                     [=](CaseBuilder& b) { return address_only(b, size, true); }});
  }
}

}  // namespace vmlab::conformance
