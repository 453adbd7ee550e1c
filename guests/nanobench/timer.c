/* The wake-up timer for the hlt benchmark, and the interrupt controllers around it.
 *
 * With a local APIC (CPUID.1:EDX.APIC): its timer, periodic, divide by 1, vector 30h,
 * EOI to the APIC. Without one: 8254 channel 0 in mode 2 through 8259 IRQ 0 (vector 20h),
 * EOI to the master 8259. Either way the 8259 pair is remapped to 20h-2Fh (a BIOS leaves
 * it on 08h-0Fh, over the exception vectors) and fully masked whenever the timer is off. */
#include "nanobench.h"

/* Local APIC registers (SDM Vol. 3, 10.4-10.5), offsets from LAPIC_BASE. */
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_ICR 0x380 /* initial count */
#define LAPIC_TIMER_DCR 0x3E0 /* divide configuration */
#define SVR_APIC_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define DCR_DIVIDE_BY_1 0xB

/* The timer period. vmlab's APIC timer counts a 100 MHz bus clock, so 10000 counts are
 * 100 us of virtual time (100000 cycles); QEMU's counts 1 GHz (10 us). The 8254 one is
 * about 100 us. The period should be long against the interrupt path, so that each
 * interrupt finds the loop in HLT (one that comes between two HLTs is harmless: it is
 * counted in nb_timer_ticks only); halted time costs an emulator nothing. */
#define LAPIC_PERIOD_COUNTS 10000
#define PIT_DIVISOR 119 /* 1.193182 MHz / 119: a tick every 99.7 us */

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI 0x20
#define PIT_CH0 0x40
#define PIT_MODE 0x43

volatile u32 nb_timer_ticks, nb_timer_wakeups;
static u32 g_last_wakeup_ebp; /* loop_hlt's iteration counter at the last wakeup counted */
static int g_use_lapic;

u32 lapic_read(u32 reg) { return *(volatile u32*)(LAPIC_BASE + reg); }
void lapic_write(u32 reg, u32 value) { *(volatile u32*)(LAPIC_BASE + reg) = value; }

/* ICW1-ICW4 (8259A datasheet): edge triggered, cascaded, vectors 20h-27h and 28h-2Fh,
 * slave on IRQ 2, 8086 mode; then every line masked. */
static void pic_init(void) {
  outb(PIC1_CMD, 0x11), outb(PIC2_CMD, 0x11);
  outb(PIC1_DATA, VEC_PIC_BASE), outb(PIC2_DATA, VEC_PIC_BASE + 8);
  outb(PIC1_DATA, 0x04), outb(PIC2_DATA, 0x02);
  outb(PIC1_DATA, 0x01), outb(PIC2_DATA, 0x01);
  outb(PIC1_DATA, 0xFF), outb(PIC2_DATA, 0xFF);
}

void timer_init(int has_apic) {
  g_use_lapic = has_apic;
  pic_init();
  if (has_apic) {
    lapic_write(LAPIC_SVR, SVR_APIC_ENABLE | VEC_SPURIOUS);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
    lapic_write(LAPIC_TIMER_ICR, 0);
  }
}

int timer_uses_lapic(void) { return g_use_lapic; }

/* Start the periodic timer; its first interrupt comes one period later. An interrupt
 * left pending by an earlier run (an edge the masked 8259 latched) is taken here, in a
 * one-instruction window with IF set, and not counted. */
void timer_start(void) {
  if (g_use_lapic) {
    lapic_write(LAPIC_TIMER_DCR, DCR_DIVIDE_BY_1);
    lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_LAPIC_TIMER);
    lapic_write(LAPIC_TIMER_ICR, LAPIC_PERIOD_COUNTS);
  } else {
    outb(PIT_MODE, 0x34); /* channel 0, low then high byte, mode 2 (rate generator) */
    outb(PIT_CH0, PIT_DIVISOR & 0xFF);
    outb(PIT_CH0, PIT_DIVISOR >> 8);
    outb(PIC1_DATA, 0xFE); /* IRQ 0 only */
  }
  __asm__ volatile("sti; nop; cli" ::: "memory");
  nb_timer_ticks = nb_timer_wakeups = g_last_wakeup_ebp = 0;
}

/* Stop the timer: the APIC timer masked with a zero count; the 8254 in mode 0 (one
 * terminal count, no more edges after it) and IRQ 0 masked. */
void timer_stop(void) {
  if (g_use_lapic) {
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
    lapic_write(LAPIC_TIMER_ICR, 0);
  } else {
    outb(PIC1_DATA, 0xFF);
    outb(PIT_MODE, 0x30); /* channel 0, low then high byte, mode 0 */
    outb(PIT_CH0, 0xFF);
    outb(PIT_CH0, 0xFF);
  }
}

/* Count a timer tick and acknowledge it. It ended one of loop_hlt's HLTs if it returns
 * to nb_hlt_wakeup with an iteration count (EBP, never 0 there) not seen before: a
 * second tick that arrives before the loop reaches its next HLT (a slow emulator, a
 * short period) returns to the same place with the same count.
 * A spurious interrupt (APIC vector FFh, 8259 IRQ 7 or 15) gets no EOI on its own
 * controller (SDM Vol. 3, 10.9; 8259A datasheet); IRQ 15 needs one on the master. */
int timer_interrupt(u32 vector, u32 eip, u32 ebp) {
  if (vector == (g_use_lapic ? VEC_LAPIC_TIMER : VEC_PIC_BASE)) {
    ++nb_timer_ticks;
    if (eip == (u32)nb_hlt_wakeup && ebp != g_last_wakeup_ebp) {
      ++nb_timer_wakeups;
      g_last_wakeup_ebp = ebp;
    }
    if (g_use_lapic)
      lapic_write(LAPIC_EOI, 0);
    else
      outb(PIC1_CMD, PIC_EOI);
  } else if (vector == VEC_PIC_BASE + 15) {
    outb(PIC1_CMD, PIC_EOI);
  } else if (vector != VEC_SPURIOUS && vector != VEC_PIC_BASE + 7) {
    return 0;
  }
  return 1;
}
