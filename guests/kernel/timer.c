/* The scheduler tick and the clock.
 *
 * At boot the TSC and the local APIC timer are calibrated against PIT channel 2 over
 * 10 ms, as Linux does; the tick then comes from the local APIC timer in periodic mode
 * at HZ, or, on a CPU without a local APIC (or with `nolapic` on the command line), from
 * PIT channel 0 through the 8259. gettime is the TSC scaled by the calibrated frequency.
 * Under vmlab the TSC counts virtual cycles, so every figure here is deterministic. */
#include "kernel.h"
#include "platform.h"

#define PIT_HZ 1193182u
#define CALIBRATE_MS 10u

#define APIC_TPR 0x080
#define APIC_EOI 0x0B0
#define APIC_SVR 0x0F0
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3E0
#define APIC_MASKED 0x10000u
#define APIC_PERIODIC 0x20000u

volatile u32 ticks;
static int use_lapic;
static u32 tsc_khz;
static u64 tsc_at_boot;

static int cpu_has_apic(void) {
  u32 eax = 1, ebx, ecx = 0, edx;
  __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
  return (edx >> 9) & 1;
}

/* Runs PIT channel 2 once for CALIBRATE_MS (mode 0, gated by port 61h bit 0, its output
 * readable as bit 5) and measures the TSC and, if used, the local APIC timer over it. */
static void calibrate(u32* lapic_per_ms) {
  u32 count = PIT_HZ * CALIBRATE_MS / 1000;
  pv->outb(0x61, (u8)((pv->inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
  pv->outb(0x43, 0xB0);                               /* channel 2, lo/hi, mode 0 */
  if (use_lapic) {
    pv->apic_write(APIC_TIMER_DIVIDE, 0xB); /* divide by 1 */
    pv->apic_write(APIC_LVT_TIMER, APIC_MASKED | VEC_LAPIC_TIMER);
    pv->apic_write(APIC_TIMER_INITIAL, 0xFFFFFFFFu);
  }
  pv->outb(0x42, (u8)count);
  pv->outb(0x42, (u8)(count >> 8)); /* counting starts */
  u64 t0 = read_tsc();
  u32 a0 = use_lapic ? pv->apic_read(APIC_TIMER_CURRENT) : 0;
  while (!(pv->inb(0x61) & 0x20)) {
  }
  u64 t1 = read_tsc();
  u32 a1 = use_lapic ? pv->apic_read(APIC_TIMER_CURRENT) : 0;
  tsc_khz = (u32)((t1 - t0) / CALIBRATE_MS);
  *lapic_per_ms = (a0 - a1) / CALIBRATE_MS;
  if (use_lapic) pv->apic_write(APIC_TIMER_INITIAL, 0);
}

void timer_init(int allow_lapic) {
  use_lapic = allow_lapic && cpu_has_apic();
  if (use_lapic) {
    pv->apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS); /* software-enable */
    pv->apic_write(APIC_LVT_LINT0, 0x700);           /* ExtINT: the 8259 keeps working */
    pv->apic_write(APIC_LVT_LINT1, 0x400);           /* NMI */
    pv->apic_write(APIC_LVT_ERROR, APIC_MASKED);
    pv->apic_write(APIC_TPR, 0);
  }
  u32 lapic_per_ms = 0;
  calibrate(&lapic_per_ms);
  tsc_at_boot = read_tsc();
  if (use_lapic) {
    pv->apic_write(APIC_TIMER_DIVIDE, 0xB);
    pv->apic_write(APIC_LVT_TIMER, APIC_PERIODIC | VEC_LAPIC_TIMER);
    pv->apic_write(APIC_TIMER_INITIAL, lapic_per_ms * 1000 / HZ);
  } else {
    u32 divisor = (PIT_HZ + HZ / 2) / HZ;
    pv->outb(0x43, 0x34); /* channel 0, lo/hi, mode 2 (rate generator) */
    pv->outb(0x40, (u8)divisor);
    pv->outb(0x40, (u8)(divisor >> 8));
    pic_unmask(IRQ_PIT);
  }
  kprintf("kernel: timer %s at %u Hz, TSC %u.%03u MHz\n", timer_source(), HZ, tsc_khz / 1000, tsc_khz % 1000);
}

const char* timer_source(void) { return use_lapic ? "local APIC" : "PIT"; }

void timer_interrupt_eoi(void) {
  if (use_lapic)
    pv->apic_write(APIC_EOI, 0);
  else
    pic_eoi(IRQ_PIT);
}

u64 time_ns(void) { return tsc_khz ? (read_tsc() - tsc_at_boot) * 1000000ull / tsc_khz : 0; }
