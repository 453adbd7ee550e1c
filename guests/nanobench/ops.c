/* The operations: for each, the setup around its timed loop (loops.S) and the functional
 * checks after it. The checks count what the handlers did and what the loops read back;
 * none of them looks at the result of a sensitive but unprivileged instruction (PUSHF,
 * SGDT, SMSW, ...), so a deprivileged monitor must give exactly the same output.
 *
 * Default iteration counts (a whole default run is about 6.3 M guest instructions and
 * 0.15 s of host time in vmlab, most of it in exception delivery and TLB flushes):
 *   100000  loop, syscall-int80, syscall-sysenter, in, tprwr, callret, clisti, pushfpopf,
 *           cpuid, rdtsc
 *    20000  pgfault, divzero, ptemod, cr3switch (slower paths in an emulator: exception
 *           delivery, TLB invalidation)
 *     1000  hlt (a timer period of virtual time each) */
#include "libc.h"
#include "nanobench.h"

u32 nb_cpu_features;

/* Report one failed check; returns 1 for the caller's failure count. */
static int fail(const struct op* op, const char* what, u32 got, u32 want) {
  nb_printf("FAIL %s %s: got %u, expected %u\n", op->name, what, got, want);
  return 1;
}

static int expect(const struct op* op, const char* what, u32 got, u32 want) {
  return got == want ? 0 : fail(op, what, got, want);
}

static int lacks(const struct op* op, u32 feature, const char* what) {
  if (nb_cpu_features & feature) return 0;
  nb_printf("nanobench: %s skipped: CPUID reports no %s\n", op->name, what);
  return 1;
}

/* A system call from ring 3, n times: the handler must run n times, and EDI, which each
 * call increments, must come back as n. */
static int run_syscall(const struct op* op, u32 n, u64* cycles, volatile u32* calls) {
  *calls = 0;
  nb_user_out.check = 0;
  enter_user(op->loop, n, &nb_user_out);
  *cycles = nb_user_out.cycles;
  return expect(op, "handler calls", *calls, n) +
         expect(op, "register passed", nb_user_out.check, n);
}

static int run_int80(const struct op* op, u32 n, u64* cycles) {
  return run_syscall(op, n, cycles, &nb_syscall_count);
}

static int run_sysenter(const struct op* op, u32 n, u64* cycles) {
  if (lacks(op, CPUID_SEP, "SEP (SYSENTER/SYSEXIT)")) return -1;
  return run_syscall(op, n, cycles, &nb_sysenter_count);
}

/* TPR writes of 0 (the priority the benchmark otherwise runs at). Before the loop, a
 * value written must read back: the MMIO reaches the APIC. */
static int run_tprwr(const struct op* op, u32 n, u64* cycles) {
  if (lacks(op, CPUID_APIC, "local APIC")) return -1;
  lapic_write(LAPIC_TPR, 0x20);
  u32 tpr = lapic_read(LAPIC_TPR) & 0xFF;
  lapic_write(LAPIC_TPR, 0);
  struct loop_out out;
  op->loop(n, &out, 0, 0, 0);
  *cycles = out.cycles;
  return expect(op, "TPR read back", tpr, 0x20) +
         expect(op, "TPR after the loop", lapic_read(LAPIC_TPR) & 0xFF, 0);
}

/* A fault that the fixup table resumes: n faults, none with a wrong vector, error code
 * or CR2. */
static int run_fault(const struct op* op, u32 n, u64* cycles) {
  nb_fixups_taken = nb_fixups_bad = 0;
  struct loop_out out;
  op->loop(n, &out, 0, 0, 0);
  *cycles = out.cycles;
  return expect(op, "faults handled", nb_fixups_taken, n) +
         expect(op, "faults with a wrong vector, error code or CR2", nb_fixups_bad, 0);
}

/* Rewrite the live PTE of PTEMOD_VA n times, alternating frames; each read through it
 * after the INVLPG must see the frame just written. */
static int run_ptemod(const struct op* op, u32 n, u64* cycles) {
  struct loop_out out;
  op->loop(n, &out, (u32)paging_ptemod_pte(), paging_ptemod_value(0), paging_ptemod_value(1));
  paging_restore();
  *cycles = out.cycles;
  return expect(op, "reads of the wrong frame", out.check, 0);
}

/* Load CR3 n times, alternating directories; each read of MARKER_VA must see the
 * marker of the directory just loaded. */
static int run_cr3switch(const struct op* op, u32 n, u64* cycles) {
  struct loop_out out;
  op->loop(n, &out, 0, paging_cr3(0), paging_cr3(1));
  paging_restore();
  *cycles = out.cycles;
  return expect(op, "reads of the wrong marker", out.check, 0);
}

/* HLT n times with the periodic timer on: each HLT must be ended by a timer interrupt,
 * so n of them must return to the instruction after the HLT. */
static int run_hlt(const struct op* op, u32 n, u64* cycles) {
  timer_start();
  struct loop_out out;
  op->loop(n, &out, 0, 0, 0);
  u32 wakeups = nb_timer_wakeups;
  timer_stop();
  *cycles = out.cycles;
  const char* what =
      timer_uses_lapic() ? "HLTs ended by the local APIC timer" : "HLTs ended by the 8254 timer";
  return expect(op, what, wakeups, n);
}

/* Operations without a run function need no setup and have nothing to check. */
int op_run(const struct op* op, u32 n, u64* cycles) {
  if (op->run) return op->run(op, n, cycles);
  struct loop_out out;
  op->loop(n, &out, 0, 0, 0);
  *cycles = out.cycles;
  return 0;
}

const struct op nb_ops[] = {
    {"loop", 100000, loop_empty, 0},
    {"syscall-int80", 100000, uloop_int80, run_int80},
    {"syscall-sysenter", 100000, uloop_sysenter, run_sysenter},
    {"in", 100000, loop_in, 0},
    {"tprwr", 100000, loop_tprwr, run_tprwr},
    {"callret", 100000, loop_callret, 0},
    {"pgfault", 20000, loop_pgfault, run_fault},
    {"divzero", 20000, loop_divzero, run_fault},
    {"ptemod", 20000, loop_ptemod, run_ptemod},
    {"cr3switch", 20000, loop_cr3switch, run_cr3switch},
    {"clisti", 100000, loop_clisti, 0},
    {"pushfpopf", 100000, loop_pushfpopf, 0},
    {"cpuid", 100000, loop_cpuid, 0},
    {"rdtsc", 100000, loop_rdtsc, 0},
    {"hlt", 1000, loop_hlt, run_hlt},
};
const int nb_op_count = sizeof nb_ops / sizeof nb_ops[0];
