/* The native platform: every privileged operation as the real instruction. This file and
 * platform_native.S are the only places in the kernel that contain privileged
 * instructions. */
#include "kernel.h"
#include "platform.h"

/* The boot page directory: physical 0-8 MiB identity-mapped (so the instruction after
 * the paging switch still runs) and again at KERNBASE, with 4 MiB pages. vm.c replaces it
 * with the kernel's real directory early in kmain. */
__attribute__((aligned(4096))) u32 boot_pgdir[1024] = {
    [0] = 0x000083, [1] = 0x400083, [KERNBASE >> 22] = 0x000083, [(KERNBASE >> 22) + 1] = 0x400083,
};

void native_enable_global_pages(void);

static u32 native_save_fl(void) {
  u32 flags;
  __asm__ volatile("pushfl; popl %0" : "=r"(flags) : : "memory");
  return flags;
}
static void native_restore_fl(u32 flags) { __asm__ volatile("pushl %0; popfl" : : "g"(flags) : "memory", "cc"); }
static void native_irq_disable(void) { __asm__ volatile("cli" : : : "memory"); }
static void native_irq_enable(void) { __asm__ volatile("sti" : : : "memory"); }
static void native_safe_halt(void) { __asm__ volatile("sti; hlt" : : : "memory"); }
static void native_halt(void) { __asm__ volatile("hlt" : : : "memory"); }

static u32 native_read_cr2(void) {
  u32 v;
  __asm__ volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
static u32 native_read_cr3(void) {
  u32 v;
  __asm__ volatile("mov %%cr3, %0" : "=r"(v));
  return v;
}
static void native_write_cr3(u32 pa) { __asm__ volatile("mov %0, %%cr3" : : "r"(pa) : "memory"); }
static void native_set_pte(u32* pte, u32 value) { *(volatile u32*)pte = value; }
static void native_flush_tlb_one(u32 va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static void native_flush_tlb_all(void) {
  /* Toggling CR4.PGE flushes global entries too (SDM Vol. 3, 4.10.4.1). */
  u32 cr4;
  __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
  __asm__ volatile("mov %0, %%cr4; mov %1, %%cr4" : : "r"(cr4 & ~0x80u), "r"(cr4) : "memory");
}

static void native_load_gdt(const struct descriptor_pointer* p) {
  __asm__ volatile(
      "lgdt (%0)\n\t"
      "mov %1, %%ds\n\tmov %1, %%es\n\tmov %1, %%ss\n\tmov %1, %%fs\n\tmov %1, %%gs\n\t"
      "ljmp %2, $1f\n1:"
      :
      : "r"(p), "r"((u32)SEL_KDATA), "i"(SEL_KCODE)
      : "memory");
}
static void native_load_idt(const struct descriptor_pointer* p) { __asm__ volatile("lidt (%0)" : : "r"(p)); }
static void native_load_tr(u16 selector) { __asm__ volatile("ltr %0" : : "r"(selector)); }

struct tss;
extern u32* const tss_esp0;
static void native_set_kernel_stack(u32 esp0) { *tss_esp0 = esp0; }

static u8 native_inb(u16 port) {
  u8 v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static void native_outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static u16 native_inw(u16 port) {
  u16 v;
  __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static void native_outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static void native_insw(u16 port, void* buf, u32 count) {
  __asm__ volatile("cld; rep insw" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
}
static void native_outsw(u16 port, const void* buf, u32 count) {
  __asm__ volatile("cld; rep outsw" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
}

static u32 native_apic_read(u32 reg) { return *(volatile u32*)(LAPIC_BASE + reg); }
static void native_apic_write(u32 reg, u32 value) { *(volatile u32*)(LAPIC_BASE + reg) = value; }

static const struct platform_ops native_ops = {
    .name = "native",
    .save_fl = native_save_fl,
    .restore_fl = native_restore_fl,
    .irq_disable = native_irq_disable,
    .irq_enable = native_irq_enable,
    .safe_halt = native_safe_halt,
    .halt = native_halt,
    .read_cr2 = native_read_cr2,
    .read_cr3 = native_read_cr3,
    .write_cr3 = native_write_cr3,
    .set_pte = native_set_pte,
    .flush_tlb_one = native_flush_tlb_one,
    .flush_tlb_all = native_flush_tlb_all,
    .load_gdt = native_load_gdt,
    .load_idt = native_load_idt,
    .load_tr = native_load_tr,
    .set_kernel_stack = native_set_kernel_stack,
    .inb = native_inb,
    .outb = native_outb,
    .inw = native_inw,
    .outw = native_outw,
    .insw = native_insw,
    .outsw = native_outsw,
    .apic_read = native_apic_read,
    .apic_write = native_apic_write,
};

const struct platform_ops* pv = &native_ops;

void platform_init(void) {
  pv = &native_ops;
  native_enable_global_pages();
}
