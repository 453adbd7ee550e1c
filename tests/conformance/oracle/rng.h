// The conformance generator's random source: deterministic, seeded per opcode form.
//
// No host time or address enters the generator, so the same build produces the same
// cases on every run and every machine, and a failing case keeps its number. Each form
// gets its own seed (a hash of its name), so adding a form does not reshuffle the others.
#pragma once
#include <initializer_list>
#include <string_view>

#include "core/types.h"

namespace vmlab::conformance {

class Rng {
 public:
  explicit Rng(u64 seed) : m_state(seed ? seed : 0x9E3779B97F4A7C15ull) {}

  // Seed for a named form: FNV-1a of the name, mixed with a fixed generator version.
  static u64 seed_for(std::string_view name) {
    u64 hash = 0xCBF29CE484222325ull;
    for (char ch : name) hash = (hash ^ static_cast<u8>(ch)) * 0x100000001B3ull;
    return hash ^ 0x766D6C6162ull;  // bump to regenerate every case
  }

  // xorshift64* step: good enough statistics for test inputs, two lines to read.
  u64 next64() {
    m_state ^= m_state >> 12;
    m_state ^= m_state << 25;
    m_state ^= m_state >> 27;
    return m_state * 0x2545F4914F6CDD1Dull;
  }
  u32 next32() { return static_cast<u32>(next64() >> 32); }
  // Uniform in [0, n); n > 0.
  u32 below(u32 n) { return static_cast<u32>((next64() >> 32) % n); }
  // Uniform in [lo, hi].
  u32 range(u32 lo, u32 hi) { return lo + below(hi - lo + 1); }
  bool chance(u32 percent) { return below(100) < percent; }
  template <typename T>
  T pick(std::initializer_list<T> items) { return items.begin()[below(static_cast<u32>(items.size()))]; }

  // A 32-bit value biased toward the boundaries where arithmetic goes wrong: sign and
  // carry edges of each operand size, their neighbours, and edges in only the low byte
  // or word (with random upper bits) so that 8- and 16-bit operations see them too.
  u32 edge32() {
    static constexpr u32 kEdges[] = {0,          1,          2,          0x7F,      0x80,
                                     0xFF,       0x100,      0x7FFF,     0x8000,    0xFFFF,
                                     0x10000,    0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE,
                                     0x80000001, 0x7FFFFFFE, 0x0F,       0xF0,       0x55555555};
    constexpr u32 kEdgeCount = sizeof kEdges / sizeof kEdges[0];
    switch (below(8)) {
      case 0: case 1: case 2: return next32();
      case 3: case 4: return kEdges[below(kEdgeCount)];
      case 5: return kEdges[below(kEdgeCount)] + pick({0u, 1u, ~0u});
      case 6: return (next32() & 0xFFFFFF00u) | (kEdges[below(kEdgeCount)] & 0xFF);
      default: return (next32() & 0xFFFF0000u) | (kEdges[below(kEdgeCount)] & 0xFFFF);
    }
  }

 private:
  u64 m_state;
};

}  // namespace vmlab::conformance
