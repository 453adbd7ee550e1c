// Capstone as the oracle for instruction lengths.
//
// Every valid form in vmlab's opcode table (one- and two-byte opcodes, every group /reg,
// register and memory ModRM forms as the table's handlers allow) is encoded in 16- and
// 32-bit code with every ModRM mod/rm, SIB with and without base = 5, with and without
// the 0x66 and 0x67 prefixes, with each segment override and, where the SDM allows them,
// LOCK and REP/REPNE. Displacements and immediates are random bytes from a fixed seed.
// vmlab's instruction_length() must agree with Capstone's decoded size on every one.
//
// A few valid forms Capstone 4 does not decode at all, for reasons written beside each
// entry of kExclusions; the list must stay short, and every entry must still be needed
// (the test fails if an exclusion matches nothing).
#include <capstone/capstone.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "cpu/decoder.h"
#include "cpu/opcode_table.h"

namespace vmlab {
namespace {

// One generated encoding and what it was built from, for exclusions and messages.
struct Form {
  bool code32 = true;
  u16 opcode = 0;          // 0x00-0xFF, or 0x100 | second byte after 0F
  bool has_modrm = false;
  bool group = false;      // ModRM.reg selects the operation
  u8 modrm = 0;
  std::vector<u8> bytes;   // prefixes .. SIB, then random filler for displacement/immediate
  u8 mod() const { return modrm >> 6; }
  u8 reg() const { return (modrm >> 3) & 7; }
};

// ----- exclusions -----------------------------------------------------------------------
//
// Encodings vmlab's table accepts but Capstone 4 refuses to decode. An exclusion only
// skips an encoding when Capstone returns nothing for it: whatever Capstone does decode is
// always compared, so no entry can hide a length disagreement.

struct Exclusion {
  const char* what;
  bool (*matches)(const Form&);
  const char* reason;
};

const Exclusion kExclusions[] = {
    {"0F 19-1F hint NOPs", [](const Form& f) { return f.opcode >= 0x119 && f.opcode <= 0x11F; },
     "0F 19-0F 1F are the reserved hint NOPs, NOP Ev with any ModRM on every P6-family CPU "
     "(SDM Vol. 2, NOP and opcode map A.3; ENDBR32 is one), but Capstone 4 decodes only "
     "some: 0F 1F memory forms, MPX and CET spellings"},
    {"8C/8E with reg 6 or 7",
     [](const Form& f) { return (f.opcode == 0x8C || f.opcode == 0x8E) && f.reg() >= 6; },
     "there is no segment register 6 or 7: the CPU raises #UD at execution (as vmlab's "
     "handlers do, cpu/exec_misc.cpp), but the length is still opcode + ModRM; Capstone "
     "refuses the encoding"},
    {"reserved x87 encodings", [](const Form& f) { return f.opcode >= 0xD8 && f.opcode <= 0xDF; },
     "vmlab has no FPU: every D8-DF escape decodes as ModRM + displacement and raises #NM; "
     "Capstone refuses the reserved x87 encodings (e.g. D9 /1 memory, D9 D1, DB E0 FENI, "
     "DF F8), whose length on a real x87 follows the same ModRM rule"},
};

constexpr size_t kMaxExclusions = 8;

// ----- generating encodings -------------------------------------------------------------

constexpr u8 kSegmentPrefixes[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65};
constexpr size_t kFillerBytes = 16;

bool is_string_op(u16 opcode) {
  return (opcode >= 0x6C && opcode <= 0x6F) || (opcode >= 0xA4 && opcode <= 0xA7) ||
         (opcode >= 0xAA && opcode <= 0xAF);
}

// The table's handler for this form, or nullptr when the form is #UD (e.g. LEA with a
// register operand): only forms with a handler are valid, so only they are compared.
bool form_is_valid(const OpcodeEntry& e, bool op32, bool mem) {
  return e.mnemonic && e.handlers.h[op32][mem] != nullptr;
}

class EncodingGenerator {
 public:
  using Visit = std::function<void(const Form&)>;
  explicit EncodingGenerator(Visit visit) : m_visit(std::move(visit)) {}

  // Every encoding of every valid table entry in 16- or 32-bit code.
  void all(bool code32) {
    for (u16 opcode = 0; opcode < 0x200; ++opcode) {
      const OpcodeEntry& e = opcode_entry(opcode);
      if (opcode == 0x0F || !e.mnemonic || (e.attrs & OP_PREFIX)) continue;
      for (bool opsize : {false, true})
        for (bool addrsize : {false, true}) with_prefixes(code32, opcode, e, opsize, addrsize);
    }
  }

 private:
  // The operand/address-size prefixes are fixed; vary the others as the form allows.
  void with_prefixes(bool code32, u16 opcode, const OpcodeEntry& e, bool opsize, bool addrsize) {
    const bool op32 = code32 != opsize;
    const bool addr32 = code32 != addrsize;
    std::vector<u8> sizes;
    if (opsize) sizes.push_back(0x66);
    if (addrsize) sizes.push_back(0x67);
    Form f;
    f.code32 = code32;
    f.opcode = opcode;
    f.has_modrm = e.modrm;
    f.group = e.group != nullptr;
    // Plain, then with a segment override (each of the six in turn).
    for (bool seg_override : {false, true}) {
      std::vector<u8> prefixes = sizes;
      if (seg_override) prefixes.push_back(kSegmentPrefixes[m_next_segment++ % 6]);
      body(f, e, prefixes, op32, addr32);
    }
    if (is_string_op(opcode)) {
      for (u8 rep : {0xF3, 0xF2}) {
        std::vector<u8> prefixes = sizes;
        prefixes.push_back(rep);
        body(f, e, prefixes, op32, addr32);
      }
    }
  }

  // Opcode bytes, then every ModRM (and SIB) form, or just the filler when no ModRM.
  void body(Form f, const OpcodeEntry& e, const std::vector<u8>& prefixes, bool op32, bool addr32) {
    std::vector<u8> head = prefixes;
    if (f.opcode & 0x100) head.push_back(0x0F);
    head.push_back(u8(f.opcode));
    if (!e.modrm) {
      if (form_is_valid(e, op32, false)) emit(f, head, {});
      return;
    }
    for (unsigned modrm = 0; modrm < 256; ++modrm) {
      f.modrm = u8(modrm);
      const OpcodeEntry& sub = e.group ? e.group[f.reg()] : e;
      const bool mem = f.mod() != 3;
      if (!form_is_valid(sub, op32, mem)) continue;
      std::vector<u8> with_modrm = head;
      with_modrm.push_back(f.modrm);
      modrm_forms(f, sub, with_modrm, mem, addr32);
    }
  }

  // A SIB byte follows a 32-bit memory ModRM with rm = 4: once with base = 5 (whose
  // displacement depends on mod) and once with a random other base.
  void modrm_forms(Form f, const OpcodeEntry& e, const std::vector<u8>& head, bool mem, bool addr32) {
    if (mem && (e.attrs & OP_LOCKABLE)) locked(f, head, addr32);
    if (!(mem && addr32 && (f.modrm & 7) == 4)) {
      emit(f, head, {});
      return;
    }
    u8 scale_index = u8(m_random() & 0xF8);
    u8 other_base = u8(m_random() % 7);
    if (other_base >= 5) ++other_base;  // 0-4, 6, 7
    emit(f, head, {u8(scale_index | 5)});
    emit(f, head, {u8(scale_index | other_base)});
  }

  // The same memory form with LOCK in front (only lockable forms with memory operands).
  void locked(const Form& f, const std::vector<u8>& head, bool addr32) {
    std::vector<u8> with_lock{0xF0};
    with_lock.insert(with_lock.end(), head.begin(), head.end());
    std::vector<u8> sib;
    if (addr32 && (f.modrm & 7) == 4) sib.push_back(u8(m_random()));
    emit(f, with_lock, sib);
  }

  void emit(Form f, const std::vector<u8>& head, const std::vector<u8>& sib) {
    f.bytes = head;
    f.bytes.insert(f.bytes.end(), sib.begin(), sib.end());
    for (size_t i = 0; i < kFillerBytes; ++i) f.bytes.push_back(u8(m_random()));
    m_visit(f);
  }

  Visit m_visit;
  std::mt19937 m_random{20240607};
  unsigned m_next_segment = 0;
};

// ----- comparing with Capstone ----------------------------------------------------------

std::string hex_bytes(const std::vector<u8>& bytes, size_t n) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < n && i < bytes.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    if (!s.empty()) s += ' ';
    s += buf;
  }
  return s;
}

class CapstoneOracle {
 public:
  explicit CapstoneOracle(bool code32) {
    m_ok = cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &m_handle) == CS_ERR_OK;
    if (m_ok) m_insn = cs_malloc(m_handle);
  }
  ~CapstoneOracle() {
    if (m_insn) cs_free(m_insn, 1);
    if (m_ok) cs_close(&m_handle);
  }
  CapstoneOracle(const CapstoneOracle&) = delete;
  CapstoneOracle& operator=(const CapstoneOracle&) = delete;

  bool ok() const { return m_ok; }

  // Capstone's length of the first instruction in `bytes`, or 0 if it does not decode;
  // `text` gets its disassembly.
  unsigned length(const std::vector<u8>& bytes, std::string& text) {
    const uint8_t* code = bytes.data();
    size_t size = bytes.size();
    uint64_t address = 0x1000;
    if (!cs_disasm_iter(m_handle, &code, &size, &address, m_insn)) {
      text = "(Capstone: not decodable)";
      return 0;
    }
    text = std::string(m_insn->mnemonic) + (m_insn->op_str[0] ? " " : "") + m_insn->op_str;
    return m_insn->size;
  }

 private:
  csh m_handle = 0;
  cs_insn* m_insn = nullptr;
  bool m_ok = false;
};

// Disagreements grouped by form (mode, opcode, and /reg for groups), each with its first
// example.
struct Mismatches {
  struct Group {
    size_t count = 0;
    std::string example;
  };
  std::map<std::tuple<bool, u16, int>, Group> groups;
  size_t total = 0;
};

struct Tally {
  size_t compared = 0;
  size_t excluded = 0;
  Mismatches mismatches;
  std::vector<size_t> exclusion_hits = std::vector<size_t>(std::size(kExclusions), 0);
};

// Index of the exclusion that explains why Capstone refuses `f`, or -1.
int find_exclusion(const Form& f) {
  for (size_t i = 0; i < std::size(kExclusions); ++i)
    if (kExclusions[i].matches(f)) return int(i);
  return -1;
}

// Compare one encoding and record a disagreement: the bytes of the longer reading, the
// Capstone disassembly and both lengths.
void check(const Form& f, CapstoneOracle& capstone, Tally& tally) {
  std::string text;
  unsigned theirs = capstone.length(f.bytes, text);
  if (theirs == 0) {
    int x = find_exclusion(f);
    if (x >= 0) {
      ++tally.excluded;
      ++tally.exclusion_hits[size_t(x)];
      return;
    }
  }
  unsigned ours = instruction_length(f.bytes.data(), f.bytes.size(), f.code32);
  ++tally.compared;
  if (ours == theirs && ours != 0) return;  // every generated form is complete: 0 is a bug
  ++tally.mismatches.total;
  Mismatches::Group& g = tally.mismatches.groups[{f.code32, f.opcode, f.group ? f.reg() : -1}];
  if (g.count++ == 0) {
    size_t shown = std::max({ours, theirs, 4u});
    g.example = std::string(f.code32 ? "32" : "16") + "-bit code: " + hex_bytes(f.bytes, shown) +
                "  capstone: " + text + "  length vmlab " + std::to_string(ours) + ", capstone " +
                std::to_string(theirs);
  }
}

// One failure per disagreeing form, each with its first example.
void report(const Mismatches& m) {
  constexpr size_t kGroupsShown = 60;
  size_t shown = 0;
  for (const auto& [key, g] : m.groups) {
    if (++shown > kGroupsShown) {
      ADD_FAILURE() << "... and " << m.groups.size() - kGroupsShown << " more forms disagree";
      return;
    }
    ADD_FAILURE() << g.count << " encoding(s) disagree, e.g. " << g.example;
  }
}

void compare_all(bool code32, Tally& tally) {
  CapstoneOracle capstone(code32);
  ASSERT_TRUE(capstone.ok()) << "cs_open failed";
  EncodingGenerator generator([&](const Form& f) { check(f, capstone, tally); });
  generator.all(code32);
}

TEST(CapstoneLengths, EveryTableFormAgreesWithCapstone) {
  Tally tally;
  compare_all(false, tally);
  compare_all(true, tally);
  std::printf("compared %zu encodings with Capstone (%zu excluded, %zu disagree)\n",
              tally.compared, tally.excluded, tally.mismatches.total);
  for (size_t i = 0; i < std::size(kExclusions); ++i)
    std::printf("  excluded %zu: %s\n", tally.exclusion_hits[i], kExclusions[i].what);
  ::testing::Test::RecordProperty("encodings_compared", std::to_string(tally.compared));
  report(tally.mismatches);
  EXPECT_EQ(tally.mismatches.total, 0u);
  EXPECT_GT(tally.compared, 100000u);
  for (size_t i = 0; i < std::size(kExclusions); ++i)
    EXPECT_GT(tally.exclusion_hits[i], 0u)
        << "exclusion '" << kExclusions[i].what << "' matched nothing: remove it";
}

// The harness itself: hand-counted lengths that both decoders must reproduce, so that
// agreement above cannot come from both sides reading the bytes the same wrong way.
TEST(CapstoneLengths, HandCountedEncodings) {
  struct Case {
    bool code32;
    std::vector<u8> bytes;
    unsigned length;
  };
  const Case cases[] = {
      {true, {0x8B, 0x44, 0x24, 0x08}, 4},                                  // mov eax, [esp+8]
      {true, {0x66, 0xC7, 0x05, 1, 2, 3, 4, 5, 6}, 9},                      // mov word [disp32], imm16
      {true, {0xF0, 0x0F, 0xB1, 0x8C, 0x91, 1, 2, 3, 4}, 9},                // lock cmpxchg [ecx+edx*4+disp32], ecx
      {true, {0xC8, 0x10, 0x00, 0x01}, 4},                                  // enter 16, 1
      {true, {0x9A, 1, 2, 3, 4, 5, 6}, 7},                                  // call far ptr16:32
      {false, {0xC7, 0x06, 1, 2, 3, 4}, 6},                                 // mov word [disp16], imm16
      {false, {0x67, 0x8B, 0x04, 0x25, 1, 2, 3, 4}, 8},                     // mov ax, [disp32] (SIB, no base)
      {false, {0x66, 0x68, 1, 2, 3, 4}, 6},                                 // push imm32
      {false, {0xF3, 0xA5}, 2},                                             // rep movsw
  };
  for (const Case& c : cases) {
    std::vector<u8> bytes = c.bytes;
    bytes.resize(bytes.size() + kFillerBytes, 0x90);
    std::string text;
    CapstoneOracle capstone(c.code32);
    EXPECT_EQ(capstone.length(bytes, text), c.length) << hex_bytes(c.bytes, c.bytes.size()) << ": " << text;
    EXPECT_EQ(instruction_length(bytes.data(), bytes.size(), c.code32), c.length)
        << hex_bytes(c.bytes, c.bytes.size());
  }
}

TEST(CapstoneLengths, ExclusionListStaysSmall) {
  EXPECT_LE(std::size(kExclusions), kMaxExclusions)
      << "each exclusion hides forms from the oracle; fix the decoder instead";
}

}  // namespace
}  // namespace vmlab
