/* The GDT (flat kernel and user segments, one TSS), the TSS that holds the kernel stack
 * for ring transitions, and the IDT. Tables are built here as plain memory; loading them
 * is a platform operation. */
#include "kernel.h"
#include "platform.h"

struct tss {
  u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
  u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
  u32 es, cs, ss, ds, fs, gs, ldt;
  u16 trap, iomap_base;
};

struct gate {
  u16 offset_low, selector;
  u8 zero, type_attr;
  u16 offset_high;
} __attribute__((packed));

static u64 gdt[6];
static struct tss tss;
static struct gate idt[256];
u32* const tss_esp0 = &tss.esp0;

/* A segment descriptor: base, 20-bit limit, access byte, flags nibble (G, D/B). */
static u64 segment(u32 base, u32 limit, u8 access, u8 flags) {
  return (u64)(limit & 0xFFFF) | ((u64)(base & 0xFFFFFF) << 16) | ((u64)access << 40) |
         ((u64)((limit >> 16) & 0xF) << 48) | ((u64)(flags & 0xF) << 52) | ((u64)(base >> 24) << 56);
}

void idt_set(u8 vector, void (*handler)(void), int user_callable) {
  u32 offset = (u32)handler;
  idt[vector].offset_low = (u16)offset;
  idt[vector].offset_high = (u16)(offset >> 16);
  idt[vector].selector = SEL_KCODE;
  idt[vector].zero = 0;
  /* A 32-bit interrupt gate (IF cleared on entry), except the system call: a trap gate
   * with DPL 3, so user code may INT 0x80 and system calls run with interrupts on. */
  idt[vector].type_attr = (u8)(user_callable ? 0xEF : 0x8E);
}

extern void (*const trap_vectors[256])(void);

void descriptors_init(void) {
  gdt[0] = 0;
  gdt[SEL_KCODE >> 3] = segment(0, 0xFFFFF, 0x9A, 0xC);
  gdt[SEL_KDATA >> 3] = segment(0, 0xFFFFF, 0x92, 0xC);
  gdt[SEL_UCODE >> 3] = segment(0, 0xFFFFF, 0xFA, 0xC);
  gdt[SEL_UDATA >> 3] = segment(0, 0xFFFFF, 0xF2, 0xC);
  tss.ss0 = SEL_KDATA;
  tss.iomap_base = sizeof tss; /* no I/O permission bitmap: user port I/O faults */
  gdt[SEL_TSS >> 3] = segment((u32)&tss, sizeof tss - 1, 0x89, 0x0);
  struct descriptor_pointer gdtr = {sizeof gdt - 1, (u32)gdt};
  pv->load_gdt(&gdtr);
  pv->load_tr(SEL_TSS);

  for (int v = 0; v < 256; ++v) idt_set((u8)v, trap_vectors[v], v == VEC_SYSCALL);
  struct descriptor_pointer idtr = {sizeof idt - 1, (u32)idt};
  pv->load_idt(&idtr);
}
