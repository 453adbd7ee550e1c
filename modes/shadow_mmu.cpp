#include "modes/shadow_mmu.h"

#include <algorithm>
#include <cstring>

#include "core/counters.h"
#include "core/events.h"
#include "core/physical_memory.h"
#include "cpu/cpu.h"
#include "mmu/paging.h"
#include "mmu/walk_view.h"
#include "modes/memslots.h"

namespace vmlab {
// An entry's bits by name, formatted only when a handling-log line is actually written
// (the log is off on the hot path, and naming bits builds a string).
struct EntryBits {
  u32 entry;
  bool directory;
};
}  // namespace vmlab

template <>
struct fmt::formatter<vmlab::EntryBits> : fmt::formatter<std::string> {
  template <typename Context>
  auto format(const vmlab::EntryBits& b, Context& context) const {
    return fmt::formatter<std::string>::format(vmlab::entry_bits(b.entry, b.directory), context);
  }
};

namespace vmlab {
namespace {

// Shadow table keys: what a shadow PT stands for, in the high half; its guest frame low.
constexpr u64 kGuestTable = 1ull << 32;  // a guest page table at this GPA
constexpr u64 kLargePage = 2ull << 32;   // a guest 4 MiB page at this GPA
constexpr u64 kDirect = 3ull << 32;      // guest paging off: identity for this 4 MiB

// KVM's write-flooding threshold: a guest page table written this often without being
// used for a translation in between is taken to be data again and unshadowed.
constexpr u32 kWriteFloodLimit = 3;
// Bound on the reverse map of writable shadow entries before everything is flushed.
constexpr size_t kMaxWritableMaps = 1u << 20;

u32 peek_entry(PhysicalMemory& memory, u32 addr) {
  u32 v = 0;
  if (memory.contains(addr, 4)) std::memcpy(&v, memory.host_ptr(addr), 4);
  return v;
}

}  // namespace

ShadowMmu::ShadowMmu(Cpu& cpu, PhysicalMemory& memory, const Memslots& slots, MonitorMemory& pool,
                     Counters& counters, EventStream& events)
    : m_cpu(cpu), m_memory(memory), m_slots(slots), m_pool(pool), m_counters(counters), m_events(events) {}

u64 ShadowMmu::root_key(const GuestPaging& p) {
  if (!p.enabled) return 0;
  return u64(p.cr3 & PTE_FRAME) | (p.pse ? 2 : 0) | 1;
}

std::optional<u32> ShadowMmu::alloc() { return m_pool.alloc_page(); }

ShadowMmu::Root* ShadowMmu::find_root(u64 key) {
  for (Root& r : m_roots)
    if (r.key == key) return &r;
  return nullptr;
}

// A new, empty shadow directory: only the hole is mapped. nullopt when the pool is used
// up (after flush_all() it never is: the pool is much larger than one page).
std::optional<ShadowMmu::Root> ShadowMmu::make_root(const GuestPaging& p) {
  std::optional<u32> page = alloc();
  if (!page) return std::nullopt;
  Root root;
  root.key = root_key(p);
  root.hpa = *page;
  root.paging = p.enabled;
  root.guest_pd = p.cr3 & PTE_FRAME;
  m_pool.table(root.hpa)[kHolePde] = m_hole_table | PTE_P | PTE_W | PTE_A;
  if (root.paging) track(root.guest_pd, true);
  ++m_counters.shadow_roots_built;
  return root;
}

void ShadowMmu::free_root(Root& root) {
  if (root.paging) untrack(root.guest_pd, true);
  m_pool.free_page(root.hpa);
}

void ShadowMmu::switch_root(const GuestPaging& paging) {
  bool wp_changed = paging.wp != m_paging.wp && !m_roots.empty();
  m_paging = paging;
  if (wp_changed) {
    flush_all();  // writability of existing entries was decided under the old WP
    return;
  }
  u64 key = root_key(paging);
  if (Root* r = find_root(key)) {
    ++m_counters.shadow_roots_reused;
    m_current = size_t(r - m_roots.data());
  } else {
    if (m_roots.size() == kRootCacheSize) {
      auto lru = std::min_element(m_roots.begin(), m_roots.end(),
                                  [](const Root& a, const Root& b) { return a.last_used < b.last_used; });
      free_root(*lru);
      m_roots.erase(lru);
    }
    std::optional<Root> root = make_root(paging);
    if (!root) {
      flush_all();  // drops every root and table and builds this one
      return;
    }
    m_roots.push_back(*root);
    m_current = m_roots.size() - 1;
  }
  m_roots[m_current].last_used = ++m_tick;
  m_roots[m_current].writes = 0;
  m_cpu.set_cr3(root());
  tlb_flush();
}

void ShadowMmu::track(u32 gpa_page, bool directory) {
  Tracked& t = m_tracked[gpa_page >> 12];
  bool was_tracked = t.as_directory || t.as_table;
  ++(directory ? t.as_directory : t.as_table);
  if (!was_tracked) write_protect(gpa_page);
}

void ShadowMmu::untrack(u32 gpa_page, bool directory) {
  auto it = m_tracked.find(gpa_page >> 12);
  if (it == m_tracked.end()) return;
  u16& role = directory ? it->second.as_directory : it->second.as_table;
  if (role) --role;
  if (!it->second.as_directory && !it->second.as_table) m_tracked.erase(it);
}

// The page just became a guest page table: no shadow entry may let the guest write it.
void ShadowMmu::write_protect(u32 gpa_page) {
  std::optional<u32> hpa = m_slots.ram_hpa(gpa_page);
  auto it = m_writable_maps.find(gpa_page >> 12);
  if (!hpa || it == m_writable_maps.end()) return;
  bool changed = false;
  for (u32 entry_addr : it->second) {
    u32* e = reinterpret_cast<u32*>(m_pool.host(entry_addr));
    if ((*e & PTE_P) && (*e & PTE_W) && (*e & PTE_FRAME) == *hpa) {
      *e &= ~PTE_W;
      changed = true;
    }
  }
  m_writable_map_entries -= it->second.size();
  m_writable_maps.erase(it);
  if (changed) tlb_flush();
}

ShadowMmu::Fault ShadowMmu::page_fault(u32 gva, u32 error_code) {
  const bool write = error_code & PFEC_W;
  const bool user = error_code & PFEC_U;
  if (pdx(gva) == kHolePde) {
    note("verdict", "{:#010x} is in the monitor's hole: reflected to the guest as #GP(0)", gva);
    return Fault{FaultKind::Hole, error_code, gva, 0};
  }

  // 1. The guest's translation, with the guest's rules (its WP), setting its A/D bits
  //    as the hardware walk would have.
  u32 gpa = gva;
  u32 directory_bits = PTE_U | PTE_W;  // copied into the shadow PDE
  u32 leaf_bits = PTE_U | PTE_W;       // copied into the shadow PTE
  bool dirty = true;
  u64 key = kDirect | (gva & PDE_FRAME_4M);
  bool guest_table = false;
  if (m_paging.enabled) {
    PagingControl control{m_paging.cr3, m_paging.pse, false, m_paging.wp, PageTableKind::Guest,
                          m_slots.guest_end()};
    WalkResult w = walk_page_tables(m_memory, &m_events, &m_counters, control, gva, write, user, false);
    u32 pde_address = (m_paging.cr3 & PTE_FRAME) | (pdx(gva) << 2);
    u32 pde = peek_entry(m_memory, pde_address);
    note("guest", "the guest's PDE at {:#010x} = {:#010x} ({})", pde_address, pde, EntryBits{pde, true});
    if (!w.ok) {
      ++m_counters.shadow_true_faults;
      note("verdict", "true: the guest's own tables forbid this access (its error code {:#x}); the guest's "
                      "handler must see it", w.error_code);
      return Fault{FaultKind::True, w.error_code, 0, 0};
    }
    gpa = w.phys;
    directory_bits = pde & (PTE_U | PTE_W);
    if (w.large) {
      key = kLargePage | (pde & PDE_FRAME_4M);
      dirty = pde & PTE_D;
      note("guest", "a 4 MiB page: guest-physical {:#010x}", gpa);
    } else {
      u32 pte_address = (pde & PTE_FRAME) | (ptx(gva) << 2);
      u32 pte = peek_entry(m_memory, pte_address);
      note("guest", "the guest's PTE at {:#010x} = {:#010x} ({}): guest-physical {:#010x}", pte_address, pte,
           EntryBits{pte, false}, gpa);
      key = kGuestTable | (pde & PTE_FRAME);
      guest_table = true;
      leaf_bits = pte & (PTE_U | PTE_W);
      dirty = pte & PTE_D;
    }
  } else {
    note("guest", "the guest's paging is off: guest-physical = guest-virtual {:#010x}", gpa);
  }

  // 2. Guest-physical to host-physical through the memslots.
  std::optional<u32> hpa = m_slots.ram_hpa(gpa & PTE_FRAME);
  if (!hpa) {
    ++m_counters.shadow_mmio_faults;
    note("verdict", "device memory: guest-physical {:#010x} is no RAM slot, the monitor emulates the access", gpa);
    return Fault{FaultKind::Mmio, 0, gpa, m_slots.device_address(gpa & PTE_FRAME)};
  }
  note("memslot", "guest-physical page {:#010x} is host-physical {:#010x} (guest RAM slot)", gpa & PTE_FRAME, *hpa);

  // 3. The shadow PT (made and, for a guest PT, tracked first, so that a table that maps
  //    itself comes out read-only), then the entry.
  auto it = m_tables.find(key);
  if (it == m_tables.end()) {
    std::optional<u32> page = alloc();
    if (!page) {
      note("shadow", "monitor memory is full: every shadow table is dropped (a shadow flush)");
      flush_all();
      page = alloc();
    }
    it = m_tables.emplace(key, Table{*page, guest_table, 0}).first;
    ++m_counters.shadow_pages_built;
    if (guest_table) track(u32(key), false);
    note("shadow", "a new shadow page table at host-physical {:#010x}{}", *page,
         guest_table ? ", shadowing the guest's page table (now write-protected in every shadow)" : "");
  } else {
    note("shadow", "the shadow page table at host-physical {:#010x} (already built)", it->second.hpa);
  }
  Table& table = it->second;
  table.writes = 0;
  bool writable = (directory_bits & PTE_W) && (leaf_bits & PTE_W) && dirty && !is_tracked(gpa);
  u32 spte = *hpa | PTE_P | PTE_A | (leaf_bits & PTE_U) | (writable ? PTE_W | PTE_D : 0);
  u32* pd = m_pool.table(root());
  u32 spde = table.hpa | PTE_P | PTE_A | directory_bits;
  if (pd[pdx(gva)] != spde)
    note("shadow", "shadow PDE at {:#010x}: {:#010x} -> {:#010x} ({})", root() + (pdx(gva) << 2), pd[pdx(gva)], spde,
         EntryBits{spde, true});
  pd[pdx(gva)] = spde;
  u32 entry_addr = table.hpa + (ptx(gva) << 2);
  note("shadow", "shadow PTE at {:#010x}: {:#010x} -> {:#010x} ({}){}", entry_addr, m_pool.table(table.hpa)[ptx(gva)],
       spte, EntryBits{spte, false},
       writable ? "" : is_tracked(gpa) ? ": read-only, the page is a guest page table"
                     : !dirty          ? ": read-only until the guest's entry is dirty"
                                       : ": read-only, as the guest maps it");
  m_pool.table(table.hpa)[ptx(gva)] = spte;
  if (writable) {
    m_writable_maps[gpa >> 12].push_back(entry_addr);
    if (++m_writable_map_entries > kMaxWritableMaps) flush_all();
  }

  // 4. A write the guest allows but the shadow cannot: a store to a page table (traced),
  //    or a supervisor store to a read-only page with the guest's CR0.WP clear.
  FaultKind kind = FaultKind::Hidden;
  if (write && !writable && dirty) kind = is_tracked(gpa) ? FaultKind::Traced : FaultKind::EmulatedWrite;
  remember_origin(entry_addr, kind, error_code);
  if (kind == FaultKind::Traced) {
    ++m_counters.shadow_traced_writes;
    note("verdict", "traced: a store to a guest page table; the monitor emulates it and drops the shadow entries "
                    "it changes");
    return Fault{FaultKind::Traced, 0, gpa, *hpa};
  }
  if (kind == FaultKind::EmulatedWrite) {
    note("verdict", "emulated write: the guest allows this supervisor store (its CR0.WP is clear), the shadow "
                    "entry cannot; the monitor performs the store");
    return Fault{FaultKind::EmulatedWrite, 0, gpa, *hpa};
  }
  ++m_counters.shadow_hidden_faults;
  note("verdict", "hidden: the guest allows the access, only the shadow lacked it; the guest never sees this fault");
  return Fault{FaultKind::Hidden, 0, gpa, *hpa};
}

void ShadowMmu::remember_origin(u32 entry_address, FaultKind kind, u32 error_code) {
  if (!m_log || !m_log->keeps_origins()) return;
  const char* name = kind == FaultKind::Traced ? "traced" : kind == FaultKind::EmulatedWrite ? "emulated-write" : "hidden";
  // classify() runs before the exit is counted: this fault is the next exit.
  m_origins[entry_address] = ShadowEntryOrigin{name, m_counters.exits + 1, error_code};
}

std::optional<ShadowEntryOrigin> ShadowMmu::entry_origin(u32 gva) const {
  std::optional<u32> at = shadow_pte_address(gva);
  if (!at || !(m_pool.table(*at & PTE_FRAME)[(*at & 0xFFF) >> 2] & PTE_P)) return std::nullopt;
  auto it = m_origins.find(*at);
  if (it == m_origins.end()) return std::nullopt;
  return it->second;
}

void ShadowMmu::traced_write_begin(u32 hpa_page) {
  m_traced_page = hpa_page & PTE_FRAME;
  std::memcpy(m_traced_before.data(), m_memory.host_ptr(m_traced_page), 0x1000);
}

void ShadowMmu::traced_write_end() {
  const u32* after = reinterpret_cast<const u32*>(m_memory.host_ptr(m_traced_page));
  u32 gpa_page = m_traced_page;  // slot 0 maps GPA = HPA
  auto tracked = m_tracked.find(gpa_page >> 12);
  if (tracked == m_tracked.end()) return;
  bool zapped = false;
  auto table = m_tables.find(kGuestTable | gpa_page);
  for (u32 i = 0; i < 1024; ++i) {
    if (after[i] == m_traced_before[i]) continue;
    note("shadow", "the guest's entry {} at {:#010x}: {:#010x} -> {:#010x}; its shadow copies are dropped", i,
         gpa_page + i * 4, m_traced_before[i], after[i]);
    for (Root& r : m_roots) {
      if (!r.paging || r.guest_pd != gpa_page || i == kHolePde) continue;
      u32& spde = m_pool.table(r.hpa)[i];
      if (spde) {
        ++m_counters.shadow_entries_zapped;
        zapped = true;
      }
      spde = 0;
    }
    if (table != m_tables.end()) {
      u32& spte = m_pool.table(table->second.hpa)[i];
      if (spte) {
        ++m_counters.shadow_entries_zapped;
        zapped = true;
      }
      spte = 0;
    }
  }
  // Write flooding: a cached root whose directory is written like data (a dead process's
  // directory page reused) is dropped, and so is a page table's shadow; only the current
  // root is kept, since the guest is using it.
  for (size_t r = 0; r < m_roots.size();) {
    Root& root = m_roots[r];
    if (r != m_current && root.paging && root.guest_pd == gpa_page && ++root.writes >= kWriteFloodLimit) {
      free_root(root);
      m_roots.erase(m_roots.begin() + long(r));
      if (m_current > r) --m_current;
      ++m_counters.shadow_unshadowed;
      continue;
    }
    ++r;
  }
  bool still_directory = m_tracked.count(gpa_page >> 12) && m_tracked[gpa_page >> 12].as_directory;
  if (table != m_tables.end() && ++table->second.writes >= kWriteFloodLimit && !still_directory)
    unshadow(table->first);
  else if (zapped)
    tlb_flush();
}

// Stop shadowing a guest page table that is being written like data.
void ShadowMmu::unshadow(u64 key) {
  auto it = m_tables.find(key);
  if (it == m_tables.end()) return;
  u32 hpa = it->second.hpa;
  for (Root& r : m_roots) {
    u32* pd = m_pool.table(r.hpa);
    for (u32 i = 0; i < kHolePde; ++i)
      if ((pd[i] & PTE_P) && (pd[i] & PTE_FRAME) == hpa) pd[i] = 0;
  }
  m_pool.free_page(hpa);
  if (it->second.guest_table) untrack(u32(key), false);
  m_tables.erase(it);
  ++m_counters.shadow_unshadowed;
  tlb_flush();
}

void ShadowMmu::invlpg(u32 gva) {
  if (pdx(gva) != kHolePde) {
    u32 pde = m_pool.table(root())[pdx(gva)];
    if (pde & PTE_P) {
      u32& spte = m_pool.table(pde & PTE_FRAME)[ptx(gva)];
      if (spte) ++m_counters.shadow_entries_zapped;
      spte = 0;
    }
  }
  m_cpu.m_tlb.invalidate_page(gva);
  ++m_cpu.m_chain_generation;
  m_cpu.m_block_exit = true;
}

void ShadowMmu::flush_all() {
  for (auto& [key, table] : m_tables) m_pool.free_page(table.hpa);
  for (Root& r : m_roots) m_pool.free_page(r.hpa);
  m_tables.clear();
  m_roots.clear();
  m_origins.clear();
  m_tracked.clear();
  m_writable_maps.clear();
  m_writable_map_entries = 0;
  ++m_counters.shadow_flushes;
  m_roots.push_back(*make_root(m_paging));
  m_current = 0;
  m_roots[0].last_used = ++m_tick;
  m_cpu.set_cr3(root());
  tlb_flush();
}

std::optional<u32> ShadowMmu::shadow_pte_address(u32 gva) const {
  if (m_roots.empty()) return std::nullopt;
  u32 pde = m_pool.table(root())[pdx(gva)];
  if (!(pde & PTE_P)) return std::nullopt;
  return (pde & PTE_FRAME) + (ptx(gva) << 2);
}

void ShadowMmu::tlb_flush() { m_cpu.tlb_flush(true); }

}  // namespace vmlab
