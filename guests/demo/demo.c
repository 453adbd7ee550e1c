/* The demo guest: proves the machine boots a Multiboot kernel, reports what the CPU
 * and the boot loader told it, computes a checksum, and exits through port 0xF4. */
#include "guest.h"

struct multiboot_info {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
};

static void cpuid(u32 leaf, u32* a, u32* b, u32* c, u32* d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf));
}

/* Sum of the first n primes, by trial division: a little real work to check. */
static u32 prime_sum(u32 n) {
  u32 sum = 0, found = 0;
  for (u32 k = 2; found < n; ++k) {
    int prime = 1;
    for (u32 d = 2; d * d <= k; ++d)
      if (k % d == 0) {
        prime = 0;
        break;
      }
    if (prime) {
      sum += k;
      ++found;
    }
  }
  return sum;
}

int guest_main(u32 magic, const struct multiboot_info* info) {
  console_init();
  puts_com1("vmlab demo guest: hello from a Multiboot kernel\n");
  if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
    puts_com1("bad boot magic\n");
    return 1;
  }
  u32 a, b, c, d;
  char vendor[13];
  cpuid(0, &a, &b, &c, &d);
  *(u32*)&vendor[0] = b;
  *(u32*)&vendor[4] = d;
  *(u32*)&vendor[8] = c;
  vendor[12] = 0;
  cpuid(1, &a, &b, &c, &d);
  puts_com1("cpu: ");
  puts_com1(vendor);
  puts_com1(" signature 0x");
  put_hex(a);
  puts_com1(" features 0x");
  put_hex(d);
  puts_com1("\nmemory: ");
  put_dec(info->mem_lower);
  puts_com1(" KiB low, ");
  put_dec(info->mem_upper);
  puts_com1(" KiB above 1 MiB\n");
  if (info->flags & (1u << 2)) {
    puts_com1("command line: ");
    puts_com1((const char*)info->cmdline);
    putc_com1('\n');
  }
  puts_com1("sum of the first 1000 primes = ");
  put_dec(prime_sum(1000));
  puts_com1("\ndemo done\n");
  return 0;
}
