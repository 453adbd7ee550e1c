/* clock [N]: read the clock N times (gettime: the TSC scaled by the kernel's calibrated
 * frequency). Checks that time never runs backwards. */
#include "ulib.h"

int main(int argc, char** argv) {
  unsigned long n = arg_count(argc, argv, 100000);
  u64 last = gettime();
  u64 t0 = read_tsc();
  for (unsigned long i = 0; i < n; ++i) {
    u64 now = gettime();
    if (now < last) fail("clock", "time went backwards");
    last = now;
  }
  report("gettime", n, read_tsc() - t0);
  return 0;
}
