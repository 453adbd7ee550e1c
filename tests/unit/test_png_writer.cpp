// The screenshot encoder: a PNG any reader accepts (signature, chunk CRCs, IHDR fields,
// an IDAT that inflates to the filtered rows), and the same bytes for the same pixels.
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "core/png_writer.h"

namespace vmlab {
namespace {

u32 be32(const std::vector<u8>& b, size_t at) {
  return u32(b[at]) << 24 | u32(b[at + 1]) << 16 | u32(b[at + 2]) << 8 | b[at + 3];
}

struct Chunk {
  std::string type;
  std::vector<u8> data;
};

// Split a PNG into its chunks, checking every CRC.
std::vector<Chunk> chunks(const std::vector<u8>& png) {
  std::vector<Chunk> out;
  for (size_t at = 8; at + 12 <= png.size();) {
    u32 length = be32(png, at);
    Chunk c{std::string(png.begin() + long(at) + 4, png.begin() + long(at) + 8),
            std::vector<u8>(png.begin() + long(at) + 8, png.begin() + long(at) + 8 + length)};
    uLong crc = crc32(0L, png.data() + at + 4, uInt(length + 4));
    EXPECT_EQ(be32(png, at + 8 + length), u32(crc)) << c.type;
    out.push_back(std::move(c));
    at += 12 + length;
  }
  return out;
}

TEST(PngWriter, WritesAValidRgbaImage) {
  const u32 w = 3, h = 2;
  std::vector<u8> pixels;
  for (u32 i = 0; i < w * h; ++i) pixels.insert(pixels.end(), {u8(i * 40), u8(255 - i), u8(i), 255});
  std::vector<u8> png = encode_png(w, h, pixels);
  ASSERT_GE(png.size(), 8u);
  EXPECT_EQ(std::vector<u8>(png.begin(), png.begin() + 8),
            (std::vector<u8>{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}));
  std::vector<Chunk> c = chunks(png);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].type, "IHDR");
  EXPECT_EQ(be32(c[0].data, 0), w);
  EXPECT_EQ(be32(c[0].data, 4), h);
  EXPECT_EQ(std::vector<u8>(c[0].data.begin() + 8, c[0].data.end()), (std::vector<u8>{8, 6, 0, 0, 0}));
  EXPECT_EQ(c[1].type, "IDAT");
  EXPECT_EQ(c[2].type, "IEND");
  std::vector<u8> raw(h * (w * 4 + 1));
  uLongf raw_size = uLongf(raw.size());
  ASSERT_EQ(uncompress(raw.data(), &raw_size, c[1].data.data(), uLong(c[1].data.size())), Z_OK);
  ASSERT_EQ(raw_size, raw.size());
  for (u32 y = 0; y < h; ++y) {
    EXPECT_EQ(raw[y * (w * 4 + 1)], 0) << "filter: none";
    for (u32 i = 0; i < w * 4; ++i) EXPECT_EQ(raw[y * (w * 4 + 1) + 1 + i], pixels[y * w * 4 + i]);
  }
  EXPECT_EQ(encode_png(w, h, pixels), png) << "deterministic";
}

TEST(PngWriter, RejectsABufferOfTheWrongSize) {
  EXPECT_THROW(encode_png(2, 2, std::vector<u8>(15)), std::invalid_argument);
}

}  // namespace
}  // namespace vmlab
