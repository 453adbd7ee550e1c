/* exec: replace a process's user address space with an ELF program from the initrd. */
#include "kernel.h"
#include "platform.h"
#include "proc.h"
#include "vm.h"

struct elf_header {
  u8 ident[16];
  u16 type, machine;
  u32 version, entry, phoff, shoff, flags;
  u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
  u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define PT_LOAD 1
#define PF_W 2

/* Maps [vaddr, vaddr + memsz) of a PT_LOAD segment in pgdir and copies its file bytes in
 * through the direct map (the new directory is not live yet). */
static int load_segment(u32* pgdir, const struct initrd_file* file, const struct elf_phdr* ph) {
  if (ph->memsz < ph->filesz || ph->vaddr < USER_TEXT || ph->vaddr + ph->memsz < ph->vaddr ||
      ph->vaddr + ph->memsz > USER_MMAP_BASE || ph->offset > file->size || ph->filesz > file->size - ph->offset)
    return -ENOEXEC;
  u32 flags = PTE_U | ((ph->flags & PF_W) ? PTE_W : 0);
  for (u32 page = PAGE_ROUND_DOWN(ph->vaddr); page < ph->vaddr + ph->memsz; page += PAGE_SIZE) {
    u32 frame = page_alloc();
    if (!frame || map_page(pgdir, page, frame, flags) < 0) {
      if (frame) page_free(frame);
      return -ENOMEM;
    }
    /* The part of the file image that falls into this page. */
    u32 from = page < ph->vaddr ? ph->vaddr : page;
    u32 to = page + PAGE_SIZE;
    if (to > ph->vaddr + ph->filesz) to = ph->vaddr + ph->filesz;
    if (from < to) memcpy((u8*)P2V(frame) + (from - page), file->data + ph->offset + (from - ph->vaddr), to - from);
  }
  return 0;
}

/* The initial stack: the argument strings at the top, then argv[], then argc and argv
 * for crt0: [esp] = argc, [esp + 4] = argv. Returns the user ESP, or 0. */
static u32 build_stack(u32* pgdir, char** argv, int argc) {
  u32 frame = page_alloc();
  u32 page = USER_STACK_TOP - PAGE_SIZE;
  if (!frame || map_page(pgdir, page, frame, PTE_U | PTE_W) < 0) {
    if (frame) page_free(frame);
    return 0;
  }
  u8* kpage = P2V(frame);
  u32 sp = USER_STACK_TOP;
  u32 uargv[17];
  for (int i = argc - 1; i >= 0; --i) {
    u32 len = strlen(argv[i]) + 1;
    sp -= len;
    memcpy(kpage + (sp - page), argv[i], len);
    uargv[i] = sp;
  }
  uargv[argc] = 0;
  sp &= ~3u;
  sp -= 4 * (u32)(argc + 1);
  memcpy(kpage + (sp - page), uargv, 4 * (u32)(argc + 1));
  u32 argv_at = sp;
  sp -= 8;
  ((u32*)(kpage + (sp - page)))[0] = (u32)argc;
  ((u32*)(kpage + (sp - page)))[1] = argv_at;
  return sp;
}

int exec_program(struct proc* p, const char* path, char** argv, int argc) {
  if (path[0] == '/') ++path;
  const struct initrd_file* file = initrd_find(path);
  if (!file) return -ENOENT;
  if (argc > 16) return -EINVAL;
  const struct elf_header* eh = (const void*)file->data;
  if (file->size < sizeof *eh || memcmp(eh->ident, "\x7F" "ELF\x01\x01", 6) || eh->machine != 3 ||
      eh->phentsize != sizeof(struct elf_phdr) || eh->phoff > file->size ||
      (u32)eh->phnum * sizeof(struct elf_phdr) > file->size - eh->phoff)
    return -ENOEXEC;
  u32 pgdir_phys;
  u32* pgdir = pgdir_create(&pgdir_phys);
  if (!pgdir) return -ENOMEM;
  u32 image_end = 0;
  int err = 0;
  const struct elf_phdr* ph = (const void*)(file->data + eh->phoff);
  for (u32 i = 0; i < eh->phnum && !err; ++i) {
    if (ph[i].type != PT_LOAD || !ph[i].memsz) continue;
    err = load_segment(pgdir, file, &ph[i]);
    if (ph[i].vaddr + ph[i].memsz > image_end) image_end = ph[i].vaddr + ph[i].memsz;
  }
  u32 sp = err ? 0 : build_stack(pgdir, argv, argc);
  if (err || !sp) {
    pgdir_free(pgdir, pgdir_phys);
    return err ? err : -ENOMEM;
  }
  /* Commit: the new image replaces the old one. */
  u32* old = p->pgdir;
  u32 old_phys = p->pgdir_phys;
  p->pgdir = pgdir;
  p->pgdir_phys = pgdir_phys;
  switch_address_space(p);
  pgdir_free(old, old_phys);
  p->nregions = 0;
  p->heap_start = PAGE_ROUND_UP(image_end);
  region_add(p, USER_TEXT, p->heap_start, REGION_IMAGE, 1);
  region_add(p, p->heap_start, p->heap_start, REGION_HEAP, 1);
  region_add(p, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_TOP, REGION_STACK, 1);
  const char* base = path;
  for (const char* s = path; *s; ++s)
    if (*s == '/') base = s + 1;
  strncpy_z(p->name, base, sizeof p->name);
  struct trapframe* tf = p->tf;
  memset(tf, 0, sizeof *tf);
  tf->cs = SEL_UCODE;
  tf->ds = tf->es = tf->fs = tf->gs = tf->ss = SEL_UDATA;
  tf->eflags = EFLAGS_IF | 0x2;
  tf->eip = eh->entry;
  tf->esp = sp;
  ++kstats.execs;
  return 0;
}
