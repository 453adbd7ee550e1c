// Segment descriptors and gates (SDM Vol. 3, 3.4.5 and 6.11), decoded from their two
// dwords.
//
//   hi: 31     24 23 22 21 20 19   16 15 14 13 12 11    8 7        0
//      | base    | G|DB| L|AV| limit |  P| DPL |S | type  | base    |
//      | 31..24  |  |  |  |  | 19..16|   |     |  |       | 23..16  |
//   lo: 31                        16 15                          0
//      |        base 15..0          |         limit 15..0         |
//
//   gate hi: | offset 31..16 | P | DPL | 0 | type | 000 | param count |
//   gate lo: | selector      | offset 15..0                          |
#pragma once
#include "core/types.h"
#include "cpu/cpu_state.h"

namespace vmlab {

// System descriptor types (S = 0)
enum SystemType : u8 {
  STS_T16A = 0x1,  // available 16-bit TSS
  STS_LDT = 0x2,
  STS_T16B = 0x3,  // busy 16-bit TSS
  STS_CG16 = 0x4,  // 16-bit call gate
  STS_TG = 0x5,    // task gate
  STS_IG16 = 0x6,
  STS_TRG16 = 0x7,
  STS_T32A = 0x9,
  STS_T32B = 0xB,
  STS_CG32 = 0xC,
  STS_IG32 = 0xE,
  STS_TRG32 = 0xF,
};

struct Descriptor {
  u32 lo = 0, hi = 0;

  u32 base() const { return (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u); }
  u32 raw_limit() const { return (lo & 0xFFFF) | (hi & 0x000F0000u); }
  bool granular() const { return hi & (1u << 23); }
  u32 limit() const { return granular() ? (raw_limit() << 12) | 0xFFF : raw_limit(); }
  u8 access() const { return u8(hi >> 8); }
  u8 flags() const { return u8((hi >> 20) & 0xF); }
  bool present() const { return hi & (1u << 15); }
  u8 dpl() const { return (hi >> 13) & 3; }
  bool is_segment() const { return hi & (1u << 12); }  // S = 1: code or data
  u8 type() const { return (hi >> 8) & 0xF; }
  bool is_code() const { return is_segment() && (type() & 0x8); }
  bool is_data() const { return is_segment() && !(type() & 0x8); }
  bool conforming() const { return is_code() && (type() & 0x4); }
  bool readable() const { return !is_code() || (type() & 0x2); }
  bool writable() const { return is_data() && (type() & 0x2); }

  // Gates
  u16 gate_selector() const { return u16(lo >> 16); }
  u32 gate_offset() const { return (lo & 0xFFFF) | (hi & 0xFFFF0000u); }
  u8 gate_params() const { return hi & 0x1F; }
  bool gate32() const { return type() & 0x8; }
};

// The descriptor cache contents for a segment register loaded with `selector`.
inline SegmentCache make_cache(u16 selector, const Descriptor& d) {
  SegmentCache s;
  s.selector = selector;
  s.base = d.base();
  s.limit = d.limit();
  s.access = d.access();
  s.flags = d.flags();
  return s;
}

// Selector fields
inline u16 selector_index(u16 sel) { return sel & ~7u; }
inline bool selector_ldt(u16 sel) { return sel & 4; }
inline u8 selector_rpl(u16 sel) { return sel & 3; }

}  // namespace vmlab
