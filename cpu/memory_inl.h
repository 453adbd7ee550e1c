// The memory fast path: segment check, TLB lookup, host load or store.
//
// Included by the instruction handlers. Everything that is not a TLB hit on a RAM page
// inside one page goes to the slow paths in memory.cpp.
#pragma once
#include <cstring>

#include "core/counters.h"
#include "cpu/cpu.h"

namespace vmlab {

template <typename T>
inline T Cpu::read_linear(u32 linear, bool user) {
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
inline void Cpu::write_linear(u32 linear, T value, bool user) {
  const TlbEntry& e = m_tlb.entry(user, linear);
  if (VMLAB_LIKELY(e.write_tag == (linear & ~0xFFFu) && (linear & 0xFFF) <= 0x1000 - sizeof(T))) {
    ++m_counters.tlb_hits;
    std::memcpy(reinterpret_cast<u8*>(uintptr_t(linear) + e.addend), &value, sizeof(T));
    return;
  }
  write_linear_slow(linear, value, sizeof(T), user);
}

template <typename T>
inline T Cpu::read(u8 seg, u32 offset) {
  const SegmentCache& s = m_seg[seg];
  if (VMLAB_UNLIKELY(i64(offset) + i64(sizeof(T) - 1) > s.read_max))
    segment_check_slow(seg, offset, sizeof(T), false);
  return read_linear<T>(s.base + offset, user_access());
}

template <typename T>
inline void Cpu::write(u8 seg, u32 offset, T value) {
  const SegmentCache& s = m_seg[seg];
  if (VMLAB_UNLIKELY(i64(offset) + i64(sizeof(T) - 1) > s.write_max))
    segment_check_slow(seg, offset, sizeof(T), true);
  write_linear<T>(s.base + offset, value, user_access());
}

}  // namespace vmlab
