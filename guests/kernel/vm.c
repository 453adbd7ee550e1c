/* Physical page allocator, the kernel's direct map, per-process page directories,
 * demand-zero faults and user-memory access checks. */
#include "vm.h"

#include "kernel.h"
#include "platform.h"
#include "proc.h"

/* Free pages form a list threaded through the pages themselves (by their direct-map
 * addresses). */
static u32* free_list;
static u32 free_count;
static u32 phys_limit;
static u32* kernel_pgdir;
static u32 kernel_pgdir_phys;
static u32 loaded_pgdir_phys;

u32 pages_free(void) { return free_count; }

void page_free(u32 pa) {
  if (pa & (PAGE_SIZE - 1) || pa >= phys_limit) panic("page_free: bad frame 0x%x", pa);
  u32 flags = irq_save();
  u32* page = P2V(pa);
  *page = (u32)free_list;
  free_list = page;
  ++free_count;
  irq_restore(flags);
}

u32 page_alloc(void) {
  u32 flags = irq_save();
  u32* page = free_list;
  if (page) {
    free_list = (u32*)*page;
    --free_count;
  }
  irq_restore(flags);
  if (!page) return 0;
  memset(page, 0, PAGE_SIZE);
  return V2P(page);
}

void vm_init(u32 phys_free_start, u32 phys_end) {
  if (phys_end > DIRECT_MAP_LIMIT) phys_end = DIRECT_MAP_LIMIT;
  phys_limit = phys_end;
  /* The kernel's own directory: physical memory at KERNBASE in global 4 MiB pages, the
   * APIC window uncached. It is built while the boot directory is live. */
  for (u32 pa = PAGE_ROUND_UP(phys_free_start); pa + PAGE_SIZE <= phys_end; pa += PAGE_SIZE) {
    u32* page = P2V(pa);
    if ((u32)page >= KERNBASE + (8u << 20)) break; /* the boot directory maps 8 MiB */
    page_free(pa);
  }
  kernel_pgdir = pgdir_create(&kernel_pgdir_phys);
  if (!kernel_pgdir) panic("vm_init: no memory for the kernel page directory");
  for (u32 pa = 0; pa < phys_end; pa += 4u << 20)
    pv->set_pte(&kernel_pgdir[(KERNBASE + pa) >> 22], pa | PTE_P | PTE_W | PTE_PS | PTE_G);
  pv->set_pte(&kernel_pgdir[APIC_WINDOW >> 22], APIC_WINDOW | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT | PTE_G);
  switch_to_kernel_address_space();
  pv->flush_tlb_all();
  /* Now the whole direct map is reachable: free the rest. */
  u32 first_rest = PAGE_ROUND_UP(phys_free_start);
  if (first_rest < (8u << 20)) first_rest = 8u << 20;
  for (u32 pa = first_rest; pa + PAGE_SIZE <= phys_end; pa += PAGE_SIZE) page_free(pa);
}

u32* pgdir_create(u32* phys_out) {
  u32 pa = page_alloc();
  if (!pa) return 0;
  u32* pd = P2V(pa);
  if (kernel_pgdir)
    for (u32 i = KERNBASE >> 22; i < 1024; ++i)
      if (kernel_pgdir[i]) pv->set_pte(&pd[i], kernel_pgdir[i]);
  *phys_out = pa;
  return pd;
}

void switch_to_kernel_address_space(void) {
  if (loaded_pgdir_phys != kernel_pgdir_phys) {
    pv->write_cr3(kernel_pgdir_phys);
    loaded_pgdir_phys = kernel_pgdir_phys;
  }
}

void switch_address_space(struct proc* p) {
  if (loaded_pgdir_phys != p->pgdir_phys) {
    pv->write_cr3(p->pgdir_phys);
    loaded_pgdir_phys = p->pgdir_phys;
  }
}

static int is_loaded(const u32* pgdir) { return loaded_pgdir_phys == V2P(pgdir); }

/* The page-table entry for va, creating its page table if asked. */
static u32* walk(u32* pgdir, u32 va, int create) {
  u32* pde = &pgdir[va >> 22];
  if (!(*pde & PTE_P)) {
    if (!create) return 0;
    u32 pt = page_alloc();
    if (!pt) return 0;
    pv->set_pte(pde, pt | PTE_P | PTE_W | PTE_U);
  }
  u32* pt = P2V(PTE_FRAME(*pde));
  return &pt[(va >> 12) & 1023];
}

int map_page(u32* pgdir, u32 va, u32 pa, u32 flags) {
  u32* pte = walk(pgdir, va, 1);
  if (!pte) return -ENOMEM;
  pv->set_pte(pte, pa | flags | PTE_P);
  return 0;
}

/* Frees the user pages in [start, end) of p; flushes their TLB entries if p's directory
 * is the live one. Page tables stay until the directory is freed. */
void unmap_range(struct proc* p, u32 start, u32 end) {
  int live = is_loaded(p->pgdir);
  for (u32 va = start; va < end; va += PAGE_SIZE) {
    u32* pde = &p->pgdir[va >> 22];
    if (!(*pde & PTE_P)) {
      va = (va | 0x3FFFFF) - PAGE_SIZE + 1; /* skip the rest of this 4 MiB */
      continue;
    }
    u32* pte = walk(p->pgdir, va, 0);
    if (pte && (*pte & PTE_P)) {
      u32 frame = PTE_FRAME(*pte);
      pv->set_pte(pte, 0);
      if (live) pv->flush_tlb_one(va);
      page_free(frame);
    }
  }
}

void pgdir_free(u32* pgdir, u32 pgdir_phys) {
  for (u32 i = 0; i < (KERNBASE >> 22); ++i) {
    if (!(pgdir[i] & PTE_P)) continue;
    u32* pt = P2V(PTE_FRAME(pgdir[i]));
    for (u32 j = 0; j < 1024; ++j)
      if (pt[j] & PTE_P) page_free(PTE_FRAME(pt[j]));
    page_free(PTE_FRAME(pgdir[i]));
  }
  page_free(pgdir_phys);
}

int copy_address_space(u32* dst, const u32* src) {
  for (u32 i = 0; i < (KERNBASE >> 22); ++i) {
    if (!(src[i] & PTE_P)) continue;
    const u32* pt = P2V(PTE_FRAME(src[i]));
    for (u32 j = 0; j < 1024; ++j) {
      if (!(pt[j] & PTE_P)) continue;
      u32 copy = page_alloc();
      if (!copy) return -ENOMEM;
      memcpy(P2V(copy), P2V(PTE_FRAME(pt[j])), PAGE_SIZE);
      u32 va = (i << 22) | (j << 12);
      if (map_page(dst, va, copy, pt[j] & (PTE_W | PTE_U)) < 0) {
        page_free(copy);
        return -ENOMEM;
      }
    }
  }
  return 0;
}

struct region* region_find(struct proc* p, u32 va) {
  for (int i = 0; i < p->nregions; ++i)
    if (va >= p->regions[i].start && va < p->regions[i].end) return &p->regions[i];
  return 0;
}

int region_add(struct proc* p, u32 start, u32 end, int kind, int writable) {
  if (p->nregions == NREGION) return -ENOMEM;
  p->regions[p->nregions++] = (struct region){start, end, (u8)kind, (u8)writable};
  return 0;
}

/* Removes [start, end) from p's mmap regions, splitting one if the range is inside it. */
void region_remove(struct proc* p, u32 start, u32 end) {
  for (int i = 0; i < p->nregions; ++i) {
    struct region* r = &p->regions[i];
    if (r->kind != REGION_MMAP || end <= r->start || start >= r->end) continue;
    if (start > r->start && end < r->end) {
      struct region tail = {end, r->end, r->kind, r->writable};
      r->end = start;
      if (p->nregions < NREGION) p->regions[p->nregions++] = tail;
    } else if (start <= r->start && end >= r->end) {
      p->regions[i--] = p->regions[--p->nregions];
    } else if (start <= r->start) {
      r->start = end;
    } else {
      r->end = start;
    }
  }
}

u32 region_find_gap(struct proc* p, u32 length) {
  u32 candidate = USER_MMAP_BASE;
  for (int tries = 0; tries <= p->nregions; ++tries) {
    int moved = 0;
    for (int i = 0; i < p->nregions; ++i) {
      struct region* r = &p->regions[i];
      if (candidate < r->end && candidate + length > r->start) {
        candidate = PAGE_ROUND_UP(r->end);
        moved = 1;
      }
    }
    if (!moved) return candidate + length <= USER_STACK_TOP - USER_STACK_SIZE ? candidate : 0;
  }
  return 0;
}

int vm_fault(struct proc* p, u32 va, u32 err) {
  if (va >= KERNBASE || (err & PTE_P)) return -EFAULT; /* protection faults are real */
  struct region* r = region_find(p, va);
  if (!r || ((err & PTE_W) && !r->writable)) return -EFAULT;
  u32 frame = page_alloc();
  if (!frame) return -ENOMEM;
  if (map_page(p->pgdir, PAGE_ROUND_DOWN(va), frame, PTE_U | (r->writable ? PTE_W : 0)) < 0) {
    page_free(frame);
    return -ENOMEM;
  }
  ++kstats.demand_zero_faults;
  return 0;
}

int uaccess(struct proc* p, u32 va, u32 len, int write) {
  if (va >= KERNBASE || len > KERNBASE - va) return -EFAULT;
  if (!len) return 0;
  for (u32 page = PAGE_ROUND_DOWN(va); page < va + len && page >= PAGE_ROUND_DOWN(va); page += PAGE_SIZE) {
    u32* pte = walk(p->pgdir, page, 0);
    if (pte && (*pte & PTE_P)) {
      if (!(*pte & PTE_U) || (write && !(*pte & PTE_W))) return -EFAULT;
      continue;
    }
    if (vm_fault(p, page, write ? PTE_W : 0) < 0) return -EFAULT;
  }
  return 0;
}

int copy_in_string(struct proc* p, u32 uaddr, char* buf, u32 size) {
  for (u32 i = 0; i < size; ++i) {
    if (uaccess(p, uaddr + i, 1, 0) < 0) return -EFAULT;
    buf[i] = *(const char*)(uaddr + i);
    if (!buf[i]) return (int)i;
  }
  return -EINVAL; /* too long */
}
