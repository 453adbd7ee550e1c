/* device_probe: one Multiboot guest, one device family per run, chosen by the command
 * line. Each check drives the device as a small OS driver would, with interrupts where
 * the hardware has them, reports on COM1 and exits through port 0xF4.
 *
 *   pic-timer    8254 channel 0 at 100 Hz -> 8259 IRQ 0 -> vector 20h, 5 ticks
 *   ioapic-timer 8254 channel 0 -> I/O APIC pin 2 -> local APIC -> vector 30h, 5 ticks
 *   lapic-timer  local APIC timer, periodic, vector 31h, 5 ticks
 *   uart-echo    COM1 receive interrupts (IRQ 4 through the 8259): echo a line in capitals
 *   ide          IDENTIFY, write a sector, read it back, completions on IRQ 14
 *   cmos         RTC date and time, waiting for the end of an update cycle
 */
#include "guest.h"

static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline u16 inw(u16 port) {
  u16 v;
  __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline u64 rdtsc(void) {
  u64 v;
  __asm__ volatile("rdtsc" : "=A"(v));
  return v;
}

struct multiboot_info {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline;
};

extern char isr_stubs[];
static volatile u32 g_count[256];
static u8 g_eoi_mode;  // 0: 8259, 1: local APIC
static volatile u8 g_line_done;
static volatile u32* const lapic = (volatile u32*)0xFEE00000;
static volatile u32* const ioapic = (volatile u32*)0xFEC00000;

static struct {
  u16 limit;
  u32 base;
} __attribute__((packed)) idtr;
static u32 idt[256 * 2];

static void set_gate(u8 vector, u32 handler) {
  u16 cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  idt[vector * 2] = (handler & 0xFFFF) | ((u32)cs << 16);
  idt[vector * 2 + 1] = (handler & 0xFFFF0000) | 0x8E00;  // present, DPL 0, 32-bit interrupt gate
}

// Multiboot leaves GDTR undefined: the kernel brings its own flat code (08h) and data
// (10h) segments before it takes an interrupt.
static const u32 gdt[] = {0, 0, 0x0000FFFF, 0x00CF9A00, 0x0000FFFF, 0x00CF9200};
static struct {
  u16 limit;
  u32 base;
} __attribute__((packed)) gdtr = {sizeof gdt - 1, (u32)gdt};

static void gdt_init(void) {
  __asm__ volatile(
      "lgdt %0\n"
      "ljmp $0x08, $1f\n"
      "1: mov $0x10, %%ax\n"
      "mov %%ax, %%ds\n mov %%ax, %%es\n mov %%ax, %%ss\n mov %%ax, %%fs\n mov %%ax, %%gs\n"
      :
      : "m"(gdtr)
      : "eax", "memory");
}

static void idt_init(void) {
  gdt_init();
  for (unsigned k = 0; k < 32; ++k) set_gate((u8)(0x20 + k), (u32)(isr_stubs + 16 * k));
  idtr.limit = sizeof idt - 1;
  idtr.base = (u32)idt;
  __asm__ volatile("lidt %0" : : "m"(idtr));
}

void isr_dispatch(u32 vector) {
  ++g_count[vector];
  if (vector == 0x24) {  // COM1: echo received bytes in capitals
    while (inb(0x3FD) & 1) {
      char c = (char)inb(0x3F8);
      if (c >= 'a' && c <= 'z') c = (char)(c - 32);
      if (c == '\n') g_line_done = 1;
      else putc_com1(c);
    }
  }
  if (vector == 0x2E) inb(0x1F7);  // IDE: reading status acknowledges the interrupt
  if (g_eoi_mode) lapic[0xB0 / 4] = 0;
  else {
    if (vector >= 0x28) outb(0xA0, 0x20);
    outb(0x20, 0x20);
  }
}

static void pic_init(u8 master_mask, u8 slave_mask) {
  outb(0x20, 0x11), outb(0xA0, 0x11);
  outb(0x21, 0x20), outb(0xA1, 0x28);
  outb(0x21, 0x04), outb(0xA1, 0x02);
  outb(0x21, 0x01), outb(0xA1, 0x01);
  outb(0x21, master_mask), outb(0xA1, slave_mask);
}

static void pit_100hz(void) {
  outb(0x43, 0x34);  // channel 0, LSB then MSB, mode 2
  outb(0x40, 11932 & 0xFF);
  outb(0x40, 11932 >> 8);
}

// With interrupts off (the caller checked its condition with them off): let them in and
// sleep until one has been handled. STI's one-instruction shadow makes `sti; hlt` atomic,
// so an interrupt that became pending after the check still wakes the HLT; checking the
// condition with interrupts on and then halting would lose that wakeup.
static void wait_for_interrupt(void) { __asm__ volatile("sti; hlt; cli" : : : "memory"); }

// Wait until `vector` has fired `n` times; report ticks and the
// virtual time it took (RDTSC counts virtual cycles: 1 ns each).
static void wait_ticks(const char* name, u8 vector, u32 n) {
  u64 start = rdtsc();
  while (g_count[vector] < n) wait_for_interrupt();
  u32 ms = (u32)(rdtsc() - start) / 1000000;  // a few ticks: well within 32 bits
  puts_com1(name);
  puts_com1(" ticks=");
  put_dec(g_count[vector]);
  puts_com1(" ms=");
  put_dec(ms);
  putc_com1('\n');
}

static void lapic_enable(void) {
  lapic[0xF0 / 4] = 0x100 | 0xFF;  // SVR: software enable, spurious vector FFh
  lapic[0x80 / 4] = 0;             // TPR: accept everything
  g_eoi_mode = 1;
}

static void ioapic_route(u32 pin, u8 vector) {
  ioapic[0] = 0x10 + 2 * pin;
  ioapic[4] = vector;  // fixed, physical, edge, active high, unmasked
  ioapic[0] = 0x11 + 2 * pin;
  ioapic[4] = 0;       // destination APIC 0
}

static void ide_wait(void) {
  while (inb(0x1F7) & 0x80) {
  }
}

static void ide_command(u8 command, u32 lba) {
  ide_wait();
  outb(0x1F6, (u8)(0xE0 | ((lba >> 24) & 0x0F)));
  outb(0x1F2, 1), outb(0x1F3, (u8)lba), outb(0x1F4, (u8)(lba >> 8)), outb(0x1F5, (u8)(lba >> 16));
  outb(0x1F7, command);
}

// Sleep until IRQ 14 has fired `n` times in all.
static void wait_irq14(u32 n) {
  while (g_count[0x2E] < n) wait_for_interrupt();
}

static int check_ide(void) {
  static u16 buf[256];
  pic_init(0xFB, 0xBF);   // cascade and IRQ 14
  outb(0x3F6, 0);         // nIEN = 0
  ide_command(0xEC, 0);   // IDENTIFY: the data is ready when IRQ 14 comes
  wait_irq14(1);
  for (int k = 0; k < 256; ++k) buf[k] = inw(0x1F0);
  char model[41];
  for (int k = 0; k < 20; ++k) model[2 * k] = (char)(buf[27 + k] >> 8), model[2 * k + 1] = (char)buf[27 + k];
  int end = 40;
  while (end > 0 && model[end - 1] == ' ') --end;
  model[end] = 0;
  puts_com1("ide model=");
  puts_com1(model);
  puts_com1(" sectors=");
  put_dec(buf[60] | ((u32)buf[61] << 16));
  ide_command(0x30, 5);   // WRITE SECTORS: data out, then IRQ 14 when written
  ide_wait();
  for (int k = 0; k < 256; ++k) outw(0x1F0, (u16)(0xA500 + k));
  wait_irq14(2);
  ide_command(0x20, 5);   // READ SECTORS
  wait_irq14(3);
  int same = 1;
  for (int k = 0; k < 256; ++k) same &= inw(0x1F0) == (u16)(0xA500 + k);
  puts_com1(same ? " readback=ok irqs=" : " readback=BAD irqs=");
  put_dec(g_count[0x2E]);
  putc_com1('\n');
  return same ? 0 : 1;
}

static u8 cmos(u8 index) {
  outb(0x70, index);
  return inb(0x71);
}

static void put_bcd(u8 v) {
  putc_com1((char)('0' + (v >> 4)));
  putc_com1((char)('0' + (v & 15)));
}

static int check_cmos(void) {
  while (cmos(0x0A) & 0x80) {
  }
  puts_com1("cmos ");
  put_bcd(cmos(0x32)), put_bcd(cmos(0x09)), putc_com1('-'), put_bcd(cmos(0x08)), putc_com1('-');
  put_bcd(cmos(0x07)), putc_com1(' '), put_bcd(cmos(0x04)), putc_com1(':'), put_bcd(cmos(0x02));
  putc_com1(':'), put_bcd(cmos(0x00));
  puts_com1(" regB=");
  put_hex(cmos(0x0B));
  putc_com1('\n');
  return 0;
}

static int starts_with(const char* s, const char* prefix) {
  while (*prefix)
    if (*s++ != *prefix++) return 0;
  return 1;
}

int guest_main(u32 magic, const struct multiboot_info* info) {
  console_init();
  if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !(info->flags & 4)) return 1;
  const char* cmd = (const char*)info->cmdline;
  idt_init();
  if (starts_with(cmd, "pic-timer")) {
    pic_init(0xFE, 0xFF);
    pit_100hz();
    wait_ticks("pic", 0x20, 5);
  } else if (starts_with(cmd, "ioapic-timer")) {
    pic_init(0xFF, 0xFF);  // 8259 fully masked: the I/O APIC carries IRQ 0
    lapic_enable();
    ioapic_route(2, 0x30);
    pit_100hz();
    wait_ticks("ioapic", 0x30, 5);
  } else if (starts_with(cmd, "lapic-timer")) {
    pic_init(0xFF, 0xFF);
    lapic_enable();
    lapic[0x3E0 / 4] = 0xB;            // divide by 1
    lapic[0x320 / 4] = 0x20000 | 0x31; // periodic, vector 31h
    lapic[0x380 / 4] = 1000000;        // 1,000,000 bus ticks: 10 ms at 100 MHz
    wait_ticks("lapic", 0x31, 5);
  } else if (starts_with(cmd, "uart-echo")) {
    pic_init(0xEF, 0xFF);              // IRQ 4
    outb(0x3F9, 0x01);                 // IER: received data available
    outb(0x3FC, 0x0B);                 // MCR: DTR, RTS, OUT2
    puts_com1("echo: ");
    while (!g_line_done) wait_for_interrupt();
    puts_com1(" irqs=");
    put_dec(g_count[0x24]);
    putc_com1('\n');
  } else if (starts_with(cmd, "ide")) {
    return check_ide();
  } else if (starts_with(cmd, "cmos")) {
    return check_cmos();
  } else {
    puts_com1("unknown command\n");
    return 1;
  }
  return 0;
}
