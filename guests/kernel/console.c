/* The console: output to COM1 (polled, 16550 THR-empty) and the VGA text screen; input
 * from COM1's receive interrupt into a ring that read() drains. */
#include "kernel.h"
#include "platform.h"
#include "proc.h"

#define COM1 0x3F8
#define RX_SIZE 256

static char rx[RX_SIZE];
static u32 rx_head, rx_tail; /* bytes ever received / consumed */

void console_init(void) {
  pv->outb(COM1 + 1, 0x00); /* interrupts off while programming */
  pv->outb(COM1 + 3, 0x80); /* DLAB */
  pv->outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
  pv->outb(COM1 + 1, 0x00);
  pv->outb(COM1 + 3, 0x03); /* 8N1 */
  pv->outb(COM1 + 2, 0xC7); /* FIFOs on, cleared, 14-byte trigger */
  pv->outb(COM1 + 4, 0x0B); /* DTR, RTS, OUT2 (gates the IRQ on a real PC) */
  pv->outb(COM1 + 1, 0x01); /* receive-data interrupt */
  vga_init();
}

static void com1_put(char c) {
  while (!(pv->inb(COM1 + 5) & 0x20)) {
  }
  pv->outb(COM1, (u8)c);
}

void console_write(const char* s, u32 n) {
  u32 flags = irq_save();
  for (u32 i = 0; i < n; ++i) {
    if (s[i] == '\n') com1_put('\r');
    com1_put(s[i]);
  }
  vga_write(s, n);
  irq_restore(flags);
}

void console_interrupt(void) {
  while (pv->inb(COM1 + 5) & 0x01) {
    char c = (char)pv->inb(COM1);
    if (rx_head - rx_tail < RX_SIZE) rx[rx_head++ % RX_SIZE] = c;
  }
  wakeup(rx);
}

int console_read(char* buf, u32 n) {
  u32 flags = irq_save();
  while (rx_head == rx_tail) sleep_on(rx);
  u32 got = 0;
  while (got < n && rx_tail != rx_head) buf[got++] = rx[rx_tail++ % RX_SIZE];
  irq_restore(flags);
  return (int)got;
}

static void put_console(char c, void* ctx) {
  (void)ctx;
  console_write(&c, 1);
}

void kprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vformat(put_console, 0, fmt, ap);
  va_end(ap);
}

void panic(const char* fmt, ...) {
  pv->irq_disable();
  kprintf("kernel panic: ");
  va_list ap;
  va_start(ap, fmt);
  vformat(put_console, 0, fmt, ap);
  va_end(ap);
  kprintf("\n");
  machine_exit(2);
}

void machine_exit(int status) {
  /* Port 0xF4 (QEMU's isa-debug-exit and vmlab): value v ends the run with process
   * status (v << 1) | 1. 0x10 is success (33), 0x11 a failure. */
  pv->outb(0xF4, status == 0 ? 0x10 : 0x11);
  for (;;) {
    pv->irq_disable();
    pv->halt();
  }
}
