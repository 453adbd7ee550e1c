/* System calls: argument checking and dispatch. */
#include "syscall.h"

#include "file.h"
#include "kernel.h"
#include "proc.h"
#include "vm.h"

#define MAX_ARGS 16
#define MAX_ARG_LEN 128

static struct file* fd_file(int fd) {
  return fd >= 0 && fd < NOFILE ? current->files[fd] : 0;
}

static int fd_install(struct file* f) {
  for (int fd = 0; fd < NOFILE; ++fd)
    if (!current->files[fd]) {
      current->files[fd] = f;
      return fd;
    }
  return -EMFILE;
}

static int sys_read(u32 fd, u32 buf, u32 n) {
  struct file* f = fd_file((int)fd);
  if (!f) return -EBADF;
  if (uaccess(current, buf, n, 1) < 0) return -EFAULT;
  return file_read(f, buf, n);
}

static int sys_write(u32 fd, u32 buf, u32 n) {
  struct file* f = fd_file((int)fd);
  if (!f) return -EBADF;
  if (uaccess(current, buf, n, 0) < 0) return -EFAULT;
  return file_write(f, buf, n);
}

static int sys_open(u32 upath, u32 flags) {
  char path[64];
  int r = copy_in_string(current, upath, path, sizeof path);
  if (r < 0) return r;
  struct file* f;
  if ((r = file_open(path, (int)flags, &f)) < 0) return r;
  int fd = fd_install(f);
  if (fd < 0) file_close(f);
  return fd;
}

static int sys_close(u32 fd) {
  struct file* f = fd_file((int)fd);
  if (!f) return -EBADF;
  current->files[fd] = 0;
  file_close(f);
  return 0;
}

static int sys_dup(u32 fd) {
  struct file* f = fd_file((int)fd);
  if (!f) return -EBADF;
  int nfd = fd_install(file_dup(f));
  if (nfd < 0) file_close(f);
  return nfd;
}

static int sys_pipe(u32 ufds) {
  if (uaccess(current, ufds, 8, 1) < 0) return -EFAULT;
  struct file *r, *w;
  int err = file_pipe(&r, &w);
  if (err < 0) return err;
  int rfd = fd_install(r), wfd = rfd < 0 ? -1 : fd_install(w);
  if (rfd < 0 || wfd < 0) {
    if (rfd >= 0) current->files[rfd] = 0;
    file_close(r);
    file_close(w);
    return -EMFILE;
  }
  ((int*)ufds)[0] = rfd;
  ((int*)ufds)[1] = wfd;
  return 0;
}

static int sys_exec(u32 upath, u32 uargv) {
  static char strings[MAX_ARGS][MAX_ARG_LEN]; /* one exec at a time: the kernel never sleeps in here */
  char path[64];
  char* argv[MAX_ARGS];
  int argc = 0;
  int r = copy_in_string(current, upath, path, sizeof path);
  if (r < 0) return r;
  for (;; ++argc) {
    if (uaccess(current, uargv + 4 * (u32)argc, 4, 0) < 0) return -EFAULT;
    u32 arg = ((const u32*)uargv)[argc];
    if (!arg) break;
    if (argc == MAX_ARGS) return -EINVAL;
    if ((r = copy_in_string(current, arg, strings[argc], MAX_ARG_LEN)) < 0) return r;
    argv[argc] = strings[argc];
  }
  return exec_program(current, path, argv, argc);
}

static int sys_sbrk(i32 increment) {
  struct region* heap = 0;
  for (int i = 0; i < current->nregions; ++i)
    if (current->regions[i].kind == REGION_HEAP) heap = &current->regions[i];
  if (!heap) return -ENOMEM;
  u32 old = heap->end;
  i64 target = (i64)old + increment;
  if (target < current->heap_start || target > USER_MMAP_BASE) return -ENOMEM;
  if (increment < 0) unmap_range(current, PAGE_ROUND_UP((u32)target), PAGE_ROUND_UP(old));
  heap->end = (u32)target;
  return (int)old;
}

static int sys_mmap(u32 length, u32 writable) {
  if (!length || length > (256u << 20)) return -EINVAL;
  length = PAGE_ROUND_UP(length);
  u32 at = region_find_gap(current, length);
  if (!at) return -ENOMEM;
  if (region_add(current, at, at + length, REGION_MMAP, writable != 0) < 0) return -ENOMEM;
  return (int)at;
}

static int sys_munmap(u32 addr, u32 length) {
  if (addr & (PAGE_SIZE - 1) || !length || addr >= KERNBASE || length > KERNBASE - addr) return -EINVAL;
  u32 end = PAGE_ROUND_UP(addr + length);
  struct region* r = region_find(current, addr);
  if (!r || r->kind != REGION_MMAP) return -EINVAL;
  unmap_range(current, addr, end);
  region_remove(current, addr, end);
  return 0;
}

static int sys_gettime(u32 uns) {
  if (uaccess(current, uns, 8, 1) < 0) return -EFAULT;
  *(u64*)uns = time_ns();
  return 0;
}

static int sys_sysinfo(u32 ustats) {
  if (uaccess(current, ustats, sizeof kstats, 1) < 0) return -EFAULT;
  kstats.ticks = ticks;
  kstats.pages_free = pages_free();
  memcpy((void*)ustats, &kstats, sizeof kstats);
  return 0;
}

static int sys_halt(u32 status) {
  if (current->pid != 1) return -EPERM;
  machine_exit((int)status);
}

void syscall_dispatch(struct trapframe* tf) {
  u32 a = tf->ebx, b = tf->ecx, c = tf->edx;
  int r;
  ++kstats.syscalls;
  switch (tf->eax) {
    case SYS_exit: proc_exit((int)a);
    case SYS_fork: r = proc_fork(); break;
    case SYS_read: r = sys_read(a, b, c); break;
    case SYS_write: r = sys_write(a, b, c); break;
    case SYS_open: r = sys_open(a, b); break;
    case SYS_close: r = sys_close(a); break;
    case SYS_wait: r = proc_wait(a); break;
    case SYS_exec: r = sys_exec(a, b); break;
    case SYS_getpid: r = current->pid; break;
    case SYS_sbrk: r = sys_sbrk((i32)a); break;
    case SYS_mmap: r = sys_mmap(a, b); break;
    case SYS_munmap: r = sys_munmap(a, b); break;
    case SYS_yield: yield(); r = 0; break;
    case SYS_pipe: r = sys_pipe(a); break;
    case SYS_gettime: r = sys_gettime(a); break;
    case SYS_lseek: {
      struct file* f = fd_file((int)a);
      r = f ? file_seek(f, (i32)b, (int)c) : -EBADF;
      break;
    }
    case SYS_sysinfo: r = sys_sysinfo(a); break;
    case SYS_halt: r = sys_halt(a); break;
    case SYS_dup: r = sys_dup(a); break;
    default: r = -ENOSYS; break;
  }
  tf->eax = (u32)r; /* a successful exec returns 0 into the new program's EAX */
}
