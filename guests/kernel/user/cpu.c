/* cpu [ROUNDS]: the CPU-bound control. Each round sieves the primes below 100000 and
 * checks there are 9592 of them. No system calls, no faults, no I/O inside the timed
 * loop: under any virtualization mode it should cost what it costs natively (the
 * per-instruction cost of the execution engine aside), which is what makes it the
 * control for the other rows. */
#include "ulib.h"

#define LIMIT 100000
#define PRIMES_BELOW_LIMIT 9592 /* pi(10^5) */

static u8 composite[LIMIT];

static u32 sieve(void) {
  memset(composite, 0, sizeof composite);
  u32 count = 0;
  for (u32 i = 2; i < LIMIT; ++i) {
    if (composite[i]) continue;
    ++count;
    for (u32 j = i * i; i < 65536 && j < LIMIT; j += i) composite[j] = 1;
  }
  return count;
}

int main(int argc, char** argv) {
  unsigned long rounds = arg_count(argc, argv, 20);
  u64 t0 = read_tsc();
  for (unsigned long r = 0; r < rounds; ++r) {
    u32 count = sieve();
    if (count != PRIMES_BELOW_LIMIT) fail("cpu", "round %lu found %u primes below %u", r, count, LIMIT);
  }
  report("cpu-sieve", rounds, read_tsc() - t0);
  return 0;
}
