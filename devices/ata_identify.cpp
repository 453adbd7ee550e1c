#include "devices/ata_identify.h"

#include <algorithm>

#include "devices/ata.h"

namespace vmlab {

namespace {

// Word numbers, named as in ATA/ATAPI-6 table 27.
constexpr unsigned W_GENERAL_CONFIG = 0, W_CYLINDERS = 1, W_SPECIFIC_CONFIG = 2, W_HEADS = 3,
                   W_SECTORS_PER_TRACK = 6, W_SERIAL = 10, W_FIRMWARE = 23, W_MODEL = 27,
                   W_MAX_MULTIPLE = 47, W_CAPABILITIES = 49, W_CAPABILITIES2 = 50,
                   W_FIELD_VALIDITY = 53, W_CURRENT_CYLINDERS = 54, W_CURRENT_HEADS = 55,
                   W_CURRENT_SECTORS = 56, W_CURRENT_CAPACITY = 57, W_MULTIPLE_SETTING = 59,
                   W_LBA28_SECTORS = 60, W_PIO_MODES = 64, W_MIN_PIO_CYCLE = 67,
                   W_MIN_PIO_CYCLE_IORDY = 68, W_MAJOR_VERSION = 80, W_COMMAND_SET_SUPPORTED = 82,
                   W_COMMAND_SET_SUPPORTED2 = 83, W_COMMAND_SET_EXTENSION = 84,
                   W_COMMAND_SET_ENABLED = 85, W_COMMAND_SET_ENABLED2 = 86,
                   W_COMMAND_SET_DEFAULT = 87, W_INTEGRITY = 255;

constexpr u16 GENERAL_CONFIG_FIXED = 0x0040;        // bit 6: not removable (ATA-1..5 meaning)
constexpr u16 SPECIFIC_CONFIG_COMPLETE = 0xC837;    // no SET FEATURES spin-up, data complete
constexpr u16 CAPABILITY_LBA = 1u << 9;
constexpr u16 WORD_VALID = 0x4000;                  // bits 15:14 = 01b: the word is valid
constexpr u16 VALID_WORDS_54_58 = 1u << 0, VALID_WORDS_64_70 = 1u << 1;
constexpr u16 MULTIPLE_SETTING_VALID = 1u << 8;
constexpr u16 PIO_MODES_3_4 = 0x0003;
constexpr u16 PIO_MODE4_CYCLE_NS = 120;
constexpr u16 MAJOR_ATA1_TO_ATA6 = 0x007E;          // bits 1..6
constexpr u16 FEATURE_POWER_MANAGEMENT = 1u << 3, FEATURE_WRITE_CACHE = 1u << 5,
              FEATURE_LOOK_AHEAD = 1u << 6;
constexpr u16 FEATURE_FLUSH_CACHE = 1u << 12;       // word 83 and 86
constexpr u16 INTEGRITY_SIGNATURE = 0xA5;

void put_u32(IdentifyData& data, unsigned word, u32 value) {
  data[word] = static_cast<u16>(value);
  data[word + 1] = static_cast<u16>(value >> 16);
}

// Words 54-58: all zero when INITIALIZE DEVICE PARAMETERS left no valid translation.
void put_current_geometry(IdentifyData& data, const ChsGeometry& g) {
  if (!g.valid()) return;
  data[W_CURRENT_CYLINDERS] = static_cast<u16>(g.cylinders);
  data[W_CURRENT_HEADS] = static_cast<u16>(g.heads);
  data[W_CURRENT_SECTORS] = static_cast<u16>(g.sectors_per_track);
  put_u32(data, W_CURRENT_CAPACITY, static_cast<u32>(g.capacity()));
}

// Word 255: bits 7:0 A5h, bits 15:8 the two's complement of the sum of bytes 0-510 and
// A5h, so that all 512 bytes sum to zero modulo 256.
void put_integrity_word(IdentifyData& data) {
  u32 sum = INTEGRITY_SIGNATURE;
  for (unsigned w = 0; w < W_INTEGRITY; ++w) sum += (data[w] & 0xFF) + (data[w] >> 8);
  u8 checksum = static_cast<u8>(0x100 - (sum & 0xFF));
  data[W_INTEGRITY] = static_cast<u16>(checksum << 8 | INTEGRITY_SIGNATURE);
}

}  // namespace

void put_ata_string(IdentifyData& data, unsigned first_word, unsigned word_count,
                    std::string_view text) {
  for (unsigned i = 0; i < word_count; ++i) {
    auto char_at = [&](std::size_t pos) -> u8 { return pos < text.size() ? text[pos] : ' '; };
    data[first_word + i] = static_cast<u16>(char_at(2 * i) << 8 | char_at(2 * i + 1));
  }
}

std::string get_ata_string(const IdentifyData& data, unsigned first_word, unsigned word_count) {
  std::string text;
  for (unsigned i = 0; i < word_count; ++i) {
    text += static_cast<char>(data[first_word + i] >> 8);
    text += static_cast<char>(data[first_word + i] & 0xFF);
  }
  text.erase(text.find_last_not_of(' ') + 1);
  return text;
}

IdentifyData identify_device_data(const IdentifyInputs& in) {
  IdentifyData d{};
  d[W_GENERAL_CONFIG] = GENERAL_CONFIG_FIXED;
  d[W_CYLINDERS] = static_cast<u16>(in.default_geometry.cylinders);
  d[W_SPECIFIC_CONFIG] = SPECIFIC_CONFIG_COMPLETE;
  d[W_HEADS] = static_cast<u16>(in.default_geometry.heads);
  d[W_SECTORS_PER_TRACK] = static_cast<u16>(in.default_geometry.sectors_per_track);
  put_ata_string(d, W_SERIAL, 10, in.serial_number);
  put_ata_string(d, W_FIRMWARE, 4, kAtaFirmwareRevision);
  put_ata_string(d, W_MODEL, 20, kAtaModelNumber);
  d[W_MAX_MULTIPLE] = static_cast<u16>(0x8000 | ata::kMaxMultipleSectors);
  d[W_CAPABILITIES] = CAPABILITY_LBA;
  d[W_CAPABILITIES2] = WORD_VALID;
  d[W_FIELD_VALIDITY] = VALID_WORDS_54_58 | VALID_WORDS_64_70;
  put_current_geometry(d, in.current_geometry);
  if (in.multiple_sectors != 0)
    d[W_MULTIPLE_SETTING] = static_cast<u16>(MULTIPLE_SETTING_VALID | in.multiple_sectors);
  put_u32(d, W_LBA28_SECTORS, static_cast<u32>(std::min<u64>(in.total_sectors, 0x0FFFFFFF)));
  d[W_PIO_MODES] = PIO_MODES_3_4;
  d[W_MIN_PIO_CYCLE] = PIO_MODE4_CYCLE_NS;
  d[W_MIN_PIO_CYCLE_IORDY] = PIO_MODE4_CYCLE_NS;
  d[W_MAJOR_VERSION] = MAJOR_ATA1_TO_ATA6;
  d[W_COMMAND_SET_SUPPORTED] = FEATURE_POWER_MANAGEMENT | FEATURE_WRITE_CACHE | FEATURE_LOOK_AHEAD;
  d[W_COMMAND_SET_SUPPORTED2] = WORD_VALID | FEATURE_FLUSH_CACHE;
  d[W_COMMAND_SET_EXTENSION] = WORD_VALID;
  d[W_COMMAND_SET_ENABLED] = FEATURE_POWER_MANAGEMENT |
                             (in.write_cache_enabled ? FEATURE_WRITE_CACHE : 0) |
                             (in.read_look_ahead_enabled ? FEATURE_LOOK_AHEAD : 0);
  d[W_COMMAND_SET_ENABLED2] = FEATURE_FLUSH_CACHE;
  d[W_COMMAND_SET_DEFAULT] = WORD_VALID;
  put_integrity_word(d);
  return d;
}

}  // namespace vmlab
