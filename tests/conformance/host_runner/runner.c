/* The host oracle: runs conformance cases on the real CPU of the machine running the tests.
 *
 * A freestanding static 32-bit Linux program (no libc, raw "int $0x80" system calls).
 * It maps the data, stack and code pages at the fixed addresses of case_format.h, then
 * for every input record on stdin: copies the memory images and the case's bytes in,
 * appends "jmp *(g_return_target)" after the bytes, runs the case through run_test
 * (switch.S) and writes an output record to stdout.
 *
 * A case that faults (a generator bug: cases are built never to fault) is reported
 * through the status field instead of killing the batch: the fault handlers run on an
 * alternate stack, since the case's ESP can point anywhere, and leave through
 * abandon_test. SA_NODEFER keeps the signal unblocked after that non-local exit.
 */
#include "tests/conformance/oracle/case_format.h"

typedef uint32_t u32;
typedef uint8_t u8;

/* Linux i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
#define SYS_EXIT 1
#define SYS_READ 3
#define SYS_WRITE 4
#define SYS_OLD_MMAP 90 /* takes a pointer to its six arguments */
#define SYS_RT_SIGACTION 174
#define SYS_SIGALTSTACK 186

#define PROT_RW 3
#define PROT_RWX 7
#define MAP_PRIVATE_ANON_FIXED_NOREPLACE (0x02 | 0x20 | 0x100000)
#define SA_ONSTACK 0x08000000u
#define SA_NODEFER 0x40000000u

/* Shared with switch.S. */
void run_test(void);
void test_return(void);
void abandon_test(void);
u32 g_host_esp;
u32 g_in_regs[8];
u32 g_in_eflags;
u32 g_out_regs[8];
u32 g_out_eflags;
u32 g_code_entry = VMLAB_ORACLE_CODE_BASE;
u32 g_return_target;

static volatile u32 g_fault_signal;
static struct vmlab_oracle_input g_in;
static struct vmlab_oracle_output g_out;
static u8 g_alt_stack[65536];

static long syscall3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
  return ret;
}

static long syscall4(long nr, long a, long b, long c, long d) {
  long ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
                   : "memory");
  return ret;
}

/* GCC may emit calls to these even in freestanding code (struct copies). */
void* memcpy(void* dst, const void* src, unsigned long n) {
  u8* d = dst;
  const u8* s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void* memset(void* dst, int value, unsigned long n) {
  u8* d = dst;
  while (n--) *d++ = (u8)value;
  return dst;
}

static unsigned long string_length(const char* s) {
  unsigned long n = 0;
  while (s[n]) n++;
  return n;
}

__attribute__((noreturn)) static void die(const char* message) {
  syscall3(SYS_WRITE, 2, (long)message, (long)string_length(message));
  syscall3(SYS_EXIT, 3, 0, 0);
  __builtin_unreachable();
}

/* Map [base, base+size) anonymous and fixed; refuse to replace anything already there. */
static void map_fixed(u32 base, u32 size, u32 prot) {
  u32 args[6] = {base, size, prot, MAP_PRIVATE_ANON_FIXED_NOREPLACE, (u32)-1, 0};
  long ret = syscall3(SYS_OLD_MMAP, (long)args, 0, 0);
  if ((u32)ret != base)
    die("vmlab_host_runner: cannot map the case pages below 64 KiB; "
        "set vm.mmap_min_addr to 4096 or less (sysctl -w vm.mmap_min_addr=4096)\n");
}

static void on_fault(int signal) {
  g_fault_signal = (u32)signal;
  abandon_test();
}

struct kernel_sigaction {
  void (*handler)(int);
  u32 flags;
  void (*restorer)(void);
  u32 mask[2];
};

/* Catch the signals a faulting instruction raises, on a stack the case cannot clobber. */
static void install_fault_handlers(void) {
  static const int signals[] = {4 /*ILL*/, 5 /*TRAP*/, 7 /*BUS*/, 8 /*FPE*/, 11 /*SEGV*/};
  u32 alt[3] = {(u32)g_alt_stack, 0, sizeof g_alt_stack};
  if (syscall3(SYS_SIGALTSTACK, (long)alt, 0, 0) != 0) die("vmlab_host_runner: sigaltstack failed\n");
  for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
    struct kernel_sigaction action = {on_fault, SA_ONSTACK | SA_NODEFER, 0, {0, 0}};
    if (syscall4(SYS_RT_SIGACTION, signals[i], (long)&action, 0, 8) != 0)
      die("vmlab_host_runner: rt_sigaction failed\n");
  }
}

/* Read exactly n bytes. Returns 0 at a clean end of input; a torn record is fatal. */
static int read_exact(void* buffer, u32 n) {
  u32 done = 0;
  while (done < n) {
    long got = syscall3(SYS_READ, 0, (long)((u8*)buffer + done), (long)(n - done));
    if (got == 0 && done == 0) return 0;
    if (got <= 0) die("vmlab_host_runner: truncated input record\n");
    done += (u32)got;
  }
  return 1;
}

static void write_exact(const void* buffer, u32 n) {
  u32 done = 0;
  while (done < n) {
    long put = syscall3(SYS_WRITE, 1, (long)((const u8*)buffer + done), (long)(n - done));
    if (put <= 0) die("vmlab_host_runner: write to stdout failed\n");
    done += (u32)put;
  }
}

/* Lay out the code page: the case's bytes, then jmp *(g_return_target) (FF 25 abs32). */
static void place_code(u32 code_len) {
  u8* code = (u8*)VMLAB_ORACLE_CODE_BASE;
  u32 target = (u32)&g_return_target;
  memset(code, VMLAB_ORACLE_CODE_FILL, VMLAB_ORACLE_CODE_MAX + 8);
  memcpy(code, g_in.code, code_len);
  code[code_len] = 0xFF;
  code[code_len + 1] = 0x25;
  memcpy(code + code_len + 2, &target, 4);
}

/* Run the case in g_in and fill g_out. */
static void run_one(void) {
  if (g_in.magic != VMLAB_ORACLE_INPUT_MAGIC || g_in.code_len > VMLAB_ORACLE_CODE_MAX)
    die("vmlab_host_runner: malformed input record\n");
  memcpy((void*)VMLAB_ORACLE_DATA_BASE, g_in.data, VMLAB_ORACLE_DATA_SIZE);
  memcpy((void*)VMLAB_ORACLE_STACK_BASE, g_in.stack, VMLAB_ORACLE_STACK_SIZE);
  place_code(g_in.code_len);
  memcpy(g_in_regs, g_in.regs, sizeof g_in_regs);
  /* IF is always 1 in user mode; bit 1 reads as 1. TF and AC stay clear. */
  g_in_eflags = (g_in.eflags & VMLAB_ORACLE_EFLAGS_INPUT_MASK) | 0x202u;
  g_fault_signal = 0;
  memset(g_out_regs, 0, sizeof g_out_regs);
  g_out_eflags = 0;

  run_test();

  g_out.magic = VMLAB_ORACLE_OUTPUT_MAGIC;
  g_out.status = g_fault_signal;
  memcpy(g_out.regs, g_out_regs, sizeof g_out.regs);
  g_out.eflags = g_out_eflags;
  memcpy(g_out.data, (void*)VMLAB_ORACLE_DATA_BASE, VMLAB_ORACLE_DATA_SIZE);
  memcpy(g_out.stack, (void*)VMLAB_ORACLE_STACK_BASE, VMLAB_ORACLE_STACK_SIZE);
}

__attribute__((noreturn, used)) void runner_main(void) {
  map_fixed(VMLAB_ORACLE_DATA_BASE, VMLAB_ORACLE_DATA_SIZE, PROT_RW);
  map_fixed(VMLAB_ORACLE_STACK_BASE, VMLAB_ORACLE_STACK_SIZE, PROT_RW);
  map_fixed(VMLAB_ORACLE_CODE_BASE, VMLAB_ORACLE_CODE_SIZE, PROT_RWX);
  memset((void*)VMLAB_ORACLE_CODE_BASE, VMLAB_ORACLE_CODE_FILL, VMLAB_ORACLE_CODE_SIZE);
  g_return_target = (u32)&test_return;
  install_fault_handlers();
  while (read_exact(&g_in, sizeof g_in)) {
    run_one();
    write_exact(&g_out, sizeof g_out);
  }
  syscall3(SYS_EXIT, 0, 0, 0);
  __builtin_unreachable();
}
