/* The probes: one per sensitive but unprivileged instruction of Robin & Irvine (USENIX
 * Security 2000), plus IRET and INT n, which have the same defect. Each first records
 * what bare metal at ring 0 gives (expected), then runs the instruction and records what
 * this run gave (observed).
 *
 * A trap-and-emulate monitor runs this guest's kernel at ring 1 and sees only what traps
 * there. The instructions probed here either do not trap at CPL 1 (SGDT, PUSHF, LAR, ...:
 * the real processor answers, for ring 1 and with the monitor's tables) or fault where
 * ring 0 would not (a far RET or IRET to RPL 0, INT through a DPL-0 gate). Either way the
 * guest can tell, unless the monitor goes out of its way to hide it.
 *
 * Every probe runs at CPL 0 (natively) with IF = 0 and IOPL = 0, inside probe_guarded:
 * an exception abandons it and is reported as a leak. */
#include "sensitive.h"

/* LAR's access-rights dword: type, S, DPL, P (15:8) and AVL, D/B, G (23:20). Bits 19:16
 * (limit 19:16) are left out: the SDM leaves them undefined. */
#define LAR_MASK 0x00F0FF00u
#define ARITH_FLAGS (EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF)
/* The popf-if wait: at most this many iterations of about 5 instructions, some 100 timer
 * periods at one instruction per nanosecond of virtual time. It ends at the first tick. */
#define POPF_SPIN_LIMIT 2000000u

/* SGDT (0F 01 /0). Bare metal: the base and limit this guest gave LGDT. A ring-1 kernel:
 * its LGDT trapped and only set the monitor's virtual GDTR, so SGDT shows the real one,
 * the monitor's (and where the monitor lives). */
static void probe_sgdt(struct observation* o) {
  struct table_register r;
  o->expected = sens_loaded.gdtr.base, o->expected_limit = sens_loaded.gdtr.limit;
  __asm__ volatile("sgdt %0" : "=m"(r));
  o->observed = r.base, o->observed_limit = r.limit;
}

/* SIDT (0F 01 /1): as SGDT, for the IDT. */
static void probe_sidt(struct observation* o) {
  struct table_register r;
  o->expected = sens_loaded.idtr.base, o->expected_limit = sens_loaded.idtr.limit;
  __asm__ volatile("sidt %0" : "=m"(r));
  o->observed = r.base, o->observed_limit = r.limit;
}

/* SLDT (0F 00 /0). Bare metal: LDT_SEL, which this guest loaded. A ring-1 kernel: the
 * selector of whatever LDT the monitor really loaded (a shadow, or none). */
static void probe_sldt(struct observation* o) {
  u16 sel;
  o->expected = sens_loaded.ldtr;
  __asm__ volatile("sldt %0" : "=m"(sel));
  o->observed = sel;
}

/* STR (0F 00 /1). Bare metal: TSS_SEL. A ring-1 kernel: the monitor's TSS selector. */
static void probe_str(struct observation* o) {
  u16 sel;
  o->expected = sens_loaded.tr;
  __asm__ volatile("str %0" : "=m"(sel));
  o->observed = sel;
}

/* SMSW (0F 01 /4) stores CR0[15:0]; MOV from CR0 is privileged. Bare metal: the two
 * agree (expected is CR0 as machine_init read it back after loading it). A ring-1
 * kernel: its MOV trapped and got the virtual CR0, SMSW reads the real one (TS set for
 * lazy FPU switching, a missing MP or NE). */
static void probe_smsw(struct observation* o) {
  u16 msw;
  o->expected = sens_loaded.cr0 & 0xFFFF;
  __asm__ volatile("smsw %0" : "=m"(msw));
  o->observed = msw;
}

/* PUSHF (9C) after CLI. Bare metal: IF (printed as 0 or 1) is 0. A ring-1 kernel: CLI
 * trapped and cleared the virtual IF; PUSHF pushes the real IF, still 1. */
static void probe_pushf_if(struct observation* o) {
  u32 flags;
  o->expected = 0;
  __asm__ volatile("cli\n pushfl\n popl %0" : "=r"(flags) : : "memory");
  o->observed = (flags & EFLAGS_IF) != 0;
}

/* POPF (9D) with IOPL 3, then PUSHF. Bare metal: at CPL 0 POPF may change IOPL, so it
 * reads back 3. A ring-1 kernel: POPF leaves IOPL alone at CPL > 0, without a fault. */
static void probe_pushf_iopl(struct observation* o) {
  u32 before, after;
  o->expected = 3;
  __asm__ volatile(
      "pushfl\n popl %0\n"
      "movl %0, %1\n orl %2, %1\n pushl %1\n popfl\n"
      "pushfl\n popl %1\n"
      : "=&r"(before), "=&r"(after)
      : "i"(EFLAGS_IOPL)
      : "cc", "memory");
  u32 restore = before & ~(u32)EFLAGS_IOPL;
  __asm__ volatile("pushl %0\n popfl" : : "r"(restore) : "cc", "memory");
  o->observed = (after & EFLAGS_IOPL) >> EFLAGS_IOPL_SHIFT;
}

/* POPF setting IF after CLI, with a periodic timer interrupt waiting. Bare metal: IF
 * becomes 1 and the timer interrupts (observed 1). A ring-1 kernel with IOPL 0: POPF
 * drops the IF change without a fault, the monitor never learns of it, the virtual IF
 * stays 0 and no interrupt is delivered (observed 0). */
static void probe_popf_if(struct observation* o) {
  u32 image;
  o->expected = 1;
  timer_start();
  __asm__ volatile("cli\n pushfl\n popl %0" : "=r"(image) : : "memory");
  image |= EFLAGS_IF;
  __asm__ volatile("pushl %0\n popfl" : : "r"(image) : "cc", "memory");
  for (u32 n = POPF_SPIN_LIMIT; n && !sens_timer_ticks; --n) __asm__ volatile("" ::: "memory");
  __asm__ volatile("cli" ::: "memory");
  o->observed = sens_timer_ticks != 0;
}

/* PUSH CS (0E). Bare metal: KERNEL_CS, RPL 0 = CPL 0. A ring-1 kernel: its CS has RPL 1,
 * the real CPL. */
static void probe_push_cs(struct observation* o) {
  u32 cs;
  o->expected = KERNEL_CS;
  __asm__ volatile("pushl %%cs\n popl %0" : "=r"(cs) : : "memory");
  o->observed = cs & 0xFFFF;
}

/* MOV r, CS (8C /1): the same leak as PUSH CS. */
static void probe_mov_cs(struct observation* o) {
  u32 cs;
  o->expected = KERNEL_CS;
  __asm__ volatile("movl %%cs, %0" : "=r"(cs));
  o->observed = cs & 0xFFFF;
}

/* MOV r, SS (8C /2). Bare metal: KERNEL_DS. A ring-1 kernel: SS needs RPL = CPL = 1, so
 * the monitor must have given it another selector, and the guest sees it. */
static void probe_mov_ss(struct observation* o) {
  u32 ss;
  o->expected = KERNEL_DS;
  __asm__ volatile("movl %%ss, %0" : "=r"(ss));
  o->observed = ss & 0xFFFF;
}

/* LAR (0F 02) of KERNEL_DS. Bare metal: ZF = 1 and the descriptor's access rights, DPL 0.
 * A ring-1 kernel: a DPL-0 descriptor is invisible at CPL 1 (ZF = 0, observed 0), or the
 * monitor compressed it to DPL 1 and LAR shows that. */
static void probe_lar(struct observation* o) {
  u32 rights = 0;
  u8 zf;
  o->expected = (u32)(gdt_descriptor(KERNEL_DS) >> 32) & LAR_MASK;
  __asm__ volatile("larl %2, %0\n setz %1" : "+r"(rights), "=q"(zf) : "r"((u32)KERNEL_DS) : "cc");
  o->observed = zf ? rights & LAR_MASK : 0;
}

/* LSL (0F 03) of KERNEL_DS. Bare metal: ZF = 1 and the flat limit 0xFFFFFFFF. A ring-1
 * kernel: invisible (ZF = 0, observed 0), or the limit the monitor truncated the segment
 * to, to fence off its own memory. */
static void probe_lsl(struct observation* o) {
  u32 limit = 0;
  u8 zf;
  o->expected = 0xFFFFFFFFu;
  __asm__ volatile("lsll %2, %0\n setz %1" : "+r"(limit), "=q"(zf) : "r"((u32)KERNEL_DS) : "cc");
  o->observed = zf ? limit : 0;
}

/* VERR (0F 00 /4) of KERNEL_DS_RPL1; observed is ZF. Bare metal at CPL 0: fails (ZF = 0),
 * since DPL 0 < RPL 1. A ring-1 kernel whose descriptors the monitor compressed to DPL 1:
 * succeeds (ZF = 1). */
static void probe_verr(struct observation* o) {
  u8 zf;
  o->expected = 0;
  __asm__ volatile("verr %w1\n setz %0" : "=q"(zf) : "r"((u32)KERNEL_DS_RPL1) : "cc");
  o->observed = zf;
}

/* VERW (0F 00 /5): the same test for writability. */
static void probe_verw(struct observation* o) {
  u8 zf;
  o->expected = 0;
  __asm__ volatile("verw %w1\n setz %0" : "=q"(zf) : "r"((u32)KERNEL_DS_RPL1) : "cc");
  o->observed = zf;
}

/* Far RET (CB) to KERNEL_CS:label, the same ring; observed is CS after it. Bare metal:
 * lands with CS = KERNEL_CS. A ring-1 kernel: the popped RPL 0 is below CPL 1, a #GP. */
static void probe_retf(struct observation* o) {
  u32 cs;
  o->expected = KERNEL_CS;
  __asm__ volatile(
      "pushl %1\n pushl $1f\n lret\n"
      "1: movl %%cs, %0"
      : "=r"(cs)
      : "i"(KERNEL_CS)
      : "memory");
  o->observed = cs & 0xFFFF;
}

/* IRET (CF) to KERNEL_CS:label with an EFLAGS image of IF = 0 and CF, ZF, SF, OF set;
 * observed is the arithmetic flags after landing. Bare metal: those of the image. A
 * ring-1 kernel: RPL 0 below CPL 1 is a #GP (and an IF in the image would be dropped,
 * as POPF drops it). */
#define IRET_IMAGE (EFLAGS_RESERVED | EFLAGS_CF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF)
static void probe_iret_same_ring(struct observation* o) {
  u32 flags;
  o->expected = IRET_IMAGE & ARITH_FLAGS;
  __asm__ volatile(
      "pushl %1\n pushl %2\n pushl $1f\n iret\n"
      "1: pushfl\n popl %0"
      : "=r"(flags)
      : "i"(IRET_IMAGE), "i"(KERNEL_CS)
      : "cc", "memory");
  o->observed = flags & ARITH_FLAGS;
}

/* INT n (CD) through an interrupt gate of DPL 0; observed is how many times the handler
 * ran. Bare metal: once (gate DPL 0 >= CPL 0). A ring-1 kernel: DPL 0 < CPL 1, a #GP
 * instead, unless the monitor catches it and reflects the INT. */
static void probe_int_gate(struct observation* o) {
  u32 before = sens_int_gate_hits;
  o->expected = 1;
  __asm__ volatile("int %0" : : "i"(VEC_PROBE_INT) : "memory");
  o->observed = sens_int_gate_hits - before;
}

const struct probe sens_probes[] = {
    {"sgdt", probe_sgdt, 0},
    {"sidt", probe_sidt, 0},
    {"sldt", probe_sldt, 0},
    {"str", probe_str, 0},
    {"smsw", probe_smsw, 0},
    {"pushf-if", probe_pushf_if, 0},
    {"pushf-iopl", probe_pushf_iopl, 0},
    {"popf-if", probe_popf_if, timer_stop},
    {"push-cs", probe_push_cs, 0},
    {"mov-cs", probe_mov_cs, 0},
    {"mov-ss", probe_mov_ss, 0},
    {"lar", probe_lar, 0},
    {"lsl", probe_lsl, 0},
    {"verr", probe_verr, 0},
    {"verw", probe_verw, 0},
    {"retf", probe_retf, 0},
    {"iret-same-ring", probe_iret_same_ring, 0},
    {"int-gate", probe_int_gate, 0},
};
const int sens_probe_count = sizeof sens_probes / sizeof sens_probes[0];
