/* procs [N]: N CPU-bound processes at once (default 20). Each child reads the clock, spins
 * through about 3 ms of work without any system call, reads the clock again, and sends
 * both times to the parent. The parent checks that the intervals all overlap (every
 * child was alive while every other one ran: only timer preemption can do that for
 * processes that never block) and that the kernel counted at least one preemption per
 * child. */
#include "ulib.h"

#define SPIN 500000

struct span {
  u64 start, end;
};

int main(int argc, char** argv) {
  unsigned long n = arg_count(argc, argv, 20);
  int fds[2];
  if (pipe(fds) < 0) fail("procs", "pipe failed");
  struct kernel_stats before, after;
  sysinfo(&before);
  u64 t0 = read_tsc();
  for (unsigned long i = 0; i < n; ++i) {
    int pid = fork();
    if (pid < 0) fail("procs", "fork %lu failed: error %d", i, pid);
    if (pid == 0) {
      struct span s;
      s.start = gettime();
      volatile u32 x = (u32)i;
      for (u32 k = 0; k < SPIN; ++k) x = x * 1664525u + 1013904223u;
      s.end = gettime();
      write(fds[1], &s, sizeof s);
      exit(0);
    }
  }
  close(fds[1]);
  u64 latest_start = 0, earliest_end = ~0ull;
  for (unsigned long i = 0; i < n; ++i) {
    struct span s;
    if (read(fds[0], &s, sizeof s) != sizeof s) fail("procs", "a child's report is missing");
    if (s.start > latest_start) latest_start = s.start;
    if (s.end < earliest_end) earliest_end = s.end;
  }
  for (unsigned long i = 0; i < n; ++i) {
    int status;
    if (wait(&status) < 0 || status) fail("procs", "a child failed (status %d)", status);
  }
  u64 cycles = read_tsc() - t0;
  sysinfo(&after);
  u32 preemptions = after.preemptions - before.preemptions;
  if (latest_start >= earliest_end)
    fail("procs", "the %lu processes did not all run at once (last start %llu ns, first end %llu ns)", n,
         latest_start, earliest_end);
  if (preemptions < n) fail("procs", "only %u preemptions for %lu processes", preemptions, n);
  if (after.max_procs_alive < n + 2) fail("procs", "at most %u processes were alive", after.max_procs_alive);
  printf("procs: %lu processes alive at once for %llu us, %u preemptions, %u context switches\n", n,
         (earliest_end - latest_start) / 1000, preemptions, after.context_switches - before.context_switches);
  report("procs", n, cycles);
  return 0;
}
