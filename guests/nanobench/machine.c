/* nanobench's protected-mode setup and trap handling: a flat GDT with ring-0 and ring-3
 * segments and a TSS, an IDT, the SYSENTER MSRs, and the one C trap handler, which resumes
 * expected faults through a fixup table (as Linux's exception tables do). */
#include <stdarg.h>

#include "libc.h"
#include "nanobench.h"

/* Descriptor encoders, the TSS and gate layouts and the trap frame: guests/common/x86_tables.h. */
static u64 gdt[6];
static struct tss32 tss;
static struct gate32 idt[256];
static u8 trap_stack[4096] __attribute__((aligned(16)));

static void set_gate(u32 vector, const void* handler, u32 dpl) {
  idt[vector] = interrupt_gate(handler, KERNEL_CS, dpl);
}

/* Load the GDT and reload every segment register from it (Multiboot leaves GDTR
 * undefined), then the task register: the TSS gives ring 3 its way back to ring 0. */
static void load_gdt(void) {
  gdt[KERNEL_CS >> 3] = segment_descriptor(0, FLAT_LIMIT, SEG_S | SEG_TYPE_CODE_XR | SEG_DB | SEG_G, 0);
  gdt[KERNEL_DS >> 3] = segment_descriptor(0, FLAT_LIMIT, SEG_S | SEG_TYPE_DATA_RW | SEG_DB | SEG_G, 0);
  gdt[USER_CS >> 3] = segment_descriptor(0, FLAT_LIMIT, SEG_S | SEG_TYPE_CODE_XR | SEG_DB | SEG_G, 3);
  gdt[USER_DS >> 3] = segment_descriptor(0, FLAT_LIMIT, SEG_S | SEG_TYPE_DATA_RW | SEG_DB | SEG_G, 3);
  tss.ss0 = KERNEL_DS;
  tss.esp0 = (u32)(trap_stack + sizeof trap_stack);
  tss.iomap_base = sizeof tss; /* no I/O bitmap: ring 3 port I/O faults */
  gdt[TSS_SEL >> 3] = segment_descriptor((u32)&tss, sizeof tss - 1, SEG_TYPE_TSS32, 0);
  struct table_register gdtr = {sizeof gdt - 1, (u32)gdt};
  __asm__ volatile(
      "lgdt %0\n"
      "ljmp %1, $1f\n"
      "1: mov %2, %%eax\n"
      "mov %%eax, %%ds\n mov %%eax, %%es\n mov %%eax, %%ss\n mov %%eax, %%fs\n mov %%eax, %%gs\n"
      "ltr %w3\n"
      :
      : "m"(gdtr), "i"(KERNEL_CS), "i"(KERNEL_DS), "r"(TSS_SEL)
      : "eax", "memory");
}

void machine_init(void) {
  load_gdt();
  for (u32 v = 0; v < 256; ++v) set_gate(v, isr_stubs + 16 * v, 0);
  set_gate(VEC_SYSCALL, syscall_entry, 3);
  set_gate(VEC_USER_EXIT, user_exit_entry, 3);
  struct table_register idtr = {sizeof idt - 1, (u32)idt};
  __asm__ volatile("lidt %0" : : "m"(idtr));
}

static void wrmsr(u32 msr, u32 value) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"(value), "d"(0));
}

/* SYSENTER enters at sysenter_entry on the trap stack with CS = KERNEL_CS; SYSEXIT goes
 * back to USER_CS/USER_DS, which the GDT places at KERNEL_CS + 16 and + 24. */
void sysenter_init(void) {
  wrmsr(0x174, KERNEL_CS);                             /* IA32_SYSENTER_CS */
  wrmsr(0x175, (u32)(trap_stack + sizeof trap_stack)); /* IA32_SYSENTER_ESP */
  wrmsr(0x176, (u32)sysenter_entry);                   /* IA32_SYSENTER_EIP */
}

static void put_com1(char c, void* ctx) {
  (void)ctx;
  putc_com1(c);
}

void nb_printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vformat(put_com1, 0, fmt, ap);
  va_end(ap);
}

/* One entry of the fixup table loops.S builds with its FIXUP macro: the fault the
 * instruction at fault_eip is expected to raise, and where to resume after it. */
struct fixup {
  u32 fault_eip, resume_eip, vector, error, cr2;
};
extern const struct fixup __fixup_start[], __fixup_end[];

volatile u32 nb_fixups_taken, nb_fixups_bad;

static void __attribute__((noreturn)) unexpected(const struct trap_frame* f) {
  /* guest.c's printing only: nothing here may fault again. */
  puts_com1("nanobench: unexpected exception vector=");
  put_dec(f->vector);
  puts_com1(" eip=0x");
  put_hex(f->eip);
  puts_com1(" error=0x");
  put_hex(f->error);
  puts_com1(" cr2=0x");
  put_hex(read_cr2());
  putc_com1('\n');
  guest_exit(1);
}

/* A fault at an instruction listed in the fixup table: check it is the fault expected
 * there, count it, and resume at the listed instruction. The page tables are untouched,
 * so the same instruction faults again next time. Any other fault is fatal. */
static void fault_fixup(struct trap_frame* f) {
  for (const struct fixup* x = __fixup_start; x < __fixup_end; ++x) {
    if (x->fault_eip != f->eip) continue;
    int pf = f->vector == VEC_PF;
    if (f->vector != x->vector || (pf && (f->error != x->error || read_cr2() != x->cr2)))
      ++nb_fixups_bad;
    ++nb_fixups_taken;
    f->eip = x->resume_eip;
    return;
  }
  unexpected(f);
}

/* Called by every stub in entry.S with the frame; returning resumes through IRET. */
void trap_dispatch(struct trap_frame* f) {
  if (f->vector < 32)
    fault_fixup(f);
  else if (!timer_interrupt(f->vector, f->eip, f->ebp))
    unexpected(f);
}
