/* The freestanding C library every bundled guest shares (kernel, user programs,
 * nanobench): memory and string functions, and one formatter behind every printf. */
#ifndef VMLAB_GUEST_LIBC_H
#define VMLAB_GUEST_LIBC_H

#include <stdarg.h>
#include <stddef.h>

void* memset(void* dst, int c, size_t n);
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
char* strncpy_z(char* dst, const char* src, size_t size); /* always NUL-terminates */

/* Parses a decimal unsigned number; returns the character after it in *end (may be NULL).
 * Stops at the first non-digit; saturates at 0xFFFFFFFF. */
unsigned long parse_ulong(const char* s, const char** end);

/* The formatter: %d %i %u %x %X %c %s %% with optional '0' flag and width, the 'l' and
 * 'll' length modifiers, and %p. Each output character goes through put(c, ctx).
 * Returns the number of characters written. */
typedef void (*fmt_put_fn)(char c, void* ctx);
int vformat(fmt_put_fn put, void* ctx, const char* fmt, va_list ap);
int snformat(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

/* Splits a command line in place into at most max words separated by spaces or tabs;
 * returns the count. */
int split_words(char* line, char** words, int max);

/* The machine-readable result line every benchmark prints (docs/GUESTS.md):
 *   RESULT <name> iterations=<n> cycles=<total> cycles_per_iteration=<int>.<tenth>
 * formatted into buf (at least 160 bytes) followed by a newline. */
void format_result(char* buf, size_t size, const char* name, unsigned long iterations,
                   unsigned long long cycles);

static inline unsigned long long read_tsc(void) {
  unsigned int lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((unsigned long long)hi << 32) | lo;
}

#endif
