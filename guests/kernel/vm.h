/* Physical pages and address spaces. Every page-table write goes through pv->set_pte. */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include "types.h"

#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_U 0x004u
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PTE_PS 0x080u
#define PTE_G 0x100u
#define PTE_FRAME(e) ((e) & 0xFFFFF000u)

struct proc;

void vm_init(u32 phys_free_start, u32 phys_end);
u32 page_alloc(void); /* a zeroed page's physical address, or 0 when memory is exhausted */
void page_free(u32 pa);
u32 pages_free(void);

u32* pgdir_create(u32* phys_out); /* kernel part filled in; 0 on exhaustion */
void pgdir_free(u32* pgdir, u32 pgdir_phys); /* user pages, page tables, the directory */
void switch_address_space(struct proc* p);
void switch_to_kernel_address_space(void);
int map_page(u32* pgdir, u32 va, u32 pa, u32 flags); /* 0 or -ENOMEM */
void unmap_range(struct proc* p, u32 start, u32 end);
int copy_address_space(u32* dst, const u32* src); /* fork: 0 or -ENOMEM */

struct region* region_find(struct proc* p, u32 va);
int region_add(struct proc* p, u32 start, u32 end, int kind, int writable);
void region_remove(struct proc* p, u32 start, u32 end);
u32 region_find_gap(struct proc* p, u32 length); /* 0 if none */

int vm_fault(struct proc* p, u32 va, u32 err); /* 0 if fixed (demand-zero) */
int uaccess(struct proc* p, u32 va, u32 len, int write); /* 0 or -EFAULT; faults pages in */
int copy_in_string(struct proc* p, u32 uaddr, char* buf, u32 size);

#endif
