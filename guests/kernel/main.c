/* kmain: from the Multiboot hand-off to the first user process. */
#include "kernel.h"
#include "platform.h"
#include "proc.h"
#include "vm.h"

struct multiboot_info {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
};
struct multiboot_module {
  u32 start, end, string, reserved;
};

#define MULTIBOOT_MAGIC 0x2BADB002u
#define MAX_INIT_ARGS 16

extern char _end[]; /* linker script: end of the kernel image (virtual) */

static char cmdline[256];

void kmain(u32 magic, u32 mbi_phys) {
  platform_init();
  console_init();
  kprintf("vmlab teaching kernel (%s platform)\n", pv->name);
  if (magic != MULTIBOOT_MAGIC) panic("not started by a Multiboot loader (magic 0x%x)", magic);
  const struct multiboot_info* mbi = P2V(mbi_phys);
  if (!(mbi->flags & 0x1)) panic("the boot loader gave no memory size");
  if ((mbi->flags & 0x4) && mbi->cmdline) strncpy_z(cmdline, P2V(mbi->cmdline), sizeof cmdline);
  if (!(mbi->flags & 0x8) || mbi->mods_count == 0)
    panic("no initrd: boot with the initrd as the first Multiboot module (vmlab run --guest kernel)");
  const struct multiboot_module* mod = P2V(mbi->mods_addr);
  u32 initrd_start = mod->start, initrd_end = mod->end;
  if (initrd_end > (8u << 20)) panic("the initrd ends at 0x%x, above the 8 MiB the kernel maps at boot", initrd_end);

  u32 ram_end = (1u << 20) + mbi->mem_upper * 1024u;
  u32 free_start = V2P(_end) > initrd_end ? V2P(_end) : initrd_end;
  vm_init(free_start, ram_end);
  kprintf("kernel: %u MiB of memory, %u pages free\n", ram_end >> 20, pages_free());
  descriptors_init();
  pic_init();
  initrd_init(P2V(initrd_start), initrd_end - initrd_start);

  /* Kernel options are words the kernel knows; the rest is init's command line. */
  char* words[MAX_INIT_ARGS + 1];
  int n = split_words(cmdline, words, MAX_INIT_ARGS);
  char* init_argv[MAX_INIT_ARGS + 1];
  int init_argc = 0, allow_lapic = 1;
  init_argv[init_argc++] = "init";
  for (int i = 0; i < n; ++i) {
    if (!strcmp(words[i], "nolapic"))
      allow_lapic = 0;
    else if (init_argc < MAX_INIT_ARGS)
      init_argv[init_argc++] = words[i];
  }
  timer_init(allow_lapic);
  ide_init();
  proc_init();
  proc_spawn_init("init", init_argv, init_argc);
  pic_unmask(IRQ_COM1);
  scheduler();
}
