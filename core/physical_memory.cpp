#include "core/physical_memory.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

#include "core/error.h"

namespace vmlab {

void PhysicalMemory::Unmap::operator()(u8* p) const { munmap(p, size); }

// RAM comes from an anonymous mapping: zero-filled, and the host only backs the pages the
// guest touches, so a large --mem costs nothing until used.
PhysicalMemory::PhysicalMemory(u64 size_bytes) : m_size(size_bytes), m_data(nullptr, Unmap{size_bytes}) {
  if (size_bytes == 0 || size_bytes % kPageSize != 0 || size_bytes > (3ull << 30))
    throw UserError("memory size must be a non-zero multiple of 4 KiB and at most 3072 MiB");
  void* p = mmap(nullptr, size_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw UserError("cannot allocate " + std::to_string(size_bytes >> 20) + " MiB of guest RAM: try a smaller --mem");
  m_data.reset(static_cast<u8*>(p));
  m_code_pages.assign(size_bytes >> kPageShift, 0);
}

void PhysicalMemory::write(u32 paddr, const void* src, u32 len) {
  if (len == 0) return;
  std::memcpy(m_data.get() + paddr, src, len);
  note_write(paddr, len);
}

void PhysicalMemory::read(u32 paddr, void* dst, u32 len) const {
  if (len == 0) return;
  std::memcpy(dst, m_data.get() + paddr, len);
}

void PhysicalMemory::fill(u32 paddr, u8 value, u32 len) {
  if (len == 0) return;
  std::memset(m_data.get() + paddr, value, len);
  note_write(paddr, len);
}

void PhysicalMemory::note_write(u32 paddr, u32 len) {
  if (len == 0) return;
  u32 first = paddr >> kPageShift;
  u32 last = (paddr + len - 1) >> kPageShift;
  for (u32 page = first; page <= last && page < m_code_pages.size(); ++page) {
    if (m_code_pages[page]) {
      m_code_pages[page] = 0;
      if (m_code_write_hook) m_code_write_hook(page);
    }
  }
}

}  // namespace vmlab
