// Test helpers for disk images: a temporary directory and image files whose sectors
// can be told apart (each begins with its own LBA).
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/types.h"

namespace vmlab::disk_test {

namespace fs = std::filesystem;

// A fresh directory (mkdtemp), removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "vmlab_disk_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = pattern;
  }
  ~TempDir() { fs::remove_all(m_path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (m_path / name).string(); }

 private:
  fs::path m_path;
};

// Byte `offset` of sector `lba` in the images make_image writes: the LBA in the first
// four bytes (little-endian), then a pattern that differs between neighbouring sectors.
inline u8 pattern_byte(u32 lba, u32 offset) {
  if (offset < 4) return static_cast<u8>(lba >> (8 * offset));
  return static_cast<u8>(lba * 31 + offset);
}

inline std::vector<u8> pattern_sector(u32 lba) {
  std::vector<u8> sector(512);
  for (u32 i = 0; i < 512; ++i) sector[i] = pattern_byte(lba, i);
  return sector;
}

inline void write_bytes(const std::string& path, const std::vector<u8>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::vector<u8> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<u8>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// An image of `sectors` pattern sectors.
inline void make_image(const std::string& path, u32 sectors) {
  std::vector<u8> bytes;
  bytes.reserve(u64{sectors} * 512);
  for (u32 lba = 0; lba < sectors; ++lba) {
    std::vector<u8> s = pattern_sector(lba);
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  write_bytes(path, bytes);
}

// A sparse file of `bytes` bytes (no disk space used): for size limits and big geometries.
inline void make_sparse(const std::string& path, u64 bytes) {
  write_bytes(path, {});
  fs::resize_file(path, bytes);
}

// Sector `lba` of the file as it is on disk now.
inline std::vector<u8> file_sector(const std::string& path, u32 lba) {
  std::vector<u8> all = read_bytes(path);
  return std::vector<u8>(all.begin() + u64{lba} * 512, all.begin() + (u64{lba} + 1) * 512);
}

}  // namespace vmlab::disk_test
