// The 256-bit vector sets of the local APIC: IRR, ISR and TMR (SDM Vol. 3, 10.8.4).
//
// Bit n stands for vector n. The guest sees each set as eight 32-bit registers,
// 16 bytes apart; register k holds vectors 32k .. 32k+31:
//
//   offset  +0x00  +0x10  +0x20  ...  +0x70
//   vectors 0-31   32-63  64-95  ...  224-255
//
// Vectors 0-15 are never set: the APIC refuses them as illegal (10.5.3), which is
// also why "no bit set" can be reported as vector 0 (the SDM's ISRV / IRRV convention).
#pragma once
#include <array>
#include <bit>

#include "core/types.h"

namespace vmlab {

class ApicVectorBits {
 public:
  bool test(u8 vector) const { return m_words[vector / 32] & bit(vector); }
  void set(u8 vector) { m_words[vector / 32] |= bit(vector); }
  void clear(u8 vector) { m_words[vector / 32] &= ~bit(vector); }
  void assign(u8 vector, bool value) { value ? set(vector) : clear(vector); }
  void clear_all() { m_words.fill(0); }

  // The highest vector whose bit is set, or 0 when none is. Higher vectors have
  // higher priority, so this is the next interrupt to serve (IRRV) or the one being
  // served (ISRV).
  u8 highest() const {
    for (int k = 7; k >= 0; --k) {
      if (m_words[k]) return u8(k * 32 + std::bit_width(m_words[k]) - 1);
    }
    return 0;
  }

  // Register k as the guest reads it (k = 0..7).
  u32 word(unsigned k) const { return m_words[k]; }

 private:
  static u32 bit(u8 vector) { return 1u << (vector % 32); }
  std::array<u32, 8> m_words{};
};

}  // namespace vmlab
