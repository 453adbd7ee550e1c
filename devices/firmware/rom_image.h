// A user-supplied firmware ROM (`vmlab run --bios FILE`), in place of vmlab's own, as
// QEMU's -bios: the image is mapped at the top of the 4 GiB space, so its last 16 bytes
// hold the reset vector the CPU fetches at F000:FFF0, and its last 128 KiB (or all of
// it, if smaller) also appear below 1 MiB at 0xE0000-0xFFFFF, where real-mode code runs
// it. The low alias is a copy in RAM: writes to it change the copy, not the ROM.
#pragma once
#include <string>
#include <vector>

#include "core/types.h"

namespace vmlab {

class Bus;
class PhysicalMemory;

class RomImage {
 public:
  static constexpr u32 kSizeUnit = 64 * 1024;       // sizes are whole 64 KiB units
  static constexpr u32 kMaxSize = 16 * 1024 * 1024;  // the top 16 MiB of the address space
  static constexpr u32 kLowAliasMax = 128 * 1024;

  // Read and validate the file; one-line UserError when it is missing or the wrong size.
  explicit RomImage(const std::string& path);

  // Map the image at [4 GiB - size, 4 GiB) and copy the low alias below 1 MiB.
  void install(Bus& bus, PhysicalMemory& memory) const;
  u32 size() const { return u32(m_bytes.size()); }

 private:
  std::string m_path;
  std::vector<u8> m_bytes;
};

}  // namespace vmlab
