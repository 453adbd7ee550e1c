// Host-physical RAM of the emulated machine.
//
// One flat, zero-initialised allocation starting at physical address 0. Addresses at
// or above size() are not RAM: the Bus routes them to MMIO or open bus. In native mode
// guest-physical equals host-physical; virtualized modes (modes/) give the guest a slice.
//
// Writes that land on a page holding pre-decoded code must invalidate that code; the
// CPU registers a listener with set_code_write_hook() and marks pages with mark_code().
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "core/types.h"

namespace vmlab {

class PhysicalMemory {
 public:
  static constexpr u32 kPageShift = 12;
  static constexpr u32 kPageSize = 1u << kPageShift;

  // size_bytes: a multiple of 4 KiB, at most 3 GiB (the top GiB is MMIO space).
  explicit PhysicalMemory(u64 size_bytes);
  PhysicalMemory(const PhysicalMemory&) = delete;
  PhysicalMemory& operator=(const PhysicalMemory&) = delete;

  u64 size() const { return m_size; }
  // RAM the guest is told about: everything but the top `reserved` bytes, which a
  // monitor keeps for its own structures (shadow page tables, descriptor tables).
  u64 guest_size() const { return m_size - m_reserved; }
  void reserve_top(u64 bytes) { m_reserved = bytes; }
  u8* data() { return m_data.get(); }
  const u8* data() const { return m_data.get(); }

  // True when [paddr, paddr+len) lies entirely in RAM (inside the size, outside holes).
  bool contains(u64 paddr, u64 len) const {
    if (paddr + len > m_size || paddr + len < paddr) return false;
    for (const Hole& h : m_holes)
      if (paddr < h.base + h.length && h.base < paddr + len) return false;
    return true;
  }

  // Host pointer for paddr, or nullptr when paddr is not RAM.
  u8* host_ptr(u64 paddr) { return contains(paddr, 1) ? m_data.get() + paddr : nullptr; }

  // Take [base, base+length) away from RAM so that accesses reach the Bus: the legacy
  // VGA window 0xA0000-0xBFFFF on a PC. Page-aligned. Call before the CPU runs.
  void add_hole(u32 base, u32 length) { m_holes.push_back(Hole{base, length}); }

  // Bulk copies for loaders, firmware and tests. Both require contains(paddr, len).
  void write(u32 paddr, const void* src, u32 len);
  void read(u32 paddr, void* dst, u32 len) const;
  void fill(u32 paddr, u8 value, u32 len);

  // Code tracking: a page marked as code has decoded instructions cached from it.
  // A write through write()/fill() or reported with note_write() to such a page calls the
  // hook (once per page) and clears the mark; the CPU's fast write path calls note_write().
  // Addresses outside RAM (MMIO, ROM aliases) are never code pages.
  bool is_code(u32 paddr) const {
    u32 page = paddr >> kPageShift;
    return page < m_code_pages.size() && m_code_pages[page] != 0;
  }
  void mark_code(u32 paddr) {
    u32 page = paddr >> kPageShift;
    if (page < m_code_pages.size()) m_code_pages[page] = 1;
  }
  void note_write(u32 paddr, u32 len);
  void set_code_write_hook(std::function<void(u32 page)> hook) { m_code_write_hook = std::move(hook); }

 private:
  struct Unmap {
    u64 size;
    void operator()(u8* p) const;
  };
  struct Hole {
    u64 base, length;
  };
  u64 m_size;
  u64 m_reserved = 0;
  std::unique_ptr<u8[], Unmap> m_data;
  std::vector<Hole> m_holes;
  std::vector<u8> m_code_pages;
  std::function<void(u32 page)> m_code_write_hook;
};

}  // namespace vmlab
