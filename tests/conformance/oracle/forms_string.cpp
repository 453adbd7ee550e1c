// String instructions: MOVS, CMPS, SCAS, LODS, STOS for bytes, words and dwords, alone
// and under REP / REPE / REPNE (SDM Vol. 2 pages of the same names and "REP/REPE/REPZ/
// REPNE/REPNZ"), in both directions (DF) and with 16-bit addressing (SI, DI, CX).
//
// Pointers are placed so that every element the instruction may touch lies inside the
// data buffer in the direction DF selects; counts stay small. For REPE/REPNE the
// operands are arranged so that the repetition usually stops on the comparison rather
// than on the count.
#include "tests/conformance/oracle/forms.h"

namespace vmlab::conformance {
namespace {

enum class StringOp : u8 { Movs, Cmps, Scas, Lods, Stos };
enum class Repeat : u8 { None, Rep, Repne };  // Rep is REP or REPE (F3), Repne is F2

struct StringForm {
  StringOp op;
  const char* name;
  u8 opcode8;  // the byte form; the word/dword form is opcode8 + 1
  bool reads_source;  // uses DS:ESI (which a segment prefix may override)
  bool uses_dest;     // uses ES:EDI
};

constexpr StringForm kStringForms[] = {
    {StringOp::Movs, "MOVS", 0xA4, true, true},  {StringOp::Cmps, "CMPS", 0xA6, true, true},
    {StringOp::Scas, "SCAS", 0xAE, false, true}, {StringOp::Lods, "LODS", 0xAC, true, false},
    {StringOp::Stos, "STOS", 0xAA, false, true},
};

// A pointer for `count` elements of `size` bytes walked in the DF direction, inside the
// data buffer. Returned as a register value: 16-bit addressing uses only the low half.
u32 string_pointer(Rng& rng, unsigned size, u32 count, bool down, bool a16) {
  u32 span = (count == 0 ? 1 : count) * size;
  u32 lowest = kDataBase + (down ? span - size : 0);
  u32 highest = kDataBase + kDataSize - (down ? size : span);
  u32 pointer = rng.range(lowest, highest);
  if (rng.chance(60)) pointer -= (pointer - lowest) % size;
  if (a16) pointer = (rng.next32() & 0xFFFF0000u) | pointer;
  return pointer;
}

u32 element_address(u32 pointer, u32 index, unsigned size, bool down, bool a16) {
  u32 start = a16 ? pointer & 0xFFFF : pointer;
  return down ? start - index * size : start + index * size;
}

// For REPE/REPNE: make the first `run` element comparisons come out equal (REPE) or
// unequal (REPNE) and the one after them the opposite, so the loop stops there.
void arrange_comparisons(CaseBuilder& b, const StringForm& form, Repeat repeat, unsigned size,
                         u32 count, bool down, bool a16) {
  u32 run = b.rng().below(count + 1);
  for (u32 i = 0; i < count; ++i) {
    bool want_equal = (i < run) == (repeat == Repeat::Rep);
    u32 dest = element_address(b.reg(EDI), i, size, down, a16);
    u32 other = form.op == StringOp::Cmps
                    ? static_cast<u32>(b.load(element_address(b.reg(ESI), i, size, down, a16), size))
                    : b.get_reg(EAX, size);
    u32 value = want_equal ? other : other ^ (1u << b.rng().below(8 * size));
    b.store(dest, value, size);
  }
}

bool string_case(CaseBuilder& b, const StringForm& form, unsigned size, Repeat repeat) {
  Rng& rng = b.rng();
  operand_size(b, size);
  bool a16 = rng.chance(30);
  bool down = rng.chance(40);
  Case& c = b.kase();
  c.eflags = down ? c.eflags | EFLAGS_DF : c.eflags & ~EFLAGS_DF;
  u32 count = repeat == Repeat::None ? 1 : (rng.chance(10) ? 0 : rng.range(1, 16));
  u32 ecx = repeat == Repeat::None ? rng.edge32() : count;
  if (a16) ecx = (rng.next32() & 0xFFFF0000u) | (ecx & 0xFFFF);
  b.pin(ECX, ecx);
  b.pin(ESI, string_pointer(rng, size, count, down, a16));
  b.pin(EDI, string_pointer(rng, size, count, down, a16));
  bool compares = form.op == StringOp::Cmps || form.op == StringOp::Scas;
  if (compares && repeat != Repeat::None) arrange_comparisons(b, form, repeat, size, count, down, a16);
  if (a16) {
    b.prefix(0x67);
    b.note("a16");
  }
  if (repeat != Repeat::None) b.prefix(repeat == Repeat::Rep ? 0xF3 : 0xF2);
  if (form.reads_source) b.maybe_segment_override();
  b.note(down ? "DF=1" : "DF=0");
  b.emit_byte(static_cast<u8>(size == 1 ? form.opcode8 : form.opcode8 + 1));
  return true;
}

std::string string_name(const StringForm& form, unsigned size, Repeat repeat) {
  bool compares = form.op == StringOp::Cmps || form.op == StringOp::Scas;
  std::string prefix = repeat == Repeat::None ? "" : repeat == Repeat::Repne ? "REPNE " : compares ? "REPE " : "REP ";
  const char* suffix = size == 1 ? "B" : size == 2 ? "W" : "D";
  return prefix + form.name + suffix;
}

}  // namespace

void add_string_forms(FormList& forms) {
  for (const StringForm& form : kStringForms) {
    bool compares = form.op == StringOp::Cmps || form.op == StringOp::Scas;
    for (unsigned size : {1u, 2u, 4u}) {
      for (Repeat repeat : {Repeat::None, Repeat::Rep, Repeat::Repne}) {
        if (repeat == Repeat::Repne && !compares) continue;  // F2 is only defined for CMPS/SCAS
        forms.push_back({string_name(form, size, repeat), kDefaultCount,
                         [=](CaseBuilder& b) { return string_case(b, form, size, repeat); }});
      }
    }
  }
}

}  // namespace vmlab::conformance
