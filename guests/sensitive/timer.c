/* The interrupt source of the popf-if probe: 8254 channel 0 in mode 2 at about 10 kHz,
 * through 8259 IRQ 0. The 8259 pair is remapped to 20h-2Fh (a BIOS leaves it on 08h-0Fh,
 * over the exception vectors) and fully masked whenever the timer is off, so no interrupt
 * can reach a later probe. The local APIC is left as the loader left it: in PIC mode
 * (vmlab) or virtual-wire mode (a BIOS) the 8259's INTR reaches the CPU directly. */
#include "sensitive.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI 0x20 /* OCW2: non-specific end of interrupt */
#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define PIT_DIVISOR 119 /* 1.193182 MHz / 119: a tick every 99.7 us */

volatile u32 sens_timer_ticks;

/* ICW1-ICW4 (8259A datasheet): edge triggered, cascaded, vectors 20h-27h and 28h-2Fh,
 * slave on IRQ 2, 8086 mode; then every line masked. */
void timer_init(void) {
  outb(PIC1_CMD, 0x11), outb(PIC2_CMD, 0x11);
  outb(PIC1_DATA, VEC_PIC_BASE), outb(PIC2_DATA, VEC_PIC_BASE + 8);
  outb(PIC1_DATA, 0x04), outb(PIC2_DATA, 0x02);
  outb(PIC1_DATA, 0x01), outb(PIC2_DATA, 0x01);
  outb(PIC1_DATA, 0xFF), outb(PIC2_DATA, 0xFF);
}

/* The first tick comes one period after the divisor is written; one the masked 8259
 * latched earlier may come sooner, as soon as IF is 1. Either proves IF is 1. */
void timer_start(void) {
  sens_timer_ticks = 0;
  outb(PIT_MODE, 0x34); /* channel 0, low then high byte, mode 2 (rate generator) */
  outb(PIT_CH0, PIT_DIVISOR & 0xFF);
  outb(PIT_CH0, PIT_DIVISOR >> 8);
  outb(PIC1_DATA, 0xFE); /* IRQ 0 only */
}

/* IRQ 0 masked first, then the counter put in mode 0 with the longest count: one
 * terminal count after 55 ms, whose edge the masked 8259 only latches. */
void timer_stop(void) {
  outb(PIC1_DATA, 0xFF);
  outb(PIT_MODE, 0x30); /* channel 0, low then high byte, mode 0 (one shot) */
  outb(PIT_CH0, 0xFF);
  outb(PIT_CH0, 0xFF);
}

/* A spurious interrupt (8259 IRQ 7 or 15) gets no EOI on its own controller (8259A
 * datasheet); IRQ 15's needs one on the master, which saw a real IRQ 2. */
int timer_interrupt(u32 vector) {
  if (vector == VEC_PIC_BASE) {
    ++sens_timer_ticks;
    outb(PIC1_CMD, PIC_EOI);
  } else if (vector == VEC_PIC_BASE + 15) {
    outb(PIC1_CMD, PIC_EOI);
  } else if (vector != VEC_PIC_BASE + 7) {
    return 0;
  }
  return 1;
}
