/* sensitive's protected-mode setup and trap handling: a flat GDT with ring-0 and ring-3
 * segments, a TSS and an LDT; an IDT whose every vector reaches trap_dispatch; and a
 * record of every value loaded (sens_loaded), which is what bare metal reports back.
 * Paging stays off: no probe needs it. */
#include <stdarg.h>

#include "libc.h"
#include "sensitive.h"

/* Code and data descriptors have their accessed bit (type bit 0) preset, so that loading
 * a segment register never writes the descriptor: LAR then reads back exactly what was
 * written here, on any processor or monitor. (Encoders: guests/common/x86_tables.h.) */

#define CR0_MP (1u << 1)
#define CR0_NE (1u << 5)

static u64 gdt[7] __attribute__((aligned(8))); /* null, then the selectors of sensitive.h */
static u64 ldt[1] __attribute__((aligned(8)));
static struct tss32 tss;
static struct gate32 idt[256];
static u8 trap_stack[4096] __attribute__((aligned(16)));

struct loaded_state sens_loaded;
struct fault sens_fault;
volatile u32 sens_probe_active, sens_int_gate_hits;

u64 gdt_descriptor(u16 selector) { return gdt[selector >> 3]; }

static void build_gdt(void) {
  const u32 code = SEG_S | SEG_TYPE_CODE_XRA | SEG_DB | SEG_G;
  const u32 data = SEG_S | SEG_TYPE_DATA_RWA | SEG_DB | SEG_G;
  gdt[KERNEL_CS >> 3] = segment_descriptor(0, FLAT_LIMIT, code, 0);
  gdt[KERNEL_DS >> 3] = segment_descriptor(0, FLAT_LIMIT, data, 0);
  gdt[USER_CS >> 3] = segment_descriptor(0, FLAT_LIMIT, code, 3);
  gdt[USER_DS >> 3] = segment_descriptor(0, FLAT_LIMIT, data, 3);
  tss.ss0 = KERNEL_DS;
  tss.esp0 = (u32)(trap_stack + sizeof trap_stack);
  tss.iomap_base = sizeof tss; /* no I/O bitmap */
  gdt[TSS_SEL >> 3] = segment_descriptor((u32)&tss, sizeof tss - 1, SEG_TYPE_TSS32, 0);
  ldt[LDT_DS >> 3] = segment_descriptor(0, FLAT_LIMIT, data, 0);
  gdt[LDT_SEL >> 3] = segment_descriptor((u32)ldt, sizeof ldt - 1, SEG_TYPE_LDT, 0);
}

/* LGDT, then every segment register reloaded from it (Multiboot leaves GDTR undefined):
 * CS by a far jump, the others by MOV. */
static void load_gdt(void) {
  sens_loaded.gdtr = (struct table_register){sizeof gdt - 1, (u32)gdt};
  __asm__ volatile(
      "lgdt %0\n"
      "ljmp %1, $1f\n"
      "1: mov %2, %%eax\n"
      "mov %%eax, %%ds\n mov %%eax, %%es\n mov %%eax, %%ss\n mov %%eax, %%fs\n mov %%eax, %%gs\n"
      :
      : "m"(sens_loaded.gdtr), "i"(KERNEL_CS), "i"(KERNEL_DS)
      : "eax", "memory");
}

static void load_idt(void) {
  for (u32 v = 0; v < 256; ++v) {
    idt[v] = interrupt_gate(isr_stubs + 16 * v, KERNEL_CS, 0);
  }
  sens_loaded.idtr = (struct table_register){sizeof idt - 1, (u32)idt};
  __asm__ volatile("lidt %0" : : "m"(sens_loaded.idtr) : "memory");
}

static void load_ldt_and_tr(void) {
  sens_loaded.ldtr = LDT_SEL;
  sens_loaded.tr = TSS_SEL;
  __asm__ volatile("lldt %w0\n ltr %w1" : : "r"(sens_loaded.ldtr), "r"(sens_loaded.tr) : "memory");
}

static u32 read_cr0(void) {
  u32 v;
  __asm__ volatile("mov %%cr0, %0" : "=r"(v));
  return v;
}

/* CR0 gets MP and NE on top of what the loader left (PE = 1, PG = 0): harmless for a guest
 * without x87 code, and two bits SMSW shows that a monitor's own CR0 may not have. The
 * value recorded is the one read back, since a processor may hard-wire bits (ET). */
static void load_cr0(void) {
  __asm__ volatile("mov %0, %%cr0" : : "r"(read_cr0() | CR0_MP | CR0_NE) : "memory");
  sens_loaded.cr0 = read_cr0();
}

void machine_init(void) {
  /* A known EFLAGS: IF = 0, IOPL = 0, DF = 0 (Multiboot only promises IF = 0, VM = 0). */
  __asm__ volatile("pushl %0\n popfl" : : "i"(EFLAGS_RESERVED) : "cc", "memory");
  build_gdt();
  load_gdt();
  load_idt();
  load_ldt_and_tr();
  load_cr0();
}

static void put_com1(char c, void* ctx) {
  (void)ctx;
  putc_com1(c);
}

void sens_printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vformat(put_com1, 0, fmt, ap);
  va_end(ap);
}

static void __attribute__((noreturn)) unexpected(const struct trap_frame* f) {
  sens_printf("sensitive: internal error: unexpected vector %u at eip 0x%x (error 0x%x)\n",
              f->vector, f->eip, f->error);
  guest_exit(1);
}

/* An exception inside a guarded probe: record it and make the IRET land at
 * probe_fault_landing with EFLAGS 0x002 (IF, IOPL and DF cleared, whatever the probe
 * left in them). A second exception before the landing runs is an internal error. */
static void abandon_probe(struct trap_frame* f) {
  if (!sens_probe_active) unexpected(f);
  sens_probe_active = 0;
  sens_fault = (struct fault){f->vector, f->error, f->eip};
  f->eip = (u32)probe_fault_landing;
  f->eflags = EFLAGS_RESERVED;
}

/* Called by every stub in entry.S with the frame; returning resumes through IRET. */
void trap_dispatch(struct trap_frame* f) {
  if (f->vector < 32)
    abandon_probe(f);
  else if (f->vector == VEC_PROBE_INT)
    ++sens_int_gate_hits;
  else if (!timer_interrupt(f->vector))
    unexpected(f);
}
