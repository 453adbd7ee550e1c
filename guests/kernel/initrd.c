/* The initrd: a POSIX ustar archive (what `tar --format=ustar` writes) loaded as the
 * first Multiboot module. Regular files become read-only files by their path in the
 * archive ("./" stripped). */
#include "kernel.h"

#define MAX_FILES 64

static struct initrd_file table[MAX_FILES];
static char names[MAX_FILES][100];
static int count;

static u32 octal(const char* s, int n) {
  u32 v = 0;
  for (int i = 0; i < n && s[i] >= '0' && s[i] <= '7'; ++i) v = v * 8 + (u32)(s[i] - '0');
  return v;
}

void initrd_init(const u8* base, u32 size) {
  u32 at = 0;
  while (at + 512 <= size && count < MAX_FILES) {
    const char* h = (const char*)base + at;
    if (!h[0]) break; /* the end-of-archive blocks */
    if (memcmp(h + 257, "ustar", 5)) {
      kprintf("kernel: initrd: not a ustar archive at offset %u; ignoring the rest\n", at);
      break;
    }
    u32 file_size = octal(h + 124, 12);
    char type = h[156];
    if (file_size > size - at - 512) {
      kprintf("kernel: initrd: the archive is truncated at offset %u\n", at);
      break;
    }
    if (type == '0' || type == 0) {
      const char* name = h;
      if (!strncmp(name, "./", 2)) name += 2;
      strncpy_z(names[count], name, sizeof names[count]);
      table[count] = (struct initrd_file){names[count], base + at + 512, file_size};
      ++count;
    }
    at += 512 + ((file_size + 511) & ~511u);
  }
  kprintf("kernel: initrd: %d files\n", count);
}

const struct initrd_file* initrd_find(const char* name) {
  for (int i = 0; i < count; ++i)
    if (!strcmp(table[i].name, name)) return &table[i];
  return 0;
}
