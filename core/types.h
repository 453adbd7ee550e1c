// Fixed-width integer names used throughout vmlab, and branch hints.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vmlab {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using i8 = std::int8_t;
using i16 = std::int16_t;
using i32 = std::int32_t;
using i64 = std::int64_t;

}  // namespace vmlab

#define VMLAB_LIKELY(x) __builtin_expect(!!(x), 1)
#define VMLAB_UNLIKELY(x) __builtin_expect(!!(x), 0)
