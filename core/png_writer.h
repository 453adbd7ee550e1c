// A PNG encoder for screenshots: 8-bit RGBA, no interlacing, one IDAT chunk compressed
// with zlib at a fixed level, no time or text chunks. The same pixels always give the
// same bytes, so tests can compare screenshots by hash.
#pragma once
#include <string>
#include <vector>

#include "core/types.h"

namespace vmlab {

// `rgba` holds width x height pixels, 4 bytes each (R, G, B, A), rows top to bottom.
std::vector<u8> encode_png(u32 width, u32 height, const std::vector<u8>& rgba);

// encode_png() written to `path`; throws UserError naming the file when it cannot be.
void write_png(const std::string& path, u32 width, u32 height, const std::vector<u8>& rgba);

}  // namespace vmlab
