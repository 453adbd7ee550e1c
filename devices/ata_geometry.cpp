#include "devices/ata_geometry.h"

#include <algorithm>

namespace vmlab {

namespace {
constexpr u32 kDefaultHeads = 16;
constexpr u32 kDefaultSectorsPerTrack = 63;
constexpr u64 kMaxDefaultCylinders = 16383;  // IDENTIFY word 1 never exceeds this
constexpr u64 kMaxCurrentCylinders = 65535;  // the Cylinder High:Low registers hold 16 bits
}  // namespace

ChsGeometry default_chs_geometry(u64 total_sectors) {
  u64 cylinders = total_sectors / (kDefaultHeads * kDefaultSectorsPerTrack);
  cylinders = std::clamp<u64>(cylinders, 1, kMaxDefaultCylinders);
  return ChsGeometry{static_cast<u32>(cylinders), kDefaultHeads, kDefaultSectorsPerTrack};
}

ChsGeometry chs_geometry_for(u64 total_sectors, u32 heads, u32 sectors_per_track) {
  if (heads == 0 || sectors_per_track == 0) return ChsGeometry{0, heads, sectors_per_track};
  u64 cylinders = total_sectors / (u64{heads} * sectors_per_track);
  cylinders = std::clamp<u64>(cylinders, 1, kMaxCurrentCylinders);
  return ChsGeometry{static_cast<u32>(cylinders), heads, sectors_per_track};
}

std::optional<u32> chs_to_lba(const ChsGeometry& g, ChsAddress a) {
  if (!g.valid() || a.cylinder >= g.cylinders || a.head >= g.heads || a.sector == 0 ||
      a.sector > g.sectors_per_track) {
    return std::nullopt;
  }
  u64 lba = (u64{a.cylinder} * g.heads + a.head) * g.sectors_per_track + (a.sector - 1u);
  return static_cast<u32>(lba);  // < 65535 x 16 x 255, well inside 32 bits
}

std::optional<ChsAddress> lba_to_chs(const ChsGeometry& g, u32 lba) {
  if (!g.valid() || lba >= g.capacity()) return std::nullopt;
  u32 track = lba / g.sectors_per_track;
  return ChsAddress{static_cast<u16>(track / g.heads), static_cast<u8>(track % g.heads),
                    static_cast<u8>(lba % g.sectors_per_track + 1)};
}

}  // namespace vmlab
