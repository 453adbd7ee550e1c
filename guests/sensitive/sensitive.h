/* sensitive: a guest that probes the x86 instructions Robin & Irvine (USENIX Security
 * 2000) found sensitive but unprivileged, and reports for each whether what it observed
 * differs from what bare metal at ring 0 gives. Shared by the C files and entry.S. */
#ifndef VMLAB_SENSITIVE_H
#define VMLAB_SENSITIVE_H

/* Segment selectors (index << 3 | TI << 2 | RPL), in the GDT order machine.c builds. */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS 0x1B
#define USER_DS 0x23
#define TSS_SEL 0x28
#define LDT_SEL 0x30
#define LDT_DS 0x04 /* LDT index 0 (TI = 1), RPL 0: the LDT's one data segment */
/* KERNEL_DS with RPL 1: the selector VERR/VERW test. At CPL 0 the DPL-0 segment is not
 * visible through it (DPL 0 < RPL 1); a ring-1 kernel whose DPL was compressed to 1 sees it. */
#define KERNEL_DS_RPL1 (KERNEL_DS | 1)

/* Interrupt vectors. The 8259 pair is remapped to 20h-2Fh, off the exception vectors. */
#define VEC_UD 6
#define VEC_PIC_BASE 0x20
#define VEC_PROBE_INT 0x40 /* the int-gate probe's INT n: an interrupt gate of DPL 0 */

/* EFLAGS bits (SDM Vol. 1, 3.4.3). */
#define EFLAGS_CF 0x001
#define EFLAGS_RESERVED 0x002 /* bit 1 always reads 1 */
#define EFLAGS_PF 0x004
#define EFLAGS_AF 0x010
#define EFLAGS_ZF 0x040
#define EFLAGS_SF 0x080
#define EFLAGS_IF 0x200
#define EFLAGS_OF 0x800
#define EFLAGS_IOPL 0x3000
#define EFLAGS_IOPL_SHIFT 12

#ifndef __ASSEMBLER__
#include "guest.h"
#include "x86_tables.h"

/* Everything machine_init loaded into the processor: what bare metal reports back when
 * the guest asks with SGDT, SIDT, SLDT, STR and MOV from CR0. */
struct loaded_state {
  struct table_register gdtr, idtr;
  u16 ldtr, tr;
  u32 cr0;
};
extern struct loaded_state sens_loaded;

/* machine.c: the GDT (with a TSS and an LDT), the IDT and EFLAGS; fills sens_loaded. */
void machine_init(void);
/* The descriptor a GDT selector names, as the guest wrote it (accessed bits preset, so the
 * processor never changes it). */
u64 gdt_descriptor(u16 selector);
void sens_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/* One probe's two values. A probe that compares a second value too (SGDT and SIDT: the
 * table limit) puts it in the second pair; the others leave both zero. */
struct observation {
  u32 expected, observed;
  u32 expected_limit, observed_limit;
};
typedef void probe_fn(struct observation* o);

/* entry.S: run fn(o) so that any exception it raises is caught. Returns 0 if fn returned,
 * 1 if it faulted: then sens_fault says how, and fn's stack and callee-saved registers are
 * gone (the call is abandoned, as longjmp would), EFLAGS is 0x002 (IF = 0, IOPL = 0). */
int probe_guarded(probe_fn* fn, struct observation* o);
extern char probe_fault_landing[];

/* The exception that abandoned the last guarded probe. */
struct fault {
  u32 vector, error, eip;
};
extern struct fault sens_fault;
extern volatile u32 sens_probe_active; /* 1 while probe_guarded runs a probe */
extern volatile u32 sens_int_gate_hits; /* INT VEC_PROBE_INT handled */

/* timer.c: the 8254 channel 0 at 10 kHz through 8259 IRQ 0, for the popf-if probe. */
void timer_init(void);
void timer_start(void); /* sens_timer_ticks = 0, the timer running, IRQ 0 unmasked */
void timer_stop(void);  /* IRQ 0 masked, the counter stopped; safe to call twice */
/* The interrupt half of trap_dispatch: 1 if vector is the timer's (or a spurious 8259
 * one) and was handled, with the EOI it needs. */
int timer_interrupt(u32 vector);
extern volatile u32 sens_timer_ticks;

/* probes.c: the probes, in the order they run and print. */
struct probe {
  const char* name;
  probe_fn* run;
  void (*cleanup)(void); /* undo what run may have left behind, finished or not; or 0 */
};
extern const struct probe sens_probes[];
extern const int sens_probe_count;

#endif

#endif
