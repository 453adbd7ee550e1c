/* nanobench's page tables: two-level 32-bit paging with 4 KiB pages (SDM Vol. 3, 4.3).
 *
 *   linear address:  31      22 21      12 11         0
 *                    | PDX     | PTX     | offset     |
 *
 * Two page directories share two page tables and differ in a third:
 *
 *   PDE 0    (0-4 MiB)      low_pt: identity map, 4 KiB pages so that single pages can
 *                           differ (page 0 absent; the user section alone has PTE_U)
 *   PDE 1    (4-8 MiB)      kernel_pd: window_pt      alt_pd: alt_window_pt
 *                           MARKER_VA -> marker[0]     MARKER_VA -> marker[1]
 *                           PTEMOD_VA -> frame[0 or 1] (not mapped)
 *                           UNMAPPED_VA: never present in either
 *   PDE 1019 (FEC00000-)    apic_pt: the local APIC page, uncached (PCD | PWT)
 *
 * Each marker frame holds the CR3 value of the directory that maps it, and each ptemod
 * frame holds the PTE value that maps it, so a single read shows which mapping the
 * processor used. */
#include "libc.h"
#include "nanobench.h"

#define PTE_P 0x001   /* present */
#define PTE_W 0x002   /* writable */
#define PTE_U 0x004   /* user */
#define PTE_PWT 0x008 /* write-through */
#define PTE_PCD 0x010 /* cache disable */
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define PDX(va) ((u32)(va) >> 22)
#define PTX(va) (((u32)(va) >> 12) & 0x3FF)

#define PAGE_ALIGNED __attribute__((aligned(4096)))
static u32 kernel_pd[1024] PAGE_ALIGNED;
static u32 alt_pd[1024] PAGE_ALIGNED;
static u32 low_pt[1024] PAGE_ALIGNED;
static u32 window_pt[1024] PAGE_ALIGNED;
static u32 alt_window_pt[1024] PAGE_ALIGNED;
static u32 apic_pt[1024] PAGE_ALIGNED;
static u32 marker[2][1024] PAGE_ALIGNED;
static u32 frame[2][1024] PAGE_ALIGNED;

extern char __user_start[], __user_end[];

u32 paging_cr3(int which) { return (u32)(which ? alt_pd : kernel_pd); }
volatile u32* paging_ptemod_pte(void) { return &window_pt[PTX(PTEMOD_VA)]; }
u32 paging_ptemod_value(int which) { return (u32)frame[which] | PTE_P | PTE_W; }

/* The identity map of the low 4 MiB: supervisor pages, except the user section. */
static void map_low(void) {
  for (u32 page = 1; page < 1024; ++page) {
    u32 pa = page << 12;
    int user = pa >= (u32)__user_start && pa < (u32)__user_end;
    low_pt[page] = pa | PTE_P | PTE_W | (user ? PTE_U : 0);
  }
}

void paging_init(void) {
  map_low();
  apic_pt[PTX(LAPIC_BASE)] = LAPIC_BASE | PTE_P | PTE_W | PTE_PCD | PTE_PWT;
  window_pt[PTX(MARKER_VA)] = (u32)marker[0] | PTE_P | PTE_W;
  window_pt[PTX(PTEMOD_VA)] = paging_ptemod_value(0);
  alt_window_pt[PTX(MARKER_VA)] = (u32)marker[1] | PTE_P | PTE_W;
  for (int k = 0; k < 2; ++k) {
    marker[k][0] = paging_cr3(k);
    frame[k][0] = paging_ptemod_value(k);
  }
  /* PDE_U on PDE 0 lets the PTEs decide; the other tables are supervisor-only. */
  kernel_pd[0] = alt_pd[0] = (u32)low_pt | PTE_P | PTE_W | PTE_U;
  kernel_pd[PDX(LAPIC_BASE)] = alt_pd[PDX(LAPIC_BASE)] = (u32)apic_pt | PTE_P | PTE_W;
  kernel_pd[PDX(MARKER_VA)] = (u32)window_pt | PTE_P | PTE_W;
  alt_pd[PDX(MARKER_VA)] = (u32)alt_window_pt | PTE_P | PTE_W;
  write_cr3(paging_cr3(0));
  u32 cr0;
  __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
  __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG | CR0_WP) : "memory");
}

void paging_restore(void) {
  write_cr3(paging_cr3(0));
  *paging_ptemod_pte() = paging_ptemod_value(0);
  invlpg(PTEMOD_VA);
}
