#include "guest.h"

#define COM1 0x3F8

void console_init(void) {
  outb(COM1 + 1, 0x00); /* no interrupts */
  outb(COM1 + 3, 0x80); /* DLAB */
  outb(COM1 + 0, 0x01); /* 115200 baud */
  outb(COM1 + 1, 0x00);
  outb(COM1 + 3, 0x03); /* 8N1 */
  outb(COM1 + 2, 0xC7); /* FIFO on */
  outb(COM1 + 4, 0x03); /* DTR RTS */
}

void putc_com1(char c) {
  while (!(inb(COM1 + 5) & 0x20)) {
  }
  outb(COM1, (u8)c);
}

void puts_com1(const char* s) {
  while (*s) putc_com1(*s++);
}

void put_hex(u32 v) {
  static const char digits[] = "0123456789abcdef";
  for (int shift = 28; shift >= 0; shift -= 4) putc_com1(digits[(v >> shift) & 0xF]);
}

void put_dec(u32 v) {
  char buf[12];
  int n = 0;
  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) putc_com1(buf[--n]);
}

void guest_exit(int status) {
  outb(0xF4, status == 0 ? 0x10 : 0x11);
  for (;;) __asm__ volatile("cli; hlt");
}
