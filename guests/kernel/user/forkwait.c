/* forkwait [N]: fork a child that exits at once, and wait for it, N times: Adams &
 * Agesen's forkwait macrobenchmark (40,000 iterations there), the worst case for a shadow
 * MMU: every fork builds and tears down a whole address space. */
#include "ulib.h"

int main(int argc, char** argv) {
  unsigned long n = arg_count(argc, argv, 2000);
  u64 t0 = read_tsc();
  for (unsigned long i = 0; i < n; ++i) {
    int pid = fork();
    if (pid < 0) fail("forkwait", "fork %lu failed: error %d", i, pid);
    if (pid == 0) exit((int)(i & 0x7F));
    int status;
    if (wait(&status) != pid) fail("forkwait", "wait did not return the child");
    if (status != (int)(i & 0x7F)) fail("forkwait", "child %lu exited %d", i, status);
  }
  report("forkwait", n, read_tsc() - t0);
  return 0;
}
