// Memslots and monitor memory: where guest-physical RAM and the monitor's own pages
// live in host-physical memory (DESIGN.md section 1).
//
//   host-physical
//   0                                  guest_size()                        size()
//   +----------------------------------+------------------------------------+
//   | slot 0: guest RAM (GPA = HPA)    | monitor memory: shadow tables,     |
//   | minus the VGA window hole        | shadow GDT/IDT/TSS/LDT             |
//   +----------------------------------+------------------------------------+
//
// The guest's RAM is one slot at host-physical 0 (so devices, the loader and the
// firmware need no translation); the monitor's pages sit above it, outside every slot.
// Only the monitor creates mappings to host-physical memory (shadow entries), and it
// creates them only from Memslots::ram_hpa(), so no guest page table, however built,
// can reach a monitor page.
#pragma once
#include <optional>
#include <vector>

#include "core/types.h"

namespace vmlab {

class PhysicalMemory;

struct Memslot {
  u32 gpa = 0;    // first guest-physical address
  u32 size = 0;   // bytes
  u32 hpa = 0;    // where it starts in host-physical memory
};

class Memslots {
 public:
  // One slot for the guest's RAM: [0, memory.guest_size()) at host-physical 0.
  explicit Memslots(const PhysicalMemory& memory);

  // Host-physical address of guest RAM at `gpa`, or nullopt when `gpa` is not RAM
  // (device memory, the VGA window, or beyond the guest's RAM).
  std::optional<u32> ram_hpa(u32 gpa) const;
  // Where an emulated access to a non-RAM `gpa` goes: `gpa` itself when it is device
  // space, and kOpenBusPage (which no device claims: reads return all ones, writes are
  // dropped) when `gpa` falls inside host RAM that no slot gives the guest.
  u32 device_address(u32 gpa) const;

  const std::vector<Memslot>& slots() const { return m_slots; }
  u64 guest_end() const { return m_guest_end; }

  static constexpr u32 kOpenBusPage = 0xFEBFF000;

 private:
  const PhysicalMemory& m_memory;
  std::vector<Memslot> m_slots;
  u64 m_guest_end = 0;
};

// The monitor's own host-physical pages: [guest_size(), size()) of PhysicalMemory,
// handed out one 4 KiB page at a time, zeroed.
class MonitorMemory {
 public:
  explicit MonitorMemory(PhysicalMemory& memory);

  // A zeroed page, or nullopt when the pool is used up.
  std::optional<u32> alloc_page();
  void free_page(u32 hpa);
  // Host pointers into monitor pages (the pages are not part of this object's state).
  u8* host(u32 hpa) const;
  u32* table(u32 hpa) const { return reinterpret_cast<u32*>(host(hpa)); }
  bool owns(u32 hpa) const { return hpa >= m_base && hpa < m_end; }
  u32 base() const { return m_base; }
  u32 end() const { return m_end; }
  size_t free_pages() const { return m_free.size(); }
  size_t total_pages() const { return (m_end - m_base) >> 12; }

 private:
  PhysicalMemory& m_memory;
  u32 m_base, m_end;
  std::vector<u32> m_free;  // a stack: the lowest page comes out first
};

}  // namespace vmlab
