/* Descriptor-table building blocks for the bare-metal guests (nanobench, sensitive):
 * segment descriptors, the 32-bit TSS, interrupt gates, GDTR/IDTR images, and the frame
 * the 256 interrupt stubs of trap_stubs.S build before calling the guest's
 * trap_dispatch(). Layouts are the SDM's (Vol. 3, 3.4.5, 6.11, 7.2.1). */
#ifndef VMLAB_GUEST_X86_TABLES_H
#define VMLAB_GUEST_X86_TABLES_H

#include "guest.h"

/* Segment descriptor, built from its fields:
 *
 *   63    56 55 54 53 52 51   48 47 46 45 44 43  40 39     16 15      0
 *   base 31:24  G D/B  0 AVL  limit 19:16  P  DPL  S  type   base 23:0  limit 15:0
 */
#define SEG_TYPE_CODE_XR 0xA  /* execute/read */
#define SEG_TYPE_CODE_XRA 0xB /* execute/read, accessed */
#define SEG_TYPE_DATA_RW 0x2  /* read/write */
#define SEG_TYPE_DATA_RWA 0x3 /* read/write, accessed */
#define SEG_TYPE_LDT 0x2      /* system descriptors (S = 0) from here */
#define SEG_TYPE_TSS32 0x9    /* 32-bit TSS, available; LTR marks it busy (0xB) */
#define SEG_S (1u << 4)       /* code or data, as opposed to system */
#define SEG_P (1u << 7)
#define SEG_DB (1u << 14)     /* 32-bit segment */
#define SEG_G (1u << 15)      /* limit in 4 KiB units */
#define FLAT_LIMIT 0xFFFFF    /* 4 GiB with SEG_G */

static inline u64 segment_descriptor(u32 base, u32 limit, u32 access, u32 dpl) {
  u32 attrs = access | (dpl << 5) | SEG_P;
  u32 lo = (limit & 0xFFFF) | (base << 16);
  u32 hi = ((base >> 16) & 0xFF) | (attrs << 8) | (limit & 0xF0000) | (base & 0xFF000000);
  return ((u64)hi << 32) | lo;
}

/* The 32-bit TSS. The guests use SS0:ESP0 (the stack an event from an outer ring switches
 * to) and the I/O map base. */
struct tss32 {
  u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
  u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
  u32 es, cs, ss, ds, fs, gs, ldt;
  u16 trap, iomap_base;
};

/* Interrupt gate: type 0xE = 32-bit interrupt gate, which clears IF. */
struct gate32 {
  u16 offset_lo, selector;
  u8 zero, type_attr; /* P | DPL << 5 | type */
  u16 offset_hi;
};
#define GATE_INT32 0x0E
#define GATE_P 0x80

static inline struct gate32 interrupt_gate(const void* handler, u16 selector, u32 dpl) {
  u32 at = (u32)handler;
  return (struct gate32){(u16)at, selector, 0, (u8)(GATE_P | dpl << 5 | GATE_INT32), (u16)(at >> 16)};
}

/* The operand of LGDT/LIDT and SGDT/SIDT. */
struct __attribute__((packed)) table_register {
  u16 limit;
  u32 base;
};

/* What a stub of trap_stubs.S leaves on the stack for trap_dispatch(): PUSHAL, the vector,
 * an error code (0 for vectors without one), then the CPU's frame. user_esp and user_ss
 * exist only when the event came from an outer ring. */
struct trap_frame {
  u32 edi, esi, ebp, esp, ebx, edx, ecx, eax;
  u32 vector, error;
  u32 eip, cs, eflags, user_esp, user_ss;
};

/* 256 stubs of 16 bytes: the stub of vector v is at isr_stubs + 16 * v. */
extern char isr_stubs[];
/* Each guest defines it; the stubs call it and IRET with the (possibly changed) frame. */
void trap_dispatch(struct trap_frame* f);

#endif
