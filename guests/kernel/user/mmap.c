/* mmap [N]: N times map 16 anonymous pages, touch each (a demand-zero fault apiece),
 * check it read as zero, and unmap them: the memory-management path a shadow MMU or
 * EPT makes expensive (page faults, PTE writes, TLB invalidation). */
#include "ulib.h"

#define PAGES 16

int main(int argc, char** argv) {
  unsigned long n = arg_count(argc, argv, 2000);
  u64 t0 = read_tsc();
  for (unsigned long i = 0; i < n; ++i) {
    volatile u32* p = mmap(PAGES * 4096, 1);
    if ((int)p < 0) fail("mmap", "mmap returned error %d", (int)p);
    for (u32 k = 0; k < PAGES; ++k) {
      volatile u32* word = p + k * 1024 + (i % 1024);
      if (*word) fail("mmap", "a fresh page was not zero");
      *word = (u32)i + k;
      if (*word != (u32)i + k) fail("mmap", "a write did not stick");
    }
    if (munmap((void*)p, PAGES * 4096) < 0) fail("mmap", "munmap failed");
  }
  report("mmap-touch16-munmap", n, read_tsc() - t0);
  return 0;
}
