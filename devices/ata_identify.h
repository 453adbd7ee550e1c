// The 256 words IDENTIFY DEVICE returns (ATA/ATAPI-6 section 8.15, table 27), for a
// fixed, PIO-only, LBA28 disk.
//
//   word    meaning                                   our value
//   0       general configuration                     0040h: ATA device, fixed
//   1 3 6   default cylinders, heads, sectors/track   16 x 63 translation of the size
//   2       specific configuration                    C837h: no spin-up needed, complete
//   10-19   serial number (20 characters)
//   23-26   firmware revision (8 characters)          "1.0"
//   27-46   model number (40 characters)              "VMLAB HARDDISK"
//   47      80h : max sectors per READ/WRITE MULTIPLE block
//   49      capabilities                              bit 9 LBA supported (no DMA)
//   50      capabilities                              4000h (bit 14 shall be one)
//   53      field validity                            words 54-58 and 64-70 valid
//   54-58   current cylinders, heads, sectors/track, current capacity (58:57)
//   59      bit 8 multiple setting valid, 7:0 current sectors per block
//   60-61   total user-addressable sectors, LBA28 (61:60)
//   64      advanced PIO modes                        modes 3 and 4
//   67 68   minimum PIO cycle time, without / with IORDY, ns
//   80      major version: ATA-1 through ATA/ATAPI-6
//   82-87   feature sets: power management, write cache, look-ahead, FLUSH CACHE
//   255     integrity word: A5h signature, checksum in bits 15:8
//
// Strings hold two characters per word, the first in bits 15:8, padded with spaces. A
// little-endian host that stores the words as read from the data port therefore sees
// each pair of characters swapped: "VMLAB HARDDISK" appears in memory as "MVAL BAHDRIDKS".
#pragma once
#include <array>
#include <string>
#include <string_view>

#include "core/types.h"
#include "devices/ata_geometry.h"

namespace vmlab {

using IdentifyData = std::array<u16, 256>;

struct IdentifyInputs {
  u64 total_sectors = 0;  // at most 0FFFFFFFh (LBA28)
  ChsGeometry default_geometry;
  ChsGeometry current_geometry;  // may be invalid after INITIALIZE DEVICE PARAMETERS
  u32 multiple_sectors = 0;      // 0: READ/WRITE MULTIPLE disabled
  bool write_cache_enabled = true;
  bool read_look_ahead_enabled = true;
  std::string_view serial_number;  // at most 20 characters; longer is cut
};

inline constexpr std::string_view kAtaModelNumber = "VMLAB HARDDISK";
inline constexpr std::string_view kAtaFirmwareRevision = "1.0";

// Build the IDENTIFY DEVICE words for a device described by `in`.
IdentifyData identify_device_data(const IdentifyInputs& in);

// Store `text` in words [first_word, first_word + word_count) in the ATA string layout
// (first character of each pair in bits 15:8, space padded, cut at 2 x word_count).
void put_ata_string(IdentifyData& data, unsigned first_word, unsigned word_count,
                    std::string_view text);

// The text an ATA string field holds, trailing spaces removed.
std::string get_ata_string(const IdentifyData& data, unsigned first_word, unsigned word_count);

}  // namespace vmlab
