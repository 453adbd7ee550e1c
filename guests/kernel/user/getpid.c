/* getpid [N]: the cheapest system call, N times: the cost of a user->kernel->user round
 * trip through INT 0x80 and the kernel's dispatch (Adams & Agesen's "syscall"). */
#include "ulib.h"

int main(int argc, char** argv) {
  unsigned long n = arg_count(argc, argv, 100000);
  int pid = getpid();
  u64 t0 = read_tsc();
  for (unsigned long i = 0; i < n; ++i)
    if (getpid() != pid) fail("getpid", "getpid changed within one process");
  report("getpid", n, read_tsc() - t0);
  return 0;
}
