#include "core/png_writer.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "core/error.h"

namespace vmlab {
namespace {

void put32(std::vector<u8>& out, u32 v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(u8(v >> shift));
}

// A chunk: length, type, data, CRC-32 of type and data (PNG spec, 5.3).
void chunk(std::vector<u8>& out, const char type[4], const std::vector<u8>& data) {
  put32(out, u32(data.size()));
  size_t type_at = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  uLong crc = crc32(0L, out.data() + type_at, uInt(out.size() - type_at));
  put32(out, u32(crc));
}

}  // namespace

std::vector<u8> encode_png(u32 width, u32 height, const std::vector<u8>& rgba) {
  if (u64(width) * height * 4 != rgba.size())
    throw std::invalid_argument("encode_png: pixel buffer does not match the size");
  // Each row is prefixed with filter type 0 (none).
  std::vector<u8> raw;
  raw.reserve(size_t(height) * (width * 4 + 1));
  for (u32 y = 0; y < height; ++y) {
    raw.push_back(0);
    const u8* row = rgba.data() + size_t(y) * width * 4;
    raw.insert(raw.end(), row, row + size_t(width) * 4);
  }
  uLongf packed_size = compressBound(uLong(raw.size()));
  std::vector<u8> packed(packed_size);
  if (compress2(packed.data(), &packed_size, raw.data(), uLong(raw.size()), 6) != Z_OK)
    throw std::runtime_error("encode_png: zlib failed");
  packed.resize(packed_size);

  std::vector<u8> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<u8> header;
  put32(header, width);
  put32(header, height);
  header.insert(header.end(), {8, 6, 0, 0, 0});  // 8 bits, RGBA, deflate, adaptive filters, no interlace
  chunk(out, "IHDR", header);
  chunk(out, "IDAT", packed);
  chunk(out, "IEND", {});
  return out;
}

void write_png(const std::string& path, u32 width, u32 height, const std::vector<u8>& rgba) {
  std::vector<u8> bytes = encode_png(width, height, rgba);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw UserError(fmt::format("cannot write screenshot '{}': {}", path, std::strerror(errno)));
  size_t written = std::fwrite(bytes.data(), 1, bytes.size(), f);
  bool closed = std::fclose(f) == 0;
  if (written != bytes.size() || !closed)
    throw UserError(fmt::format("cannot write screenshot '{}': {}", path, std::strerror(errno)));
}

}  // namespace vmlab
