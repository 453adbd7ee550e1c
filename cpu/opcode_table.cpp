// The opcode map of the i386 integer ISA plus the 486, Pentium and P6 additions
// (SDM Vol. 2, Appendix A), in one place. Read it as the table in the SDM: one line
// per opcode, mnemonic, whether a ModRM byte follows, the immediate, attributes, and the
// handler template.
//
// Handler-set macros pick the template instances for each (operand size, ModRM form):
//   B(fn, args...)   byte operation: fn<args..., 8, mem>
//   V(fn, args...)   word/dword:     fn<args..., 16|32, mem>
//   VM / VR          the same, but only the memory (VM) or register (VR) form is valid;
//                    the other form decodes to #UD
//   X(fn)            a plain function for every form
#include "cpu/opcode_table.h"

#include <array>

#include "cpu/exec/alu.h"
#include "cpu/exec/bits.h"
#include "cpu/exec/control.h"
#include "cpu/exec/data.h"
#include "cpu/exec/string.h"
#include "cpu/exec/system.h"

namespace vmlab {

// Misc handlers defined in exec_misc.cpp.
void op_salc(Cpu& cpu, const Insn& i);
void op_fpu_escape(Cpu& cpu, const Insn& i);
void op_wait(Cpu& cpu, const Insn& i);

namespace {

#define TI(fn, bits, mem, ...) &fn<__VA_ARGS__ __VA_OPT__(, ) bits, mem>
#define B(fn, ...) HandlerSet{{{TI(fn, 8, false, __VA_ARGS__), TI(fn, 8, true, __VA_ARGS__)}, \
                               {TI(fn, 8, false, __VA_ARGS__), TI(fn, 8, true, __VA_ARGS__)}}}
#define V(fn, ...) HandlerSet{{{TI(fn, 16, false, __VA_ARGS__), TI(fn, 16, true, __VA_ARGS__)}, \
                               {TI(fn, 32, false, __VA_ARGS__), TI(fn, 32, true, __VA_ARGS__)}}}
#define VM(fn, ...) HandlerSet{{{nullptr, TI(fn, 16, true, __VA_ARGS__)}, {nullptr, TI(fn, 32, true, __VA_ARGS__)}}}
#define VR(fn, ...) HandlerSet{{{TI(fn, 16, false, __VA_ARGS__), nullptr}, {TI(fn, 32, false, __VA_ARGS__), nullptr}}}
#define BM(fn, ...) HandlerSet{{{nullptr, TI(fn, 8, true, __VA_ARGS__)}, {nullptr, TI(fn, 8, true, __VA_ARGS__)}}}
#define X(fn) HandlerSet{{{&fn, &fn}, {&fn, &fn}}}

constexpr u8 L = OP_ENDS_BLOCK;
constexpr u8 K = OP_LOCKABLE;
constexpr bool M = true;   // has ModRM
constexpr bool N = false;  // no ModRM

using Table = std::array<OpcodeEntry, 512>;
using Group = std::array<OpcodeEntry, 8>;

OpcodeEntry op(const char* mnemonic, bool modrm, Imm imm, u8 attrs, HandlerSet h) {
  return OpcodeEntry{mnemonic, modrm, imm, attrs, h, nullptr};
}
OpcodeEntry group(const Group& g) { return OpcodeEntry{"group", true, Imm::None, 0, {}, g.data()}; }

// The eight ALU rows 00-3F share a shape: Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iz.
template <unsigned Op>
void alu_row(Table& t, u16 base, const char* name) {
  u8 lock = Op == kCmp ? 0 : K;
  t[base + 0] = op(name, M, Imm::None, lock, B(op_alu_rm_r, Op));
  t[base + 1] = op(name, M, Imm::None, lock, V(op_alu_rm_r, Op));
  t[base + 2] = op(name, M, Imm::None, 0, B(op_alu_r_rm, Op));
  t[base + 3] = op(name, M, Imm::None, 0, V(op_alu_r_rm, Op));
  t[base + 4] = op(name, N, Imm::Ib, 0, B(op_alu_acc_imm, Op));
  t[base + 5] = op(name, N, Imm::Iz, 0, V(op_alu_acc_imm, Op));
}

// Group 1 (80 81 82 83): ALU Eb,Ib / Ev,Iz / Ev,Ibs
template <unsigned Op>
void group1_row(Group& g8, Group& gz, Group& gs, const char* name) {
  u8 lock = Op == kCmp ? 0 : K;
  g8[Op] = op(name, M, Imm::Ib, lock, B(op_alu_rm_imm, Op));
  gz[Op] = op(name, M, Imm::Iz, lock, V(op_alu_rm_imm, Op));
  gs[Op] = op(name, M, Imm::Ibs, lock, V(op_alu_rm_imm, Op));
}

// Group 2 (C0 C1 D0 D1 D2 D3): shifts by imm8, by 1, by CL
template <unsigned Op>
void group2_row(std::array<Group, 6>& g, const char* name) {
  g[0][Op] = op(name, M, Imm::Ib, 0, B(op_shift, Op, 2));
  g[1][Op] = op(name, M, Imm::Ib, 0, V(op_shift, Op, 2));
  g[2][Op] = op(name, M, Imm::None, 0, B(op_shift, Op, 0));
  g[3][Op] = op(name, M, Imm::None, 0, V(op_shift, Op, 0));
  g[4][Op] = op(name, M, Imm::None, 0, B(op_shift, Op, 1));
  g[5][Op] = op(name, M, Imm::None, 0, V(op_shift, Op, 1));
}

// Jcc (70-7F, 0F 80-8F), CMOVcc (0F 40-4F), SETcc (0F 90-9F): one instance per condition.
template <unsigned CC>
void conditional_row(Table& t) {
  static const char* const kJcc[16] = {"jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
                                       "js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg"};
  t[0x70 + CC] = op(kJcc[CC], N, Imm::Jb, L, V(op_jcc, CC));
  t[0x180 + CC] = op(kJcc[CC], N, Imm::Jz, L, V(op_jcc, CC));
  t[0x140 + CC] = op("cmovcc", M, Imm::None, 0, V(op_cmovcc, CC));
  t[0x190 + CC] = op("setcc", M, Imm::None, 0, B(op_setcc, CC));
  if constexpr (CC < 15) conditional_row<CC + 1>(t);
}
void fill_conditional(Table& t) { conditional_row<0>(t); }

struct Groups {
  Group g80, g81, g83, g8f, gc6, gc7, gf6, gf7, gfe, gff, g0f00, g0f01, g0fba, g0fc7;
  std::array<Group, 6> shifts;
};

void fill_groups(Groups& g) {
  group1_row<kAdd>(g.g80, g.g81, g.g83, "add");
  group1_row<kOr>(g.g80, g.g81, g.g83, "or");
  group1_row<kAdc>(g.g80, g.g81, g.g83, "adc");
  group1_row<kSbb>(g.g80, g.g81, g.g83, "sbb");
  group1_row<kAnd>(g.g80, g.g81, g.g83, "and");
  group1_row<kSub>(g.g80, g.g81, g.g83, "sub");
  group1_row<kXor>(g.g80, g.g81, g.g83, "xor");
  group1_row<kCmp>(g.g80, g.g81, g.g83, "cmp");
  group2_row<kRol>(g.shifts, "rol");
  group2_row<kRor>(g.shifts, "ror");
  group2_row<kRcl>(g.shifts, "rcl");
  group2_row<kRcr>(g.shifts, "rcr");
  group2_row<kShl>(g.shifts, "shl");
  group2_row<kShr>(g.shifts, "shr");
  group2_row<kSal>(g.shifts, "sal");
  group2_row<kSar>(g.shifts, "sar");
  // Group 1A (8F): POP Ev; group 11 (C6 C7): MOV Eb,Ib / Ev,Iz. Other /reg are #UD.
  for (int r = 0; r < 8; ++r) {
    g.g8f[r] = op(nullptr, M, Imm::None, 0, {});
    g.gc6[r] = op(nullptr, M, Imm::None, 0, {});
    g.gc7[r] = op(nullptr, M, Imm::None, 0, {});
  }
  g.g8f[0] = op("pop", M, Imm::None, 0, V(op_pop_rm));
  g.gc6[0] = op("mov", M, Imm::Ib, 0, B(op_mov_rm_imm));
  g.gc7[0] = op("mov", M, Imm::Iz, 0, V(op_mov_rm_imm));
  // Group 3 (F6 F7): TEST NOT NEG MUL IMUL DIV IDIV; /1 is an alias of TEST.
  g.gf6 = {op("test", M, Imm::Ib, 0, B(op_test_rm_imm)), op("test", M, Imm::Ib, 0, B(op_test_rm_imm)),
           op("not", M, Imm::None, K, B(op_not_rm)),      op("neg", M, Imm::None, K, B(op_neg_rm)),
           op("mul", M, Imm::None, 0, B(op_mul_rm)),      op("imul", M, Imm::None, 0, B(op_imul_rm)),
           op("div", M, Imm::None, 0, B(op_div_rm)),      op("idiv", M, Imm::None, 0, B(op_idiv_rm))};
  g.gf7 = {op("test", M, Imm::Iz, 0, V(op_test_rm_imm)), op("test", M, Imm::Iz, 0, V(op_test_rm_imm)),
           op("not", M, Imm::None, K, V(op_not_rm)),      op("neg", M, Imm::None, K, V(op_neg_rm)),
           op("mul", M, Imm::None, 0, V(op_mul_rm)),      op("imul", M, Imm::None, 0, V(op_imul_rm)),
           op("div", M, Imm::None, 0, V(op_div_rm)),      op("idiv", M, Imm::None, 0, V(op_idiv_rm))};
  // Group 4 (FE): INC/DEC Eb; group 5 (FF): INC DEC CALL CALLF JMP JMPF PUSH.
  for (int r = 0; r < 8; ++r) g.gfe[r] = op(nullptr, M, Imm::None, 0, {});
  g.gfe[0] = op("inc", M, Imm::None, K, B(op_inc_rm));
  g.gfe[1] = op("dec", M, Imm::None, K, B(op_dec_rm));
  g.gff = {op("inc", M, Imm::None, K, V(op_inc_rm)),         op("dec", M, Imm::None, K, V(op_dec_rm)),
           op("call", M, Imm::None, L, V(op_call_rm)),       op("callf", M, Imm::None, L, VM(op_far_rm, true)),
           op("jmp", M, Imm::None, L, V(op_jmp_rm)),         op("jmpf", M, Imm::None, L, VM(op_far_rm, false)),
           op("push", M, Imm::None, 0, V(op_push_rm)),       op(nullptr, M, Imm::None, 0, {})};
  // Group 6 (0F 00) and 7 (0F 01): descriptor tables and system registers.
  g.g0f00 = {op("sldt", M, Imm::None, 0, X(op_sldt_str)), op("str", M, Imm::None, 0, X(op_sldt_str)),
             op("lldt", M, Imm::None, L, X(op_lldt)),     op("ltr", M, Imm::None, L, X(op_ltr)),
             op("verr", M, Imm::None, 0, X(op_verr_verw)), op("verw", M, Imm::None, 0, X(op_verr_verw)),
             op(nullptr, M, Imm::None, 0, {}),                       op(nullptr, M, Imm::None, 0, {})};
  g.g0f01 = {op("sgdt", M, Imm::None, 0, VM(h_sgdt_sidt)),  op("sidt", M, Imm::None, 0, VM(h_sgdt_sidt)),
             op("lgdt", M, Imm::None, L, VM(h_lgdt_lidt)),  op("lidt", M, Imm::None, L, VM(h_lgdt_lidt)),
             op("smsw", M, Imm::None, 0, X(op_smsw)), op(nullptr, M, Imm::None, 0, {}),
             op("lmsw", M, Imm::None, L, X(op_lmsw)), op("invlpg", M, Imm::None, L, VM(h_invlpg))};
  // Group 8 (0F BA): BT BTS BTR BTC Ev, Ib (/4-/7)
  for (int r = 0; r < 4; ++r) g.g0fba[r] = op(nullptr, M, Imm::Ib, 0, {});
  g.g0fba[4] = op("bt", M, Imm::Ib, 0, V(op_bt, kBt, true));
  g.g0fba[5] = op("bts", M, Imm::Ib, K, V(op_bt, kBts, true));
  g.g0fba[6] = op("btr", M, Imm::Ib, K, V(op_bt, kBtr, true));
  g.g0fba[7] = op("btc", M, Imm::Ib, K, V(op_bt, kBtc, true));
  // Group 9 (0F C7): CMPXCHG8B m64 (/1)
  for (int r = 0; r < 8; ++r) g.g0fc7[r] = op(nullptr, M, Imm::None, 0, {});
  g.g0fc7[1] = op("cmpxchg8b", M, Imm::None, K, VM(op_cmpxchg8b));
}

void fill_one_byte(Table& t, const Groups& g) {
  alu_row<kAdd>(t, 0x00, "add");
  alu_row<kOr>(t, 0x08, "or");
  alu_row<kAdc>(t, 0x10, "adc");
  alu_row<kSbb>(t, 0x18, "sbb");
  alu_row<kAnd>(t, 0x20, "and");
  alu_row<kSub>(t, 0x28, "sub");
  alu_row<kXor>(t, 0x30, "xor");
  alu_row<kCmp>(t, 0x38, "cmp");
  t[0x06] = op("push", N, Imm::None, 0, V(op_push_sreg, ES));
  t[0x07] = op("pop", N, Imm::None, 0, V(op_pop_sreg, ES));
  t[0x0E] = op("push", N, Imm::None, 0, V(op_push_sreg, CS));
  t[0x16] = op("push", N, Imm::None, 0, V(op_push_sreg, SS));
  t[0x17] = op("pop", N, Imm::None, 0, V(op_pop_sreg, SS));
  t[0x1E] = op("push", N, Imm::None, 0, V(op_push_sreg, DS));
  t[0x1F] = op("pop", N, Imm::None, 0, V(op_pop_sreg, DS));
  t[0x27] = op("daa", N, Imm::None, 0, X(op_daa));
  t[0x2F] = op("das", N, Imm::None, 0, X(op_das));
  t[0x37] = op("aaa", N, Imm::None, 0, X(op_aaa));
  t[0x3F] = op("aas", N, Imm::None, 0, X(op_aas));
  for (u16 r = 0; r < 8; ++r) {
    t[0x40 + r] = op("inc", N, Imm::None, 0, V(op_inc_r));
    t[0x48 + r] = op("dec", N, Imm::None, 0, V(op_dec_r));
    t[0x50 + r] = op("push", N, Imm::None, 0, V(op_push_r));
    t[0x58 + r] = op("pop", N, Imm::None, 0, V(op_pop_r));
    t[0x90 + r] = op(r ? "xchg" : "nop", N, Imm::None, 0, r ? V(op_xchg_acc_r) : V(op_nop));
    t[0xB0 + r] = op("mov", N, Imm::Ib, 0, B(op_mov_r_imm));
    t[0xB8 + r] = op("mov", N, Imm::Iz, 0, V(op_mov_r_imm));
  }
  t[0x60] = op("pusha", N, Imm::None, 0, V(op_pusha));
  t[0x61] = op("popa", N, Imm::None, 0, V(op_popa));
  t[0x62] = op("bound", M, Imm::None, 0, VM(op_bound));
  t[0x63] = op("arpl", M, Imm::None, 0, X(op_arpl));
  t[0x68] = op("push", N, Imm::Iz, 0, V(op_push_imm));
  t[0x69] = op("imul", M, Imm::Iz, 0, V(op_imul_r_rm_imm));
  t[0x6A] = op("push", N, Imm::Ibs, 0, V(op_push_imm));
  t[0x6B] = op("imul", M, Imm::Ibs, 0, V(op_imul_r_rm_imm));
  t[0x6C] = op("insb", N, Imm::None, 0, B(op_string, kIns));
  t[0x6D] = op("ins", N, Imm::None, 0, V(op_string, kIns));
  t[0x6E] = op("outsb", N, Imm::None, 0, B(op_string, kOuts));
  t[0x6F] = op("outs", N, Imm::None, 0, V(op_string, kOuts));
  fill_conditional(t);
  t[0x80] = group(g.g80);
  t[0x81] = group(g.g81);
  t[0x82] = group(g.g80);
  t[0x83] = group(g.g83);
  t[0x84] = op("test", M, Imm::None, 0, B(op_test_rm_r));
  t[0x85] = op("test", M, Imm::None, 0, V(op_test_rm_r));
  t[0x86] = op("xchg", M, Imm::None, K, B(op_xchg_rm_r));
  t[0x87] = op("xchg", M, Imm::None, K, V(op_xchg_rm_r));
  t[0x88] = op("mov", M, Imm::None, 0, B(op_mov_rm_r));
  t[0x89] = op("mov", M, Imm::None, 0, V(op_mov_rm_r));
  t[0x8A] = op("mov", M, Imm::None, 0, B(op_mov_r_rm));
  t[0x8B] = op("mov", M, Imm::None, 0, V(op_mov_r_rm));
  t[0x8C] = op("mov", M, Imm::None, 0, V(op_mov_rm_sreg));
  t[0x8D] = op("lea", M, Imm::None, 0, VM(op_lea));
  t[0x8E] = op("mov", M, Imm::None, 0, V(op_mov_sreg_rm));
  t[0x8F] = group(g.g8f);
  t[0x98] = op("cbw", N, Imm::None, 0, V(op_cbw));
  t[0x99] = op("cwd", N, Imm::None, 0, V(op_cwd));
  t[0x9A] = op("callf", N, Imm::Ap, L, V(op_far_ptr, true));
  t[0x9B] = op("wait", N, Imm::None, 0, X(op_wait));
  t[0x9C] = op("pushf", N, Imm::None, 0, V(op_pushf));
  t[0x9D] = op("popf", N, Imm::None, L, V(op_popf));
  t[0x9E] = op("sahf", N, Imm::None, 0, V(op_sahf));
  t[0x9F] = op("lahf", N, Imm::None, 0, V(op_lahf));
  t[0xA0] = op("mov", N, Imm::Moffs, 0, B(op_mov_acc_moffs));
  t[0xA1] = op("mov", N, Imm::Moffs, 0, V(op_mov_acc_moffs));
  t[0xA2] = op("mov", N, Imm::Moffs, 0, B(op_mov_moffs_acc));
  t[0xA3] = op("mov", N, Imm::Moffs, 0, V(op_mov_moffs_acc));
  t[0xA4] = op("movsb", N, Imm::None, 0, B(op_string, kMovs));
  t[0xA5] = op("movs", N, Imm::None, 0, V(op_string, kMovs));
  t[0xA6] = op("cmpsb", N, Imm::None, 0, B(op_string, kCmps));
  t[0xA7] = op("cmps", N, Imm::None, 0, V(op_string, kCmps));
  t[0xA8] = op("test", N, Imm::Ib, 0, B(op_test_acc_imm));
  t[0xA9] = op("test", N, Imm::Iz, 0, V(op_test_acc_imm));
  t[0xAA] = op("stosb", N, Imm::None, 0, B(op_string, kStos));
  t[0xAB] = op("stos", N, Imm::None, 0, V(op_string, kStos));
  t[0xAC] = op("lodsb", N, Imm::None, 0, B(op_string, kLods));
  t[0xAD] = op("lods", N, Imm::None, 0, V(op_string, kLods));
  t[0xAE] = op("scasb", N, Imm::None, 0, B(op_string, kScas));
  t[0xAF] = op("scas", N, Imm::None, 0, V(op_string, kScas));
  t[0xC0] = group(g.shifts[0]);
  t[0xC1] = group(g.shifts[1]);
  t[0xC2] = op("ret", N, Imm::Iw, L, V(op_ret, true));
  t[0xC3] = op("ret", N, Imm::None, L, V(op_ret, false));
  t[0xC4] = op("les", M, Imm::None, 0, VM(op_load_far_pointer, ES));
  t[0xC5] = op("lds", M, Imm::None, 0, VM(op_load_far_pointer, DS));
  t[0xC6] = group(g.gc6);
  t[0xC7] = group(g.gc7);
  t[0xC8] = op("enter", N, Imm::IwIb, 0, V(op_enter));
  t[0xC9] = op("leave", N, Imm::None, 0, V(op_leave));
  t[0xCA] = op("retf", N, Imm::Iw, L, V(op_retf, true));
  t[0xCB] = op("retf", N, Imm::None, L, V(op_retf, false));
  t[0xCC] = op("int3", N, Imm::None, L, V(op_int3));
  t[0xCD] = op("int", N, Imm::Ib, L, V(op_int));
  t[0xCE] = op("into", N, Imm::None, L, V(op_into));
  t[0xCF] = op("iret", N, Imm::None, L, V(op_iret));
  t[0xD0] = group(g.shifts[2]);
  t[0xD1] = group(g.shifts[3]);
  t[0xD2] = group(g.shifts[4]);
  t[0xD3] = group(g.shifts[5]);
  t[0xD4] = op("aam", N, Imm::Ib, 0, X(op_aam));
  t[0xD5] = op("aad", N, Imm::Ib, 0, X(op_aad));
  t[0xD6] = op("salc", N, Imm::None, 0, X(op_salc));
  t[0xD7] = op("xlat", N, Imm::None, 0, V(op_xlat));
  for (u16 esc = 0xD8; esc <= 0xDF; ++esc) t[esc] = op("fpu", M, Imm::None, L, X(op_fpu_escape));
  t[0xE0] = op("loopne", N, Imm::Jb, L, V(op_loop, 0));
  t[0xE1] = op("loope", N, Imm::Jb, L, V(op_loop, 1));
  t[0xE2] = op("loop", N, Imm::Jb, L, V(op_loop, 2));
  t[0xE3] = op("jcxz", N, Imm::Jb, L, V(op_loop, 3));
  t[0xE4] = op("in", N, Imm::Ib, 0, B(op_in, false));
  t[0xE5] = op("in", N, Imm::Ib, 0, V(op_in, false));
  t[0xE6] = op("out", N, Imm::Ib, 0, B(op_out, false));
  t[0xE7] = op("out", N, Imm::Ib, 0, V(op_out, false));
  t[0xE8] = op("call", N, Imm::Jz, L, V(op_call_rel));
  t[0xE9] = op("jmp", N, Imm::Jz, L, V(op_jmp_rel));
  t[0xEA] = op("jmpf", N, Imm::Ap, L, V(op_far_ptr, false));
  t[0xEB] = op("jmp", N, Imm::Jb, L, V(op_jmp_rel));
  t[0xEC] = op("in", N, Imm::None, 0, B(op_in, true));
  t[0xED] = op("in", N, Imm::None, 0, V(op_in, true));
  t[0xEE] = op("out", N, Imm::None, 0, B(op_out, true));
  t[0xEF] = op("out", N, Imm::None, 0, V(op_out, true));
  t[0xF1] = op("int1", N, Imm::None, L, V(op_icebp));
  t[0xF4] = op("hlt", N, Imm::None, L, X(op_hlt));
  t[0xF5] = op("cmc", N, Imm::None, 0, V(op_cmc));
  t[0xF6] = group(g.gf6);
  t[0xF7] = group(g.gf7);
  t[0xF8] = op("clc", N, Imm::None, 0, V(op_clc));
  t[0xF9] = op("stc", N, Imm::None, 0, V(op_stc));
  t[0xFA] = op("cli", N, Imm::None, 0, X(op_cli));
  t[0xFB] = op("sti", N, Imm::None, L, X(op_sti));
  t[0xFC] = op("cld", N, Imm::None, 0, V(op_cld));
  t[0xFD] = op("std", N, Imm::None, 0, V(op_std));
  t[0xFE] = group(g.gfe);
  t[0xFF] = group(g.gff);
}

void fill_two_byte(Table& t, const Groups& g) {
  auto two = [&t](u8 b) -> OpcodeEntry& { return t[0x100 | b]; };
  two(0x00) = group(g.g0f00);
  two(0x01) = group(g.g0f01);
  two(0x02) = op("lar", M, Imm::None, 0, X(op_lar_lsl));
  two(0x03) = op("lsl", M, Imm::None, 0, X(op_lar_lsl));
  two(0x06) = op("clts", N, Imm::None, L, X(op_clts));
  two(0x08) = op("invd", N, Imm::None, 0, X(op_invd));
  two(0x09) = op("wbinvd", N, Imm::None, 0, X(op_invd));
  two(0x0B) = op("ud2", N, Imm::None, L, X(op_invalid));
  // 0F 19-0F 1F: the reserved hint NOPs, NOP Ev, on every P6-family CPU (SDM Vol. 2B,
  // NOP; opcode map A.3). ENDBR32 (F3 0F 1E FB) is one of them, so CET-built code runs.
  for (u8 b = 0x19; b <= 0x1F; ++b) two(b) = op("nop", M, Imm::None, 0, V(op_nop));
  two(0x20) = op("mov", M, Imm::None, OP_FORCE_REG, X(op_mov_r_cr));
  two(0x21) = op("mov", M, Imm::None, OP_FORCE_REG, X(op_mov_r_dr));
  two(0x22) = op("mov", M, Imm::None, OP_FORCE_REG | L, X(op_mov_cr_r));
  two(0x23) = op("mov", M, Imm::None, OP_FORCE_REG | L, X(op_mov_dr_r));
  two(0x30) = op("wrmsr", N, Imm::None, L, X(op_wrmsr));
  two(0x31) = op("rdtsc", N, Imm::None, 0, X(op_rdtsc));
  two(0x32) = op("rdmsr", N, Imm::None, 0, X(op_rdmsr));
  two(0x34) = op("sysenter", N, Imm::None, L, X(op_sysenter));
  two(0x35) = op("sysexit", N, Imm::None, L, X(op_sysexit));
  two(0xA0) = op("push", N, Imm::None, 0, V(op_push_sreg, FS));
  two(0xA1) = op("pop", N, Imm::None, 0, V(op_pop_sreg, FS));
  two(0xA2) = op("cpuid", N, Imm::None, 0, X(op_cpuid));
  two(0xA3) = op("bt", M, Imm::None, 0, V(op_bt, kBt, false));
  two(0xA4) = op("shld", M, Imm::Ib, 0, V(op_shxd, true, false));
  two(0xA5) = op("shld", M, Imm::None, 0, V(op_shxd, true, true));
  two(0xA8) = op("push", N, Imm::None, 0, V(op_push_sreg, GS));
  two(0xA9) = op("pop", N, Imm::None, 0, V(op_pop_sreg, GS));
  two(0xAB) = op("bts", M, Imm::None, K, V(op_bt, kBts, false));
  two(0xAC) = op("shrd", M, Imm::Ib, 0, V(op_shxd, false, false));
  two(0xAD) = op("shrd", M, Imm::None, 0, V(op_shxd, false, true));
  two(0xAF) = op("imul", M, Imm::None, 0, V(op_imul_r_rm));
  two(0xB0) = op("cmpxchg", M, Imm::None, K, B(op_cmpxchg));
  two(0xB1) = op("cmpxchg", M, Imm::None, K, V(op_cmpxchg));
  two(0xB2) = op("lss", M, Imm::None, L, VM(op_load_far_pointer, SS));
  two(0xB3) = op("btr", M, Imm::None, K, V(op_bt, kBtr, false));
  two(0xB4) = op("lfs", M, Imm::None, 0, VM(op_load_far_pointer, FS));
  two(0xB5) = op("lgs", M, Imm::None, 0, VM(op_load_far_pointer, GS));
  two(0xB6) = op("movzx", M, Imm::None, 0, V(op_movx, 8, false));
  two(0xB7) = op("movzx", M, Imm::None, 0, V(op_movx, 16, false));
  two(0xBA) = group(g.g0fba);
  two(0xBB) = op("btc", M, Imm::None, K, V(op_bt, kBtc, false));
  two(0xBC) = op("bsf", M, Imm::None, 0, V(op_bsf, false));
  two(0xBD) = op("bsr", M, Imm::None, 0, V(op_bsf, true));
  two(0xBE) = op("movsx", M, Imm::None, 0, V(op_movx, 8, true));
  two(0xBF) = op("movsx", M, Imm::None, 0, V(op_movx, 16, true));
  two(0xC0) = op("xadd", M, Imm::None, K, B(op_xadd));
  two(0xC1) = op("xadd", M, Imm::None, K, V(op_xadd));
  two(0xC7) = group(g.g0fc7);
  for (u8 r = 0; r < 8; ++r) two(0xC8 + r) = op("bswap", N, Imm::None, 0, V(op_bswap));
}

struct OpcodeTable {
  Groups groups;
  Table table;
  OpcodeTable() {
    fill_groups(groups);
    fill_one_byte(table, groups);
    fill_two_byte(table, groups);
    // Prefix bytes never reach the table through the decoder; mark them for tools.
    for (u16 p : {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3})
      table[p] = OpcodeEntry{"prefix", false, Imm::None, OP_PREFIX, {}, nullptr};
  }
};

}  // namespace

const OpcodeEntry& opcode_entry(u16 opcode) {
  static const OpcodeTable kTable;
  return kTable.table[opcode & 0x1FF];
}

}  // namespace vmlab
