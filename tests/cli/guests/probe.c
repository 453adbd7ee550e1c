/* The command-line tests' guest: one kernel whose behaviour is picked by its Multiboot
 * command line (`vmlab run --append "WORD ARG"`), so each test asks for exactly the
 * machine event it checks. Like a KVM selftest guest, it does one thing and stops.
 *
 *   exit N         write N (decimal or 0x hex) to port 0xF4: process status (N << 1) | 1
 *   debugcon TEXT  send TEXT and a newline to port 0xE9, then exit 0 (status 33)
 *   spin           loop forever without halting (only --max-insns ends the run)
 *   halt           CLI; HLT: nothing can ever wake the CPU
 *   triple         load an IDT with limit 0, then INT3: #GP, #DF, shutdown
 *   modules        print every Multiboot module on COM1 (see report_modules), exit 0
 *   print TEXT     print TEXT on COM1, each '|' as a line break, then a newline; exit 0
 *                  (stands in for a benchmark guest's RESULT and FAIL lines)
 *
 * Anything else prints "probe: unknown command" and exits with value 0x11 (status 35). */
#include "guest.h"

#define MULTIBOOT_INFO_CMDLINE (1u << 2)
#define MULTIBOOT_INFO_MODS (1u << 3)

struct multiboot_info {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
};

struct multiboot_module {
  u32 mod_start, mod_end, string, reserved;
};

/* If `s` starts with the word `word` (followed by a space or the end), return what
 * follows the space; else return 0. */
static const char* after_word(const char* s, const char* word) {
  while (*word)
    if (*s++ != *word++) return 0;
  if (*s == ' ') return s + 1;
  return *s == 0 ? s : 0;
}

static u32 parse_number(const char* s) {
  u32 v = 0;
  if (s[0] == '0' && s[1] == 'x') {
    for (s += 2; *s && *s != ' '; ++s) {
      u32 d = (*s >= 'a') ? (u32)(*s - 'a' + 10) : (*s >= 'A') ? (u32)(*s - 'A' + 10) : (u32)(*s - '0');
      v = v * 16 + d;
    }
    return v;
  }
  for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + (u32)(*s - '0');
  return v;
}

static void debugcon_text(const char* s) {
  while (*s) outb(0xE9, (u8)*s++);
  outb(0xE9, '\n');
}

static void spin_forever(void) {
  volatile u32 counter = 0;
  for (;;) counter = counter + 1;
}

static void halt_forever(void) {
  for (;;) __asm__ volatile("cli; hlt");
}

/* An IDT with limit 0 holds no gates, so delivering INT3 raises #GP(IDT), delivering
 * that #GP raises another, which becomes #DF, whose delivery fails again: triple fault. */
static void triple_fault(void) {
  static const struct {
    u16 limit;
    u32 base;
  } __attribute__((packed)) empty_idt = {0, 0};
  __asm__ volatile("lidt %0; int3" : : "m"(empty_idt));
  puts_com1("probe: survived a triple fault\n");
}

/* FNV-1a, 32 bits: the host test computes the same over the module file. */
static u32 fnv1a(const u8* p, u32 n) {
  u32 h = 2166136261u;
  while (n--) {
    h ^= *p++;
    h *= 16777619u;
  }
  return h;
}

/* One line per module after a count line:
 *   mods_count N
 *   module I size S fnv1a H page_aligned Y|N first XXXXXXXX string TEXT */
static void report_modules(const struct multiboot_info* info) {
  u32 count = (info->flags & MULTIBOOT_INFO_MODS) ? info->mods_count : 0;
  puts_com1("mods_count ");
  put_dec(count);
  putc_com1('\n');
  const struct multiboot_module* mods = (const struct multiboot_module*)info->mods_addr;
  for (u32 i = 0; i < count; ++i) {
    const u8* data = (const u8*)mods[i].mod_start;
    u32 size = mods[i].mod_end - mods[i].mod_start;
    puts_com1("module ");
    put_dec(i);
    puts_com1(" size ");
    put_dec(size);
    puts_com1(" fnv1a ");
    put_hex(fnv1a(data, size));
    puts_com1((mods[i].mod_start & 0xFFF) ? " page_aligned N" : " page_aligned Y");
    puts_com1(" first ");
    u32 first = 0;
    for (u32 b = 0; b < 4 && b < size; ++b) first |= (u32)data[b] << (24 - 8 * b);
    put_hex(first);
    puts_com1(" string ");
    puts_com1((const char*)mods[i].string);
    putc_com1('\n');
  }
}

/* TEXT with '|' as line breaks, then a final newline. */
static void print_lines(const char* text) {
  for (; *text; ++text) putc_com1(*text == '|' ? '\n' : *text);
  putc_com1('\n');
}

int guest_main(u32 magic, const struct multiboot_info* info) {
  console_init();
  if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !(info->flags & MULTIBOOT_INFO_CMDLINE)) {
    puts_com1("probe: not booted by a Multiboot loader with a command line\n");
    return 1;
  }
  const char* cmd = (const char*)info->cmdline;
  const char* arg;
  if ((arg = after_word(cmd, "exit"))) {
    outb(0xF4, (u8)parse_number(arg));
    halt_forever();
  }
  if ((arg = after_word(cmd, "debugcon"))) {
    debugcon_text(arg);
    return 0;
  }
  if (after_word(cmd, "spin")) spin_forever();
  if (after_word(cmd, "halt")) halt_forever();
  if (after_word(cmd, "triple")) {
    triple_fault();
    return 1;
  }
  if ((arg = after_word(cmd, "print"))) {
    print_lines(arg);
    return 0;
  }
  if (after_word(cmd, "modules")) {
    report_modules(info);
    return 0;
  }
  puts_com1("probe: unknown command '");
  puts_com1(cmd);
  puts_com1("'\n");
  return 1;
}
