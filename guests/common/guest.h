/* What every bundled guest shares: port I/O, COM1 output, the exit port. */
#ifndef VMLAB_GUEST_H
#define VMLAB_GUEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) {
  u8 v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

void console_init(void);
void putc_com1(char c);
void puts_com1(const char* s);
void put_hex(u32 v);
void put_dec(u32 v);
/* Ends the run through port 0xF4: status 0 -> 0x10 (process status 33), else 0x11 (35). */
void guest_exit(int status) __attribute__((noreturn));

#endif
