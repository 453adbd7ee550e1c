/* pingpong [N]: two processes bounce a byte over two pipes N times. Each round trip is
 * two blocking reads and two context switches, each with an address-space (CR3) switch:
 * what a shadow MMU pays for dearly. */
#include "ulib.h"

int main(int argc, char** argv) {
  unsigned long n = arg_count(argc, argv, 20000);
  int ping[2], pong[2];
  if (pipe(ping) < 0 || pipe(pong) < 0) fail("pingpong", "pipe failed");
  int pid = fork();
  if (pid < 0) fail("pingpong", "fork failed");
  if (pid == 0) {
    u8 b;
    for (unsigned long i = 0; i < n; ++i) {
      if (read(ping[0], &b, 1) != 1) exit(3);
      ++b;
      if (write(pong[1], &b, 1) != 1) exit(4);
    }
    exit(0);
  }
  u64 t0 = read_tsc();
  for (unsigned long i = 0; i < n; ++i) {
    u8 b = (u8)i, back;
    if (write(ping[1], &b, 1) != 1 || read(pong[0], &back, 1) != 1) fail("pingpong", "pipe I/O failed");
    if (back != (u8)(b + 1)) fail("pingpong", "the partner answered %u to %u", back, b);
  }
  u64 cycles = read_tsc() - t0;
  int status;
  if (wait(&status) != pid || status) fail("pingpong", "the partner exited with status %d", status);
  report("pingpong", n, cycles);
  return 0;
}
