#include "cpu/decoder.h"

#include "cpu/cpu.h"
#include "cpu/opcode_table.h"

namespace vmlab {
namespace {

constexpr unsigned kMaxLength = 15;

// Counts bytes and enforces the 15-byte limit (#GP(0), SDM Vol. 2, 2.3.11).
class Reader {
 public:
  explicit Reader(ByteFetcher& fetch) : m_fetch(fetch) {}
  u8 byte() {
    if (++m_count > kMaxLength) throw CpuFault{kGP, true, 0};
    return m_fetch.next();
  }
  u16 word() {
    u16 lo = byte();
    return u16(lo | (byte() << 8));
  }
  u32 dword() {
    u32 lo = word();
    return lo | (u32(word()) << 16);
  }
  unsigned count() const { return m_count; }

 private:
  ByteFetcher& m_fetch;
  unsigned m_count = 0;
};

// 16-bit ModRM addressing (SDM Vol. 2, Table 2-1): base/index pairs by rm.
constexpr u8 kBase16[8] = {EBX, EBX, EBP, EBP, ESI, EDI, EBP, EBX};
constexpr u8 kIndex16[8] = {ESI, EDI, ESI, EDI, kRegZero, kRegZero, kRegZero, kRegZero};

void decode_modrm16(Insn& i, Reader& r, u8 mod, u8 rm) {
  i.ea_mask = 0xFFFF;
  if (mod == 0 && rm == 6) {
    i.disp = r.word();
    return;
  }
  i.base = kBase16[rm];
  i.index = kIndex16[rm];
  if (i.base == EBP) i.seg = SS;
  if (mod == 1) i.disp = u32(i32(i8(r.byte())));
  else if (mod == 2) i.disp = r.word();
}

void decode_modrm32(Insn& i, Reader& r, u8 mod, u8 rm) {
  i.ea_mask = 0xFFFFFFFF;
  if (rm == 4) {  // SIB follows
    u8 sib = r.byte();
    u8 base = sib & 7;
    u8 index = (sib >> 3) & 7;
    i.scale = sib >> 6;
    i.index = index == 4 ? u8(kRegZero) : index;
    if (base == 5 && mod == 0) {
      i.base = kRegZero;
      i.disp = r.dword();
    } else {
      i.base = base;
    }
  } else if (mod == 0 && rm == 5) {
    i.disp = r.dword();
    return;
  } else {
    i.base = rm;
  }
  if (i.base == ESP || i.base == EBP) i.seg = SS;
  if (mod == 1) i.disp = u32(i32(i8(r.byte())));
  else if (mod == 2) i.disp = r.dword();
}

void decode_immediate(Insn& i, Reader& r, Imm kind) {
  switch (kind) {
    case Imm::None: break;
    case Imm::Ib: i.imm = r.byte(); break;
    case Imm::Ibs:
    case Imm::Jb: i.imm = u32(i32(i8(r.byte()))); break;
    case Imm::Iw: i.imm = r.word(); break;
    case Imm::Iz:
      i.imm = i.op32() ? r.dword() : r.word();
      break;
    case Imm::Jz:
      i.imm = i.op32() ? r.dword() : u32(i32(i16(r.word())));
      break;
    case Imm::IwIb:
      i.imm = r.word();
      i.imm2 = r.byte();
      break;
    case Imm::Ap:
      i.imm = i.op32() ? r.dword() : r.word();
      i.imm2 = r.word();
      break;
    case Imm::Moffs:
      i.disp = i.addr32() ? r.dword() : r.word();
      i.ea_mask = i.addr32() ? 0xFFFFFFFF : 0xFFFF;
      break;
  }
}

// Reads prefixes; returns the first opcode byte.
u8 read_prefixes(Insn& i, Reader& r, bool code32, u8& seg_override) {
  bool opsize = false, addrsize = false;
  for (;;) {
    u8 b = r.byte();
    switch (b) {
      case 0x26: seg_override = ES; break;
      case 0x2E: seg_override = CS; break;
      case 0x36: seg_override = SS; break;
      case 0x3E: seg_override = DS; break;
      case 0x64: seg_override = FS; break;
      case 0x65: seg_override = GS; break;
      case 0x66: opsize = true; break;
      case 0x67: addrsize = true; break;
      case 0xF0: i.flags |= INSN_LOCK; break;
      case 0xF2: i.flags = (i.flags & ~INSN_REP) | INSN_REPNE; break;
      case 0xF3: i.flags = (i.flags & ~INSN_REPNE) | INSN_REP; break;
      default:
        if (code32 != opsize) i.flags |= INSN_OPSIZE32;
        if (code32 != addrsize) i.flags |= INSN_ADDR32;
        return b;
    }
  }
}

}  // namespace

void decode_instruction(Insn& i, ByteFetcher& fetch, bool code32) {
  i = Insn{};
  Reader r(fetch);
  u8 seg_override = kSegNone;
  u16 opcode = read_prefixes(i, r, code32, seg_override);
  if (opcode == 0x0F) {
    opcode = 0x100 | r.byte();
    i.flags |= INSN_TWO_BYTE;
  }
  i.opcode = opcode;
  i.ea_mask = i.addr32() ? 0xFFFFFFFF : 0xFFFF;
  const OpcodeEntry* e = &opcode_entry(opcode);
  bool mem = false;
  if (e->modrm) {
    i.modrm = r.byte();
    u8 mod = i.modrm >> 6;
    i.reg = (i.modrm >> 3) & 7;
    i.rm = i.modrm & 7;
    if (mod != 3 && !(e->attrs & OP_FORCE_REG)) {  // MOV CRn/DRn ignore mod (SDM Vol. 2)
      mem = true;
      i.flags |= INSN_MEM;
      if (i.addr32()) decode_modrm32(i, r, mod, i.rm);
      else decode_modrm16(i, r, mod, i.rm);
    }
    if (e->group) e = &e->group[i.reg];
  }
  if (seg_override != kSegNone) {
    i.seg = seg_override;
    i.flags |= INSN_SEG_OVERRIDE;
  }
  decode_immediate(i, r, e->imm);
  i.len = u8(r.count());
  if (e->attrs & OP_ENDS_BLOCK) i.flags |= INSN_ENDS_BLOCK;
  Handler h = e->mnemonic ? e->handlers.h[i.op32()][mem] : nullptr;
  // LOCK is valid only on the lockable read-modify-write instructions with a memory
  // destination; anything else is #UD (SDM Vol. 2, LOCK).
  if ((i.flags & INSN_LOCK) && (!(e->attrs & OP_LOCKABLE) || !mem)) h = nullptr;
  if (!h) {
    h = op_invalid;
    i.flags |= INSN_ENDS_BLOCK;
  }
  i.fn = h;
}

namespace {
class ArrayFetcher : public ByteFetcher {
 public:
  ArrayFetcher(const u8* bytes, size_t available) : m_bytes(bytes), m_available(available) {}
  u8 next() override {
    if (m_pos >= m_available) throw CpuFault{kPF, false, 0};  // "ran out of bytes"
    return m_bytes[m_pos++];
  }

 private:
  const u8* m_bytes;
  size_t m_available;
  size_t m_pos = 0;
};
}  // namespace

unsigned instruction_length(const u8* bytes, size_t available, bool code32) {
  ArrayFetcher fetch(bytes, available);
  Insn insn;
  try {
    decode_instruction(insn, fetch, code32);
  } catch (const CpuFault&) {
    return 0;
  }
  return insn.len;
}

const char* instruction_mnemonic(const Insn& insn) {
  const OpcodeEntry* e = &opcode_entry(insn.opcode);
  if (e->group) e = &e->group[insn.reg];
  return e->mnemonic ? e->mnemonic : "(bad)";
}

}  // namespace vmlab
