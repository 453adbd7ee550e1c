/* faults: what a misbehaving program may do, and what the kernel must survive. Each case
 * runs in a child; the parent checks how it ended. Bad pointers handed to system calls
 * come back as -EFAULT (14); faults in user code kill only the faulting process, with the
 * status a Unix shell shows for the signal (139 SIGSEGV, 136 SIGFPE, 132 SIGILL). */
#include "ulib.h"

#define EFAULT 14

static volatile u32 zero;

static void case_null_write(void) { *(volatile u32*)0 = 1; }
static void case_kernel_read(void) { zero = *(volatile u32*)0xC0100000u; }
static void case_text_write(void) { *(volatile u8*)0x08048000u = 0x90; }
static void case_divide(void) { zero = 10u / zero; }
static void case_privileged(void) { __asm__ volatile("cli"); }
static void case_port(void) { __asm__ volatile("inb $0x80, %%al" : : : "eax"); }
static void case_bad_opcode(void) { __asm__ volatile("ud2"); }
static volatile u32 depth_limit = 0xFFFFFFFFu; /* never reached: the stack region is 1 MiB */
static void recurse(u32 depth) {
  volatile u8 pad[4096];
  pad[0] = (u8)depth;
  if (depth < depth_limit) recurse(depth + 1);
  zero = pad[0];
}
static void case_runaway_stack(void) { recurse(0); }

static const struct {
  const char* name;
  void (*run)(void);
  int status;
} cases[] = {
    {"null write", case_null_write, 139},       {"kernel read", case_kernel_read, 139},
    {"write to text", case_text_write, 139},    {"divide by zero", case_divide, 136},
    {"cli in ring 3", case_privileged, 139},    {"port I/O in ring 3", case_port, 139},
    {"invalid opcode", case_bad_opcode, 132},   {"stack overflow", case_runaway_stack, 139},
};

int main(void) {
  int failures = 0;
  for (u32 i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    int pid = fork();
    if (pid == 0) {
      cases[i].run();
      exit(0);
    }
    int status = -1;
    wait(&status);
    int ok = status == cases[i].status;
    printf("faults: %s: status %d %s\n", cases[i].name, status, ok ? "(as expected)" : "(WRONG)");
    failures += !ok;
  }
  /* System calls given pointers they may not use. */
  struct {
    const char* name;
    int result;
  } calls[] = {
      {"write from a kernel address", write(1, (void*)0xC0100000u, 16)},
      {"read into the text segment", read(0, (void*)0x08048000u, 1)},
      {"pipe into an unmapped page", pipe((int*)0x30000000u)},
      {"open with a kernel path pointer", open((const char*)0xC0000000u, O_RDONLY)},
      {"exec with a wild argv", exec("getpid", (char* const*)0xDEAD0000u)},
      {"munmap of the stack", munmap((void*)0xBFFFF000u, 4096)},
  };
  for (u32 i = 0; i < sizeof calls / sizeof calls[0]; ++i) {
    int ok = calls[i].result == -EFAULT || (i == 5 && calls[i].result == -22);
    printf("faults: %s: %d %s\n", calls[i].name, calls[i].result, ok ? "(as expected)" : "(WRONG)");
    failures += !ok;
  }
  if (failures) fail("faults", "%d cases ended differently than they should", failures);
  printf("faults: every case ended as it should\n");
  return 0;
}
