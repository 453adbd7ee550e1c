/* The platform operations: the only way the kernel touches privileged state.
 *
 * Like Linux's pv_ops, one table of function pointers covers every privileged operation
 * the kernel performs: the interrupt flag, CR2/CR3, page-table entry writes, TLB flushes,
 * port I/O, descriptor-table loads, the kernel stack in the TSS, the local APIC (timer
 * programming, TPR, EOI) and HLT. The native build (platform_native.c, platform_native.S)
 * fills it with the real instructions; a paravirtual build fills it with hypercalls. No
 * other file of the kernel contains a privileged instruction (tests/guests checks the
 * binary).
 *
 * save_fl/restore_fl are PUSHF/POPF in the native build, exactly as Linux's
 * native_save_fl/native_restore_fl: irq_save()/irq_restore() below use them around every
 * critical section. Under trap-and-emulate, POPF at CPL 1 silently keeps the real IF, so
 * the guest's idea of its interrupt flag goes wrong: that is the lesson of Popek and
 * Goldberg's theorem on IA-32, and the kernel keeps the idiom on purpose. */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include "types.h"

struct descriptor_pointer {
  u16 limit;
  u32 base;
} __attribute__((packed));

struct platform_ops {
  const char* name;
  /* interrupt flag */
  u32 (*save_fl)(void);          /* EFLAGS, of which IF (bit 9) matters */
  void (*restore_fl)(u32 flags);
  void (*irq_disable)(void);
  void (*irq_enable)(void);
  void (*safe_halt)(void);       /* enable interrupts and halt until one arrives */
  void (*halt)(void);            /* halt with interrupts as they are */
  /* MMU */
  u32 (*read_cr2)(void);
  u32 (*read_cr3)(void);
  void (*write_cr3)(u32 pgdir_phys); /* switch address space; flushes non-global TLB entries */
  void (*set_pte)(u32* pte, u32 value); /* any page-directory or page-table entry */
  void (*flush_tlb_one)(u32 va);
  void (*flush_tlb_all)(void);   /* global entries included */
  /* descriptor tables and the kernel stack */
  void (*load_gdt)(const struct descriptor_pointer* gdtr);
  void (*load_idt)(const struct descriptor_pointer* idtr);
  void (*load_tr)(u16 selector);
  void (*set_kernel_stack)(u32 esp0);
  /* port I/O */
  u8 (*inb)(u16 port);
  void (*outb)(u16 port, u8 value);
  u16 (*inw)(u16 port);
  void (*outw)(u16 port, u16 value);
  void (*insw)(u16 port, void* buf, u32 count);
  void (*outsw)(u16 port, const void* buf, u32 count);
  /* local APIC (registers by offset from its base) */
  u32 (*apic_read)(u32 reg);
  void (*apic_write)(u32 reg, u32 value);
};

extern const struct platform_ops* pv;

/* Chosen once at boot, before anything else runs. */
void platform_init(void);

/* The critical-section helpers: PUSHF + CLI, then POPF. */
static inline u32 irq_save(void) {
  u32 flags = pv->save_fl();
  pv->irq_disable();
  return flags;
}
static inline void irq_restore(u32 flags) { pv->restore_fl(flags); }

#define EFLAGS_IF 0x200u

#endif
