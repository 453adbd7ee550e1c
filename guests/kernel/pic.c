/* The 8259A pair, remapped to vectors 0x20-0x2F, every line masked until a driver
 * unmasks it. */
#include "kernel.h"
#include "platform.h"

#define PIC1 0x20
#define PIC2 0xA0

static u16 mask = 0xFFFB; /* all masked but the cascade (IRQ 2) */

static void write_mask(void) {
  pv->outb(PIC1 + 1, (u8)mask);
  pv->outb(PIC2 + 1, (u8)(mask >> 8));
}

void pic_init(void) {
  pv->outb(PIC1, 0x11); /* ICW1: edge, cascade, ICW4 follows */
  pv->outb(PIC2, 0x11);
  pv->outb(PIC1 + 1, VEC_PIC_BASE);     /* ICW2: vector base */
  pv->outb(PIC2 + 1, VEC_PIC_BASE + 8);
  pv->outb(PIC1 + 1, 0x04); /* ICW3: slave on IRQ 2 */
  pv->outb(PIC2 + 1, 0x02);
  pv->outb(PIC1 + 1, 0x01); /* ICW4: 8086 mode, normal EOI */
  pv->outb(PIC2 + 1, 0x01);
  write_mask();
}

void pic_unmask(int irq) {
  mask &= (u16) ~(1u << irq);
  write_mask();
}

void pic_mask(int irq) {
  mask |= (u16)(1u << irq);
  write_mask();
}

void pic_eoi(int irq) {
  if (irq >= 8) pv->outb(PIC2, 0x20);
  pv->outb(PIC1, 0x20);
}
