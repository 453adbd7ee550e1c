/* nanobench: the Adams & Agesen nanobenchmarks (ASPLOS 2006) as a Multiboot guest.
 * Shared by the C files and the assembler files (loops.S, entry.S). */
#ifndef VMLAB_NANOBENCH_H
#define VMLAB_NANOBENCH_H

/* Segment selectors. The order is the one SYSENTER/SYSEXIT derive from IA32_SYSENTER_CS:
 * kernel code, kernel data (+8), user code (+16), user data (+24). RPL 3 on user ones. */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS 0x1B
#define USER_DS 0x23
#define TSS_SEL 0x28

/* Interrupt vectors. The 8259 pair is remapped to 20h-2Fh. */
#define VEC_DE 0
#define VEC_PF 14
#define VEC_PIC_BASE 0x20
#define VEC_LAPIC_TIMER 0x30
#define VEC_SYSCALL 0x80   /* INT 80h: the benchmarked system call */
#define VEC_USER_EXIT 0x81 /* INT 81h: ring 3 hands control back to the kernel */
#define VEC_SPURIOUS 0xFF  /* local APIC spurious-interrupt vector */

/* Linear addresses of the benchmark windows, all in the second 4 MiB (PDE 1), whose page
 * table differs between the two page directories (paging.c):
 *   MARKER_VA    a marker page: each directory maps a frame holding that directory's CR3
 *   PTEMOD_VA    the page whose PTE ptemod rewrites; each frame holds its own PTE value
 *   UNMAPPED_VA  never present: pgfault reads it */
#define MARKER_VA 0x00400000
#define PTEMOD_VA 0x00401000
#define UNMAPPED_VA 0x00402000

#define LAPIC_BASE 0xFEE00000
#define LAPIC_TPR 0x080

/* #PF error code of a supervisor-mode read of a not-present page (SDM Vol. 3, 4.7). */
#define PF_ERROR_READ_NOT_PRESENT 0

#ifndef __ASSEMBLER__
#include "guest.h"
#include "x86_tables.h"

/* What a timed loop reports: the RDTSC difference around the loop, and a check value the
 * loop accumulates (mismatches seen, or a register the handlers changed). */
struct loop_out {
  u64 cycles;
  u32 check;
};

/* Every timed loop (loops.S): runs its operation n times (n >= 1) between two RDTSCs.
 * a, b and c are per-loop arguments (see loops.S). */
typedef void loop_fn(u32 n, struct loop_out* out, u32 a, u32 b, u32 c);
loop_fn loop_empty, loop_in, loop_tprwr, loop_callret, loop_pgfault, loop_divzero, loop_ptemod,
    loop_cr3switch, loop_clisti, loop_pushfpopf, loop_cpuid, loop_rdtsc, loop_hlt;
loop_fn uloop_int80, uloop_sysenter; /* in the user section: run at CPL 3 */

/* entry.S: run fn(n, out, 0, 0, 0) at CPL 3 on the user stack; out must be in user memory.
 * Returns when fn returns (through INT 81h). */
void enter_user(loop_fn* fn, u32 n, struct loop_out* out);
extern struct loop_out nb_user_out; /* in the user section */
extern volatile u32 nb_syscall_count, nb_sysenter_count;
extern char syscall_entry[], sysenter_entry[], user_exit_entry[];

/* machine.c: descriptors and traps. */
void machine_init(void);
void sysenter_init(void);
/* Expected-fault bookkeeping: faults resumed through the fixup table since the last reset,
 * and how many of them had a wrong vector, error code or CR2. */
extern volatile u32 nb_fixups_taken, nb_fixups_bad;
void nb_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/* paging.c: two page directories sharing the identity map and the APIC page. */
void paging_init(void);
u32 paging_cr3(int which);             /* 0: the kernel's directory, 1: the other one */
volatile u32* paging_ptemod_pte(void); /* the live PTE of PTEMOD_VA */
u32 paging_ptemod_value(int which);    /* its two values: frame 0 or frame 1, present */
void paging_restore(void);             /* kernel directory loaded, PTEMOD_VA on frame 0 */

/* timer.c: the 8259 pair, the local APIC, the wake-up timer for hlt. */
void timer_init(int has_apic);
int timer_uses_lapic(void);
void timer_start(void); /* periodic; any interrupt already pending is taken and dropped */
void timer_stop(void);
/* The interrupt half of trap_dispatch: 1 if vector was the timer's (or spurious) and is
 * handled. eip is where the interrupt returns to, ebp the interrupted code's EBP. */
int timer_interrupt(u32 vector, u32 eip, u32 ebp);
extern volatile u32 nb_timer_ticks;   /* timer interrupts since timer_start */
extern volatile u32 nb_timer_wakeups; /* those that ended one of loop_hlt's HLTs */
extern char nb_hlt_wakeup[];
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 value);

/* ops.c: the operations, in their default order. */
struct op {
  const char* name;
  u32 default_n;
  loop_fn* loop;
  /* The setup and checks around loop, or 0 if there are none (see op_run). */
  int (*run)(const struct op* op, u32 n, u64* cycles);
};
extern const struct op nb_ops[];
extern const int nb_op_count;
/* Run op's loop n times: sets *cycles, prints "FAIL <name> <what>" for each failed check
 * and returns how many failed; returns -1 (with a note) if the CPU lacks the feature. */
int op_run(const struct op* op, u32 n, u64* cycles);
extern u32 nb_cpu_features; /* CPUID leaf 1 EDX */
#define CPUID_TSC (1u << 4)
#define CPUID_MSR (1u << 5)
#define CPUID_APIC (1u << 9)
#define CPUID_SEP (1u << 11)
#define CPUID_CMOV (1u << 15)

static inline u32 read_cr2(void) {
  u32 v;
  __asm__ volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
static inline void write_cr3(u32 v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void invlpg(u32 va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
#endif

#endif
