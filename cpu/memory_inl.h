// The memory fast path: segment check, TLB lookup, host load or store.
//
// Included by the instruction handlers. Everything that is not a TLB hit on a RAM page
// inside one page goes to the slow paths in memory.cpp.
#pragma once
#include <cstring>

#include "core/counters.h"
#include "cpu/cpu.h"

namespace vmlab {

// T is u8, u16 or u32 (the slow paths carry at most 32 bits).
template <typename T>
__attribute__((always_inline)) inline T Cpu::read_linear(u32 linear, bool user) {
  static_assert(sizeof(T) <= 4);
  const TlbEntry& e = m_tlb.entry(user, linear);
  if (VMLAB_LIKELY(e.read_tag == (linear & ~0xFFFu) && (linear & 0xFFF) <= 0x1000 - sizeof(T))) {
    ++m_counters.tlb_hits;
    T value;
    std::memcpy(&value, reinterpret_cast<const u8*>(uintptr_t(linear) + e.addend), sizeof(T));
    return value;
  }
  return static_cast<T>(read_linear_slow(linear, sizeof(T), user));
}

template <typename T>
__attribute__((always_inline)) inline void Cpu::write_linear(u32 linear, T value, bool user) {
  static_assert(sizeof(T) <= 4);
  const TlbEntry& e = m_tlb.entry(user, linear);
  if (VMLAB_LIKELY(e.write_tag == (linear & ~0xFFFu) && (linear & 0xFFF) <= 0x1000 - sizeof(T))) {
    ++m_counters.tlb_hits;
    std::memcpy(reinterpret_cast<u8*>(uintptr_t(linear) + e.addend), &value, sizeof(T));
    return;
  }
  write_linear_slow(linear, value, sizeof(T), user);
}

template <typename T>
__attribute__((always_inline)) inline T Cpu::read(u8 seg, u32 offset) {
  const SegmentCache& s = m_seg[seg];
  if (VMLAB_UNLIKELY(i64(offset) + i64(sizeof(T) - 1) > s.read_max))
    segment_check_slow(seg, offset, sizeof(T), false);
  return read_linear<T>(s.base + offset, user_access());
}

template <typename T>
__attribute__((always_inline)) inline void Cpu::write(u8 seg, u32 offset, T value) {
  const SegmentCache& s = m_seg[seg];
  if (VMLAB_UNLIKELY(i64(offset) + i64(sizeof(T) - 1) > s.write_max))
    segment_check_slow(seg, offset, sizeof(T), true);
  write_linear<T>(s.base + offset, value, user_access());
}

__attribute__((always_inline)) inline void Cpu::push(u32 value, unsigned size) {
  u32 mask = m_seg[SS].default_big() ? 0xFFFFFFFFu : 0xFFFFu;
  u32 sp = (m_regs[ESP] - size) & mask;
  if (size == 4) write<u32>(SS, sp, value);
  else write<u16>(SS, sp, u16(value));
  set_stack_pointer(sp);
}

__attribute__((always_inline)) inline u32 Cpu::pop(unsigned size) {
  u32 sp = stack_pointer();
  u32 v = size == 4 ? read<u32>(SS, sp) : read<u16>(SS, sp);
  set_stack_pointer(sp + size);
  return v;
}

inline void Cpu::refresh_segment_limits(SegmentCache& s) const {
  i64 limit = s.limit;
  if (!(m_cr0 & CR0_PE) || (m_eflags & EFLAGS_VM)) {
    s.read_max = s.write_max = limit;  // real mode: any access inside the limit
  } else if (!s.present() || s.is_system()) {
    s.read_max = s.write_max = -1;     // null or unusable: every access faults
  } else if (s.is_code()) {
    s.read_max = (s.access & 0x2) ? limit : -1;  // readable code
    s.write_max = -1;
  } else if (s.expand_down()) {
    s.read_max = s.write_max = -1;     // valid offsets are above the limit: slow path
  } else {
    s.read_max = limit;
    s.write_max = (s.access & 0x2) ? limit : -1;
  }
}

}  // namespace vmlab
