#include "ulib.h"

static int syscall3(int n, u32 a, u32 b, u32 c) {
  int r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
  return r;
}

void exit(int status) {
  syscall3(SYS_exit, (u32)status, 0, 0);
  for (;;) {
  }
}
int fork(void) { return syscall3(SYS_fork, 0, 0, 0); }
int read(int fd, void* buf, u32 n) { return syscall3(SYS_read, (u32)fd, (u32)buf, n); }
int write(int fd, const void* buf, u32 n) { return syscall3(SYS_write, (u32)fd, (u32)buf, n); }
int open(const char* path, int flags) { return syscall3(SYS_open, (u32)path, (u32)flags, 0); }
int close(int fd) { return syscall3(SYS_close, (u32)fd, 0, 0); }
int wait(int* status) { return syscall3(SYS_wait, (u32)status, 0, 0); }
int exec(const char* path, char* const argv[]) { return syscall3(SYS_exec, (u32)path, (u32)argv, 0); }
int getpid(void) { return syscall3(SYS_getpid, 0, 0, 0); }
void* sbrk(int increment) { return (void*)syscall3(SYS_sbrk, (u32)increment, 0, 0); }
void* mmap(u32 length, int writable) { return (void*)syscall3(SYS_mmap, length, (u32)writable, 0); }
int munmap(void* addr, u32 length) { return syscall3(SYS_munmap, (u32)addr, length, 0); }
int yield(void) { return syscall3(SYS_yield, 0, 0, 0); }
int pipe(int fds[2]) { return syscall3(SYS_pipe, (u32)fds, 0, 0); }
u64 gettime(void) {
  u64 ns = 0;
  syscall3(SYS_gettime, (u32)&ns, 0, 0);
  return ns;
}
int lseek(int fd, int offset, int whence) { return syscall3(SYS_lseek, (u32)fd, (u32)offset, (u32)whence); }
int sysinfo(struct kernel_stats* stats) { return syscall3(SYS_sysinfo, (u32)stats, 0, 0); }
int halt(int status) {
  syscall3(SYS_halt, (u32)status, 0, 0);
  exit(status);
}
int dup(int fd) { return syscall3(SYS_dup, (u32)fd, 0, 0); }

/* printf buffers a line at a time so each write system call carries a whole line. */
struct out {
  int fd;
  u32 n;
  char buf[256];
};

static void flush(struct out* o) {
  if (o->n) write(o->fd, o->buf, o->n);
  o->n = 0;
}

static void put_out(char c, void* ctx) {
  struct out* o = ctx;
  o->buf[o->n++] = c;
  if (c == '\n' || o->n == sizeof o->buf) flush(o);
}

static int vfprintf(int fd, const char* fmt, va_list ap) {
  struct out o = {.fd = fd};
  int n = vformat(put_out, &o, fmt, ap);
  flush(&o);
  return n;
}

int printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vfprintf(1, fmt, ap);
  va_end(ap);
  return n;
}

int fprintf(int fd, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vfprintf(fd, fmt, ap);
  va_end(ap);
  return n;
}

unsigned long arg_count(int argc, char** argv, unsigned long fallback) {
  if (argc < 2) return fallback;
  const char* end;
  unsigned long n = parse_ulong(argv[1], &end);
  if (*end || !n) {
    fprintf(2, "usage: %s [ITERATIONS]  (a positive number, default %lu)\n", argv[0], fallback);
    exit(2);
  }
  return n;
}

void report(const char* name, unsigned long iterations, u64 cycles) {
  char line[160];
  format_result(line, sizeof line, name, iterations, cycles);
  write(1, line, strlen(line));
}

void fail(const char* program, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  struct out o = {.fd = 1};
  printf("FAIL %s ", program);
  vformat(put_out, &o, fmt, ap);
  put_out('\n', &o);
  va_end(ap);
  exit(1);
}
