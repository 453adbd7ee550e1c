// Shadow paging: the MMU strategy "shadow" (reference/virtualization.md section 4).
//
// The hardware CR3 points at a shadow page directory in monitor memory. Shadow tables
// map guest-virtual straight to host-physical and are filled lazily from the guest's
// own tables:
//
//   guest PD (vCR3) --> guest PT --> GPA --memslot--> HPA
//        \                 \                            ^
//   shadow PD (real CR3) -> shadow PT ------------------+   one shadow PT per guest PT,
//                                                           one per guest 4 MiB page
//
// A #PF in the guest reaches page_fault(), which walks the guest's tables and sorts it:
//   hidden  the guest allows the access, the shadow just lacks it: fill, resume
//   true    the guest's tables forbid it: reflect #PF with the guest's error code
//   traced  a store to a guest page table (those pages are mapped read-only in every
//           shadow): the monitor emulates the store and drops the shadow entries it
//           changed (traced_write_begin/end)
//   mmio    the address is device memory: the monitor emulates the access
// Accessed bits are set in the guest's entries when a shadow entry is built; a shadow
// entry is writable only once the guest entry is dirty, so the first write is a hidden
// fault that sets D. Guest 4 MiB pages are shadowed with 4 KiB entries, so that a page
// table inside one can still be write-protected. The last 4 MiB of every shadow root
// (PDE 1023) map the monitor's own structures, supervisor read-only: the "hole".
//
// Shadow roots are cached per guest CR3 (current plus three, like KVM); shadow PTs are
// cached per guest PT and shared by every root that uses it. When monitor memory runs
// out everything is dropped and refilled (a shadow flush), which also bounds what a
// hostile guest can make the monitor allocate.
#pragma once
#include <array>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/types.h"
#include "modes/handling_log.h"

namespace vmlab {

class Cpu;
class PhysicalMemory;
class EventStream;
class Memslots;
class MonitorMemory;
struct Counters;

// The guest's paging controls, as the monitor keeps them (virtual CR0/CR3/CR4).
struct GuestPaging {
  bool enabled = false;  // CR0.PG
  u32 cr3 = 0;
  bool pse = false;      // CR4.PSE
  bool wp = false;       // CR0.WP
};

class ShadowMmu {
 public:
  static constexpr u32 kHolePde = 1023;  // linear 0xFFC00000-0xFFFFFFFF
  static constexpr u32 kHoleBase = kHolePde << 22;
  static constexpr size_t kRootCacheSize = 4;

  ShadowMmu(Cpu& cpu, PhysicalMemory& memory, const Memslots& slots, MonitorMemory& pool,
            Counters& counters, EventStream& events);

  // The page table that maps the hole (owned by the caller, in monitor memory).
  void set_hole_table(u32 hpa) { m_hole_table = hpa; }

  // The guest changed CR0.PG/WP, CR3 or CR4.PSE: select the shadow root for the new
  // state (from the cache, or a new empty one) and load it into the real CR3.
  void switch_root(const GuestPaging& paging);
  u32 root() const { return m_roots[m_current].hpa; }
  const GuestPaging& paging() const { return m_paging; }

  enum class FaultKind : u8 { Hidden, True, Traced, EmulatedWrite, Mmio, Hole };
  struct Fault {
    FaultKind kind = FaultKind::Hidden;
    u32 error_code = 0;  // True: the #PF error code the guest's tables give
    u32 gpa = 0;         // the guest-physical address (Hidden, Traced, Mmio)
    u32 target = 0;      // host-physical page for Traced/EmulatedWrite, device address for Mmio
  };
  // A #PF the hardware raised at `gva` with `error_code` (P, W, U bits).
  Fault page_fault(u32 gva, u32 error_code);

  // Around the emulation of a store to a traced page (host-physical `hpa_page`):
  // remember its contents, then drop the shadow entries of every changed entry.
  void traced_write_begin(u32 hpa_page);
  void traced_write_end();

  // Guest INVLPG: drop the shadow entry for `gva` in the current root.
  void invlpg(u32 gva);
  // Drop every shadow table and root (then rebuild the current root, empty).
  void flush_all();

  bool is_tracked(u32 gpa) const { return m_tracked.count(gpa >> 12) != 0; }
  // Note each step of page_fault() in `log` (when it is enabled), and remember which
  // fault filled each shadow entry (entry_origin).
  void set_log(HandlingLog* log) { m_log = log; }
  // The fault that filled the shadow entry mapping `gva` in the current root, when it
  // was filled while the log kept origins and is still present.
  std::optional<ShadowEntryOrigin> entry_origin(u32 gva) const;

  // Host-physical address of the shadow entry that maps `gva` in the current root, or
  // nullopt (for debug views: the GUI draws the shadow walk beside the guest's).
  std::optional<u32> shadow_pte_address(u32 gva) const;

 private:
  struct Root {
    u64 key = 0;    // guest PD GPA | flags, see root_key()
    u32 hpa = 0;    // shadow PD
    u32 guest_pd = 0;
    bool paging = false;
    u64 last_used = 0;
    u32 writes = 0;  // traced writes to its guest directory since it was last current
  };
  struct Table {
    u32 hpa = 0;
    bool guest_table = false;  // shadows a guest PT (tracked) rather than a 4 MiB page
    u32 writes = 0;            // traced writes since this table last filled an entry
  };
  struct Tracked {
    u16 as_directory = 0;  // cached roots whose guest PD is this page
    u16 as_table = 0;      // shadow tables for this page as a guest PT
  };

  static u64 root_key(const GuestPaging& p);
  std::optional<u32> alloc();
  Root* find_root(u64 key);
  std::optional<Root> make_root(const GuestPaging& p);
  void free_root(Root& root);
  void track(u32 gpa_page, bool directory);
  void untrack(u32 gpa_page, bool directory);
  void write_protect(u32 gpa_page);
  void unshadow(u64 key);
  u32 install(u32 gva, u32 spde_bits, u64 table_key, bool guest_table, u32 spte);
  void tlb_flush();
  void remember_origin(u32 entry_address, FaultKind kind, u32 error_code);
  template <typename... Args>
  void note(const char* phase, fmt::format_string<Args...> format, Args&&... args) {
    if (m_log) m_log->add(phase, format, std::forward<Args>(args)...);
  }

  Cpu& m_cpu;
  PhysicalMemory& m_memory;
  const Memslots& m_slots;
  MonitorMemory& m_pool;
  Counters& m_counters;
  EventStream& m_events;
  u32 m_hole_table = 0;
  GuestPaging m_paging;
  std::vector<Root> m_roots;
  size_t m_current = 0;
  u64 m_tick = 0;
  std::unordered_map<u64, Table> m_tables;          // key: kind << 32 | guest frame
  std::unordered_map<u32, Tracked> m_tracked;       // guest page number -> roles
  // Writable shadow entries by the guest page they map (host addresses of the entries;
  // stale ones are skipped by checking the entry), so a page that becomes a page table
  // can be write-protected everywhere at once.
  std::unordered_map<u32, std::vector<u32>> m_writable_maps;
  size_t m_writable_map_entries = 0;
  HandlingLog* m_log = nullptr;
  std::unordered_map<u32, ShadowEntryOrigin> m_origins;  // shadow PTE address -> filling fault
  u32 m_traced_page = 0;
  std::array<u32, 1024> m_traced_before{};
};

}  // namespace vmlab
