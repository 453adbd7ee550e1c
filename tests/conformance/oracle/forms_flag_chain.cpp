// Flag chains: short sequences of register instructions where later ones keep or read
// flags that earlier ones produced (SDM Vol. 1, 3.4.3.1 and Appendix A, "EFLAGS
// Cross-Reference").
//
// A single-instruction case starts from flags loaded whole, so it cannot catch the
// classic bug of an emulator that computes flags lazily: INC must keep the CF of the ADD
// before it, a shift by 0 must keep everything, BT must keep ZF, SAHF must keep OF, and a
// SETcc/Jcc/ADC after any of them must see the right value. Each case here starts with a
// flag-producing step and adds up to three more, across block boundaries (Jcc, LOOPcc).
//
// The chain tracks which flags are undefined so far. A step may only read flags that are
// defined; the flags still undefined at the end are masked like any case's.
#include "tests/conformance/oracle/forms.h"
#include "tests/conformance/oracle/undefined_flags.h"

namespace vmlab::conformance {
namespace {

constexpr u32 CF = EFLAGS_CF, PF = EFLAGS_PF, AF = EFLAGS_AF, ZF = EFLAGS_ZF, SF = EFLAGS_SF,
              OF = EFLAGS_OF, DF = EFLAGS_DF;

// What a step does to the flags, decided while it is built.
struct FlagEffect {
  u32 reads = 0;      // flags whose values the step consumes
  u32 writes = 0;     // flags it sets (defined unless also in `undefined`)
  u32 undefined = 0;  // flags it leaves undefined
};

// A step builds itself if it can avoid reading any flag in `undefined_now`.
using Step = bool (*)(CaseBuilder& b, u32 undefined_now, FlagEffect& effect);

// Flags each condition code tests, in encoding order (SDM Vol. 1, Table B-1).
constexpr u32 kConditionFlags[8] = {OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF};
u32 condition_flags(unsigned cc) { return kConditionFlags[cc >> 1]; }

// A register operand that is not ESP (a chain may PUSHF later) for sizes 2 and 4.
u8 chain_reg(Rng& rng, unsigned size) {
  u8 r = static_cast<u8>(rng.below(8));
  return size != 1 && r == ESP ? static_cast<u8>(EBP) : r;
}

unsigned chain_size(CaseBuilder& b) {
  unsigned size = b.rng().pick({1u, 2u, 4u, 4u});
  if (size == 2) b.emit_byte(0x66);  // inline: only the first instruction may use prefix()
  return size;
}

void modrm_reg(CaseBuilder& b, u8 reg_field, u8 rm) { b.emit_byte(static_cast<u8>(0xC0 | (reg_field << 3) | rm)); }

bool alu(CaseBuilder& b, u32 undefined_now, FlagEffect& e) {
  unsigned op = b.rng().below(8);
  if ((op == 2 || op == 3) && (undefined_now & CF)) op = 0;  // ADC/SBB read CF
  unsigned size = chain_size(b);
  b.emit_byte(static_cast<u8>(8 * op + (size == 1 ? 0 : 1)));
  modrm_reg(b, chain_reg(b.rng(), size), chain_reg(b.rng(), size));
  e = {op == 2 || op == 3 ? CF : 0, EFLAGS_ARITH, (op == 1 || op == 4 || op == 6) ? kUndefinedLogic : 0};
  static constexpr const char* kNames[8] = {"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP"};
  b.note(kNames[op] + bits(size));
  return true;
}

bool inc_dec_neg(CaseBuilder& b, u32, FlagEffect& e) {
  unsigned which = b.rng().below(3);
  unsigned size = chain_size(b);
  b.emit_byte(size == 1 ? (which == 2 ? 0xF6 : 0xFE) : (which == 2 ? 0xF7 : 0xFF));
  modrm_reg(b, static_cast<u8>(which == 2 ? 3 : which), chain_reg(b.rng(), size));
  e = {0, which == 2 ? EFLAGS_ARITH : EFLAGS_ARITH & ~CF, 0};
  b.note(which == 0 ? "INC" : which == 1 ? "DEC" : "NEG");
  return true;
}

// SHL/SHR/SAR by 1..width-1 (CF defined), ROL/ROR by any non-zero count, RCL/RCR by 1.
bool shift_rotate(CaseBuilder& b, u32 undefined_now, FlagEffect& e) {
  ShiftOp op = b.rng().pick({ShiftOp::Shl, ShiftOp::Shr, ShiftOp::Sar, ShiftOp::Rol, ShiftOp::Ror,
                             ShiftOp::Rcl, ShiftOp::Rcr});
  bool through_carry = op == ShiftOp::Rcl || op == ShiftOp::Rcr;
  if (through_carry && (undefined_now & CF)) op = ShiftOp::Rol;
  through_carry = op == ShiftOp::Rcl || op == ShiftOp::Rcr;
  unsigned size = chain_size(b);
  bool rotate = op == ShiftOp::Rol || op == ShiftOp::Ror || through_carry;
  u32 count = through_carry ? 1 : rotate ? b.rng().range(1, 31) : b.rng().range(1, 8 * size - 1);
  b.emit_byte(static_cast<u8>(size == 1 ? 0xC0 : 0xC1));
  modrm_reg(b, static_cast<u8>(op), chain_reg(b.rng(), size));
  b.emit_imm(count, 1);
  e = {through_carry ? CF : 0, rotate ? CF | OF : EFLAGS_ARITH, undefined_after_shift(op, size, count)};
  b.note(rotate ? "ROTATE" : "SHIFT");
  return true;
}

// A shift whose count is 0 (immediate, or CL after MOV CL, 0) changes no flag at all.
bool shift_by_zero(CaseBuilder& b, u32, FlagEffect& e) {
  u8 op = b.rng().pick<u8>({0, 1, 4, 5, 7});
  u8 reg = chain_reg(b.rng(), 4);
  if (b.rng().chance(50)) {
    b.emit({0xC1});
    modrm_reg(b, op, reg);
    b.emit_byte(b.rng().pick<u8>({0x00, 0x20, 0x40}));  // masked to 0
  } else {
    b.emit({0xB1, 0x00, 0xD3});  // MOV CL, 0 then D3 /op
    modrm_reg(b, op, reg);
  }
  e = {};
  b.note("SHIFT0");
  return true;
}

bool imul_or_bt(CaseBuilder& b, u32, FlagEffect& e) {
  bool bt = b.rng().chance(50);
  b.emit({0x0F, static_cast<u8>(bt ? 0xA3 : 0xAF)});
  modrm_reg(b, chain_reg(b.rng(), 4), chain_reg(b.rng(), 4));
  e = bt ? FlagEffect{0, CF, kUndefinedBitTest} : FlagEffect{0, EFLAGS_ARITH, kUndefinedMultiply};
  b.note(bt ? "BT" : "IMUL");
  return true;
}

// SAHF writes SF ZF AF PF CF from AH and keeps OF; LAHF reads them into AH.
bool sahf_lahf(CaseBuilder& b, u32 undefined_now, FlagEffect& e) {
  constexpr u32 kAhFlags = SF | ZF | AF | PF | CF;
  bool lahf = b.rng().chance(50) && !(undefined_now & kAhFlags);
  b.emit_byte(lahf ? 0x9F : 0x9E);
  e = lahf ? FlagEffect{kAhFlags, 0, 0} : FlagEffect{0, kAhFlags, 0};
  b.note(lahf ? "LAHF" : "SAHF");
  return true;
}

bool flag_op(CaseBuilder& b, u32 undefined_now, FlagEffect& e) {
  u8 opcode = b.rng().pick<u8>({0xF8, 0xF9, 0xF5, 0xFC, 0xFD});  // CLC STC CMC CLD STD
  if (opcode == 0xF5 && (undefined_now & CF)) opcode = 0xF9;
  b.emit_byte(opcode);
  bool direction = opcode == 0xFC || opcode == 0xFD;
  e = {opcode == 0xF5 ? CF : 0, direction ? DF : CF, 0};
  b.note(opcode == 0xF8 ? "CLC" : opcode == 0xF9 ? "STC" : opcode == 0xF5 ? "CMC" : opcode == 0xFC ? "CLD" : "STD");
  return true;
}

// DAA DAS AAA AAS read AF and CF.
bool decimal_adjust(CaseBuilder& b, u32 undefined_now, FlagEffect& e) {
  if (undefined_now & (AF | CF)) return false;
  u8 opcode = b.rng().pick<u8>({0x27, 0x2F, 0x37, 0x3F});
  b.emit_byte(opcode);
  bool ascii = opcode == 0x37 || opcode == 0x3F;
  e = {AF | CF, EFLAGS_ARITH, ascii ? kUndefinedAsciiAdjust : kUndefinedDecimalAdjust};
  b.note(ascii ? "AAA/AAS" : "DAA/DAS");
  return true;
}

// SETcc r8, CMOVcc r32, r32 or Jcc over a marker, on a condition whose flags are defined.
bool condition_reader(CaseBuilder& b, u32 undefined_now, FlagEffect& e) {
  unsigned cc = b.rng().below(16);
  for (int tries = 0; tries < 16 && (condition_flags(cc) & undefined_now); ++tries) cc = (cc + 1) % 16;
  if (condition_flags(cc) & undefined_now) return false;
  switch (b.rng().below(3)) {
    case 0:
      b.emit({0x0F, static_cast<u8>(0x90 + cc)});
      modrm_reg(b, 0, chain_reg(b.rng(), 1));
      b.note(std::string("SET") + kConditionNames[cc]);
      break;
    case 1:
      b.emit({0x0F, static_cast<u8>(0x40 + cc)});
      modrm_reg(b, chain_reg(b.rng(), 4), chain_reg(b.rng(), 4));
      b.note(std::string("CMOV") + kConditionNames[cc]);
      break;
    default:
      b.emit({static_cast<u8>(0x70 + cc), 0x03, 0x8D, 0x76, 0x01});  // Jcc over LEA ESI, [ESI+1]
      b.note(std::string("J") + kConditionNames[cc]);
      break;
  }
  e = {condition_flags(cc), 0, 0};
  return true;
}

// LOOPE/LOOPNE over a marker (reads ZF, changes ECX), or PUSHF (reads every flag).
bool loop_or_pushf(CaseBuilder& b, u32 undefined_now, FlagEffect& e) {
  if (b.rng().chance(50)) {
    if (undefined_now & ZF) return false;
    b.emit({b.rng().pick<u8>({0xE0, 0xE1}), 0x03, 0x8D, 0x76, 0x01});
    e = {ZF, 0, 0};
    b.note("LOOPcc");
    return true;
  }
  if (undefined_now) return false;
  b.emit_byte(0x9C);
  e = {kComparedFlags, 0, 0};
  b.note("PUSHF");
  return true;
}

// MOV, LEA, NOT, BSWAP, XCHG: change registers, never flags.
bool flag_neutral(CaseBuilder& b, u32, FlagEffect& e) {
  u8 reg = chain_reg(b.rng(), 4);
  switch (b.rng().below(4)) {
    case 0: b.emit_byte(static_cast<u8>(0xB8 + reg)); b.emit_imm(b.rng().edge32(), 4); break;
    case 1: b.emit({0x8D, static_cast<u8>(0x40 | (reg << 3) | reg), 0x7F}); break;
    case 2: b.emit_byte(0xF7); modrm_reg(b, 2, reg); break;
    default: b.emit({0x0F, static_cast<u8>(0xC8 + reg)}); break;
  }
  e = {};
  b.note("NEUTRAL");
  return true;
}

constexpr Step kFollowers[] = {alu, inc_dec_neg, shift_rotate, shift_by_zero, imul_or_bt, sahf_lahf,
                               flag_op, decimal_adjust, condition_reader, loop_or_pushf, flag_neutral};

// Append a random step that reads only defined flags; false if none was found.
bool append(CaseBuilder& b, const Step* steps, size_t count, u32& undefined) {
  for (int tries = 0; tries < 32; ++tries) {
    FlagEffect e;
    if (!steps[b.rng().below(static_cast<u32>(count))](b, undefined, e)) continue;
    if (e.reads & undefined) return false;  // a step that misreports what it reads
    undefined = (undefined & ~e.writes) | e.undefined;
    return true;
  }
  return false;
}

// Steps whose whole point is to read flags: they end most chains.
constexpr Step kReaders[] = {condition_reader, condition_reader, sahf_lahf, loop_or_pushf, alu};

// One chain: `first`, up to two followers, then usually a reader of the flags.
bool chain(CaseBuilder& b, Step first) {
  u32 undefined = 0;
  FlagEffect e;
  if (!first(b, undefined, e)) return false;
  undefined = (undefined & ~e.writes) | e.undefined;
  unsigned followers = b.rng().below(3);
  for (unsigned i = 0; i < followers; ++i)
    if (!append(b, kFollowers, sizeof kFollowers / sizeof kFollowers[0], undefined)) return false;
  if ((followers == 0 || b.rng().chance(70)) &&
      !append(b, kReaders, sizeof kReaders / sizeof kReaders[0], undefined))
    return false;
  b.undefined_flags(undefined);
  return true;
}

}  // namespace

void add_flag_chain_forms(FormList& forms) {
  struct Producer {
    const char* name;
    Step step;
  };
  for (Producer p : {Producer{"ALU r, r", alu}, Producer{"INC/DEC/NEG r", inc_dec_neg},
                     Producer{"shift/rotate r, imm8", shift_rotate}, Producer{"IMUL/BT r, r", imul_or_bt},
                     Producer{"SAHF/LAHF", sahf_lahf}, Producer{"CLC/STC/CMC/CLD/STD", flag_op},
                     Producer{"DAA/DAS/AAA/AAS", decimal_adjust}})
    forms.push_back({std::string("flag chain from ") + p.name, 2 * kDefaultCount,
                     [step = p.step](CaseBuilder& b) { return chain(b, step); }});
}

}  // namespace vmlab::conformance
