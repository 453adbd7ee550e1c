// CHS (cylinder, head, sector) addressing of an ATA device, and its translation to LBA.
//
// A device has a default translation, reported in IDENTIFY words 1, 3 and 6, and a
// current one (words 54-58) that INITIALIZE DEVICE PARAMETERS changes. The default is
// the standard 16 heads x 63 sectors per track; cylinders are what fits, at most 16383
// (the ATA limit for the default translation: larger devices are reached by LBA).
//
//   LBA = (cylinder x heads + head) x sectors_per_track + (sector - 1)
//
// Sectors count from 1, cylinders and heads from 0. An address outside the geometry
// (head >= heads, sector 0 or > sectors_per_track, cylinder >= cylinders) has no LBA.
#pragma once
#include <optional>

#include "core/types.h"

namespace vmlab {

struct ChsAddress {
  u16 cylinder;
  u8 head;
  u8 sector;
};

struct ChsGeometry {
  u32 cylinders = 0;  // 0: no valid translation (media commands by CHS fail with IDNF)
  u32 heads = 0;
  u32 sectors_per_track = 0;

  bool valid() const { return cylinders != 0 && heads != 0 && sectors_per_track != 0; }
  // Sectors the translation covers (IDENTIFY words 57-58 for the current one).
  u64 capacity() const { return u64{cylinders} * heads * sectors_per_track; }
};

// The default translation of a device holding `total_sectors` sectors. Images smaller
// than one cylinder (1008 sectors) still get one cylinder: addresses past the end of the
// image then fail the controller's range check, as any address past the end does.
ChsGeometry default_chs_geometry(u64 total_sectors);

// The translation INITIALIZE DEVICE PARAMETERS establishes: `heads` (1-16) and
// `sectors_per_track` (0-255) from the host, cylinders derived from the capacity, at
// least 1 and at most 65535. sectors_per_track 0 gives an invalid translation.
ChsGeometry chs_geometry_for(u64 total_sectors, u32 heads, u32 sectors_per_track);

// The LBA of a CHS address, or nothing when the address lies outside `g`.
std::optional<u32> chs_to_lba(const ChsGeometry& g, ChsAddress a);

// The CHS address of an LBA, or nothing when `lba` lies beyond what `g` covers.
std::optional<ChsAddress> lba_to_chs(const ChsGeometry& g, u32 lba);

}  // namespace vmlab
