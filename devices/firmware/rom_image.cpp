#include "devices/firmware/rom_image.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/bus.h"
#include "core/error.h"
#include "core/physical_memory.h"

namespace vmlab {

RomImage::RomImage(const std::string& path) : m_path(path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw UserError(fmt::format("cannot open BIOS ROM '{}': {}", path, std::strerror(errno)));
  m_bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  if (m_bytes.empty() || m_bytes.size() % kSizeUnit != 0 || m_bytes.size() > kMaxSize)
    throw UserError(fmt::format("BIOS ROM '{}' is {} bytes: it must be a whole number of 64 KiB units, "
                                "from 64 KiB to 16 MiB (pad it at the start, the reset vector is at the end)",
                                path, m_bytes.size()));
}

void RomImage::install(Bus& bus, PhysicalMemory& memory) const {
  u32 base = u32((1ull << 32) - m_bytes.size());
  bus.map_mmio(base, size(), "bios-rom", [this](IoAccess& a) {
    if (a.is_write) return;
    u32 v = 0;
    for (unsigned k = 0; k < a.size && a.addr + k < m_bytes.size(); ++k) v |= u32(m_bytes[a.addr + k]) << (8 * k);
    a.data = v;
  });
  u32 alias = std::min<u32>(size(), kLowAliasMax);
  memory.write(0x100000 - alias, m_bytes.data() + m_bytes.size() - alias, alias);
}

}  // namespace vmlab
