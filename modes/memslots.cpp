#include "modes/memslots.h"

#include <cstring>

#include "core/physical_memory.h"

namespace vmlab {

Memslots::Memslots(const PhysicalMemory& memory) : m_memory(memory), m_guest_end(memory.guest_size()) {
  m_slots.push_back(Memslot{0, u32(m_guest_end), 0});
}

std::optional<u32> Memslots::ram_hpa(u32 gpa) const {
  for (const Memslot& s : m_slots) {
    if (gpa - s.gpa >= s.size) continue;
    u32 hpa = s.hpa + (gpa - s.gpa);
    if (!m_memory.contains(hpa, 1)) return std::nullopt;  // a hole: device memory
    return hpa;
  }
  return std::nullopt;
}

u32 Memslots::device_address(u32 gpa) const {
  if (m_memory.contains(gpa, 1) && !ram_hpa(gpa)) return kOpenBusPage | (gpa & 0xFFF);
  return gpa;
}

MonitorMemory::MonitorMemory(PhysicalMemory& memory)
    : m_memory(memory), m_base(u32(memory.guest_size())), m_end(u32(memory.size())) {
  for (u32 page = m_end; page > m_base;) {
    page -= 0x1000;
    m_free.push_back(page);
  }
}

std::optional<u32> MonitorMemory::alloc_page() {
  if (m_free.empty()) return std::nullopt;
  u32 page = m_free.back();
  m_free.pop_back();
  std::memset(host(page), 0, 0x1000);
  return page;
}

void MonitorMemory::free_page(u32 hpa) { m_free.push_back(hpa); }

u8* MonitorMemory::host(u32 hpa) const { return m_memory.host_ptr(hpa); }

}  // namespace vmlab
