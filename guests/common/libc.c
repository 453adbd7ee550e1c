#include "libc.h"

/* memset and memcpy move whole dwords with REP STOSD/MOVSD, as real kernels do for
 * page clearing and copying, and the odd bytes with the byte forms. */
void* memset(void* dst, int c, size_t n) {
  unsigned int pattern = (unsigned char)c * 0x01010101u;
  void* d = dst;
  size_t dwords = n / 4, bytes = n % 4;
  __asm__ volatile("cld; rep stosl" : "+D"(d), "+c"(dwords) : "a"(pattern) : "memory");
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(pattern) : "memory");
  return dst;
}

void* memcpy(void* dst, const void* src, size_t n) {
  void* d = dst;
  const void* s = src;
  size_t dwords = n / 4, bytes = n % 4;
  __asm__ volatile("cld; rep movsl" : "+D"(d), "+S"(s), "+c"(dwords) : : "memory");
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  unsigned char* d = dst;
  const unsigned char* s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char* x = a;
  const unsigned char* y = b;
  for (; n; --n, ++x, ++y)
    if (*x != *y) return *x - *y;
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char* a, const char* b, size_t n) {
  for (; n; --n, ++a, ++b) {
    if (*a != *b) return (unsigned char)*a - (unsigned char)*b;
    if (!*a) return 0;
  }
  return 0;
}

char* strncpy_z(char* dst, const char* src, size_t size) {
  size_t i = 0;
  if (!size) return dst;
  for (; i + 1 < size && src[i]; ++i) dst[i] = src[i];
  dst[i] = 0;
  return dst;
}

unsigned long parse_ulong(const char* s, const char** end) {
  unsigned long v = 0;
  while (*s >= '0' && *s <= '9') {
    unsigned long digit = (unsigned long)(*s++ - '0');
    v = v > (0xFFFFFFFFul - digit) / 10 ? 0xFFFFFFFFul : v * 10 + digit;
  }
  if (end) *end = s;
  return v;
}

/* Digits of v in base, least significant first; returns how many. */
static int digits_of(unsigned long long v, unsigned base, int upper, char* out) {
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  int n = 0;
  do {
    out[n++] = set[v % base];
    v /= base;
  } while (v);
  return n;
}

int vformat(fmt_put_fn put, void* ctx, const char* fmt, va_list ap) {
  int count = 0;
#define EMIT(ch) (put((ch), ctx), ++count)
  for (; *fmt; ++fmt) {
    if (*fmt != '%') {
      EMIT(*fmt);
      continue;
    }
    ++fmt;
    char pad = ' ';
    if (*fmt == '0') pad = '0', ++fmt;
    int width = 0;
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    int longs = 0;
    while (*fmt == 'l') ++longs, ++fmt;
    char digits[24];
    int n = 0, negative = 0;
    switch (*fmt) {
      case 'd':
      case 'i': {
        long long v = longs >= 2 ? va_arg(ap, long long) : longs ? va_arg(ap, long) : va_arg(ap, int);
        unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
        negative = v < 0;
        n = digits_of(mag, 10, 0, digits);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        unsigned long long v = longs >= 2 ? va_arg(ap, unsigned long long)
                               : longs    ? va_arg(ap, unsigned long)
                                          : va_arg(ap, unsigned int);
        n = digits_of(v, *fmt == 'u' ? 10 : 16, *fmt == 'X', digits);
        break;
      }
      case 'p':
        n = digits_of((unsigned long)va_arg(ap, void*), 16, 0, digits);
        EMIT('0'), EMIT('x');
        break;
      case 'c':
        EMIT((char)va_arg(ap, int));
        continue;
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (!s) s = "(null)";
        int len = (int)strlen(s);
        for (int i = len; i < width; ++i) EMIT(' ');
        while (*s) EMIT(*s++);
        continue;
      }
      case '%':
        EMIT('%');
        continue;
      default: /* unknown conversion: print it as written */
        EMIT('%');
        if (!*fmt) return count;
        EMIT(*fmt);
        continue;
    }
    int len = n + negative;
    if (pad == '0' && negative) EMIT('-');
    for (int i = len; i < width; ++i) EMIT(pad);
    if (pad == ' ' && negative) EMIT('-');
    while (n) EMIT(digits[--n]);
  }
#undef EMIT
  return count;
}

struct buffer {
  char* at;
  size_t left;
};

static void put_buffer(char c, void* ctx) {
  struct buffer* b = ctx;
  if (b->left > 1) {
    *b->at++ = c;
    --b->left;
  }
}

int snformat(char* buf, size_t size, const char* fmt, ...) {
  struct buffer b = {buf, size};
  va_list ap;
  va_start(ap, fmt);
  int n = vformat(put_buffer, &b, fmt, ap);
  va_end(ap);
  if (size) *b.at = 0;
  return n;
}

int split_words(char* line, char** words, int max) {
  int n = 0;
  while (*line && n < max) {
    while (*line == ' ' || *line == '\t') *line++ = 0;
    if (!*line) break;
    words[n++] = line;
    while (*line && *line != ' ' && *line != '\t') ++line;
  }
  return n;
}

void format_result(char* buf, size_t size, const char* name, unsigned long iterations,
                   unsigned long long cycles) {
  unsigned long long per10 = iterations ? cycles * 10 / iterations : 0;
  snformat(buf, size, "RESULT %s iterations=%lu cycles=%llu cycles_per_iteration=%llu.%llu\n", name,
           iterations, cycles, per10 / 10, per10 % 10);
}
