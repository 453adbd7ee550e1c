/* disk [KIB]: write KIB KiB (default 256) to the raw disk /dev/disk0 in 32 KiB requests,
 * read them back and compare: interrupt-driven IDE PIO, one IRQ and 256 port reads or
 * writes per sector, the emulated-device path that virtio later replaces. Reports cycles
 * per 512-byte sector for each direction, and throughput in virtual time. */
#include "ulib.h"

#define CHUNK (32 * 1024)

static u8 buffer[CHUNK];

static void fill(u32 chunk) {
  for (u32 i = 0; i < CHUNK; i += 4) *(u32*)(buffer + i) = (chunk * CHUNK + i) * 2654435761u;
}

static int check(u32 chunk) {
  for (u32 i = 0; i < CHUNK; i += 4)
    if (*(u32*)(buffer + i) != (chunk * CHUNK + i) * 2654435761u) return 0;
  return 1;
}

static void throughput(const char* what, u32 bytes, u64 ns) {
  u64 kib_per_s = ns ? (u64)bytes * 1000000000ull / 1024 / ns : 0;
  printf("disk: %s %u KiB in %llu us of virtual time: %llu KiB/s\n", what, bytes / 1024, ns / 1000, kib_per_s);
}

int main(int argc, char** argv) {
  unsigned long kib = arg_count(argc, argv, 256);
  u32 chunks = (u32)((kib * 1024 + CHUNK - 1) / CHUNK), bytes = chunks * CHUNK;
  int fd = open("/dev/disk0", O_RDWR);
  if (fd < 0) fail("disk", "cannot open /dev/disk0 (error %d): attach a disk image with --disk", fd);

  u64 ns = gettime(), t0 = read_tsc();
  for (u32 c = 0; c < chunks; ++c) {
    fill(c);
    int n = write(fd, buffer, CHUNK);
    if (n != CHUNK) fail("disk", "write of chunk %u returned %d (is the disk %lu KiB or more?)", c, n, kib);
  }
  report("disk-write-sector", bytes / 512, read_tsc() - t0);
  throughput("wrote", bytes, gettime() - ns);

  if (lseek(fd, 0, SEEK_SET) != 0) fail("disk", "lseek failed");
  ns = gettime(), t0 = read_tsc();
  for (u32 c = 0; c < chunks; ++c) {
    int n = read(fd, buffer, CHUNK);
    if (n != CHUNK) fail("disk", "read of chunk %u returned %d", c, n);
    if (!check(c)) fail("disk", "chunk %u read back differs from what was written", c);
  }
  report("disk-read-sector", bytes / 512, read_tsc() - t0);
  throughput("read", bytes, gettime() - ns);
  close(fd);
  return 0;
}
