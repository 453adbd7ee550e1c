// CaseBuilder: assembles one conformance case, instruction bytes and machine state together.
//
// A form's build function (forms_*.cpp) picks operands through the builder, which keeps
// the case native-safe: every memory operand it encodes is given register values and a
// displacement that put the access inside the data buffer or the stack area, so no
// engine (the host CPU least of all) faults. Registers that such a choice depends on are
// *pinned*: later random choices leave them alone.
//
// Encoding is deliberately simple and explicit: legacy prefixes collected with prefix()
// (emitted in random order in front of the first instruction), then bytes, ModRM, SIB,
// displacement and immediates in the order the SDM's instruction format gives
// (Vol. 2, 2.1: prefixes, opcode, ModR/M, SIB, displacement, immediate).
#pragma once
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "tests/conformance/oracle/case.h"
#include "tests/conformance/oracle/rng.h"

namespace vmlab::conformance {

// The r/m operand of a ModRM instruction, as encoded.
struct RmOperand {
  bool memory = false;
  u8 reg = 0;        // register operand: number as encoded (8-bit: AL CL DL BL AH CH DH BH)
  u32 address = 0;   // memory operand: linear address of the access
  u8 mod = 3;
  u8 rm = 0;
  std::vector<u8> tail;  // SIB and displacement bytes that follow the ModRM byte
};

// What a memory operand needs.
struct MemoryRequest {
  unsigned size = 4;           // bytes accessed at the address (must fit in the region)
  bool allow_addr16 = true;    // may use 16-bit addressing (0x67 prefix)
  bool allow_segment = true;   // may add an ES:, SS: or DS: override (flat segments)
  bool allow_esp_base = true;  // may address relative to ESP
  bool exact = false;          // the address must be `target` exactly
  u32 target = 0;
  bool no_access = false;      // LEA, NOP r/m: computed, never accessed, so any address
};

class CaseBuilder {
 public:
  // Starts a case with random registers (ESP inside the stack area), flags and memory.
  CaseBuilder(Rng& rng, Case& kase);

  Rng& rng() { return m_rng; }
  Case& kase() { return m_case; }

  // --- Registers (r = GPR number, EAX..EDI) ---
  u32 reg(u8 r) const { return m_case.regs[r]; }
  void set_reg(u8 r, u32 value) { m_case.regs[r] = value; }
  // Give r a value the case depends on; later random choices keep it.
  void pin(u8 r, u32 value);
  bool pinned(u8 r) const { return m_pinned & (1u << r); }
  // A random GPR other than ESP that nothing has pinned yet.
  u8 unpinned_reg();
  // Operand-sized register access; for size 1, r is the 8-bit encoding (AH = 4, ...).
  // put_reg leaves a pinned register unchanged and returns false.
  u32 get_reg(u8 r, unsigned size) const;
  bool put_reg(u8 r, unsigned size, u32 value);

  // --- Memory images (address inside the data buffer or the stack area) ---
  static bool in_data(u32 address, unsigned size);
  static bool in_stack(u32 address, unsigned size);
  u64 load(u32 address, unsigned size) const;
  void store(u32 address, u64 value, unsigned size);

  // --- Operands ---
  RmOperand rm_register(u8 r);
  RmOperand rm_memory(const MemoryRequest& request);
  // A register or (memory_percent of the time) a memory operand holding an edge value.
  RmOperand rm_any(unsigned size, unsigned memory_percent = 50);
  u32 get(const RmOperand& rm, unsigned size) const;
  bool put(const RmOperand& rm, unsigned size, u32 value);
  // Random operand-size value biased to edges.
  u32 edge(unsigned size) { return mask(m_rng.edge32(), size); }
  static u32 mask(u32 value, unsigned size) { return size == 4 ? value : value & ((1u << (8 * size)) - 1); }

  // --- Encoding ---
  void prefix(u8 byte);
  // An ES:, SS: or DS: override now and then (all flat, so the address is unchanged).
  void maybe_segment_override();
  // LOCK on a memory destination now and then (lockable forms only).
  void maybe_lock(const RmOperand& rm);
  void emit(std::initializer_list<u8> bytes);
  void emit_byte(u8 byte) { m_body.push_back(byte); }
  void emit_modrm(const RmOperand& rm, u8 reg_field);
  void emit_imm(u32 value, unsigned size);
  // Bytes emitted so far after the prefixes; label_address() is where a body offset
  // will sit once finish() has placed the prefixes in front.
  u32 body_size() const { return static_cast<u32>(m_body.size()); }
  u32 label_address(u32 body_offset) const {
    return kCodeBase + static_cast<u32>(m_prefixes.size()) + body_offset;
  }
  // Patch a rel8/rel16/rel32 already emitted at body offset `at`.
  void patch(u32 at, u32 value, unsigned size);

  // --- Expectations and naming ---
  void undefined_flags(u32 flags) { m_case.undefined_flags |= flags; }
  void undefined_reg(u8 r) { m_case.undefined_regs |= static_cast<u8>(1u << r); }
  void note(std::string_view word);

  // Place the prefixes (shuffled) and the body into the case.
  void finish();

 private:
  struct AddressPlan;
  bool plan_address16(const MemoryRequest& request, AddressPlan& plan);
  bool plan_address32(const MemoryRequest& request, AddressPlan& plan);
  void solve(AddressPlan& plan, u32 target, u32 width_mask);
  RmOperand encode(const AddressPlan& plan);
  u32 pick_target(const MemoryRequest& request);

  Rng& m_rng;
  Case& m_case;
  u8 m_pinned = 0;
  std::vector<u8> m_prefixes;
  std::vector<u8> m_body;
  std::vector<std::string> m_notes;
};

}  // namespace vmlab::conformance
