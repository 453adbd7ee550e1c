/* The user library: system call wrappers, printf on file descriptors, and the helpers
 * the benchmark programs share. */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include "libc.h"
#include "syscall.h"

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

void exit(int status) __attribute__((noreturn));
int fork(void);
int read(int fd, void* buf, u32 n);
int write(int fd, const void* buf, u32 n);
int open(const char* path, int flags);
int close(int fd);
int wait(int* status);
int exec(const char* path, char* const argv[]);
int getpid(void);
void* sbrk(int increment);
void* mmap(u32 length, int writable);
int munmap(void* addr, u32 length);
int yield(void);
int pipe(int fds[2]);
u64 gettime(void); /* nanoseconds since boot */
int lseek(int fd, int offset, int whence);
int sysinfo(struct kernel_stats* stats);
int halt(int status) __attribute__((noreturn));
int dup(int fd);

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

int printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

/* The iteration count from argv[1], or the default; prints usage and exits on junk. */
unsigned long arg_count(int argc, char** argv, unsigned long fallback);
/* Prints the RESULT line (guests/common/libc.h format_result) for a timed loop. */
void report(const char* name, unsigned long iterations, u64 cycles);
/* A failure: prints "FAIL <program> <why>" and exits with status 1. */
void fail(const char* program, const char* fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
