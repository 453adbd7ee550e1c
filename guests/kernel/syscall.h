/* System call numbers: INT 0x80 with the number in EAX and arguments in EBX, ECX, EDX,
 * ESI, EDI; the result (or a negated errno) comes back in EAX. Shared by the kernel and
 * the user library. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#define SYS_exit 1
#define SYS_fork 2
#define SYS_read 3
#define SYS_write 4
#define SYS_open 5
#define SYS_close 6
#define SYS_wait 7
#define SYS_exec 8      /* exec(path, argv): argv is a NULL-terminated array */
#define SYS_getpid 9
#define SYS_sbrk 10
#define SYS_mmap 11     /* mmap(length, writable): anonymous, demand-zero; returns the address */
#define SYS_munmap 12
#define SYS_yield 13
#define SYS_pipe 14     /* pipe(int fds[2]) */
#define SYS_gettime 15  /* gettime(u64* ns): nanoseconds since boot */
#define SYS_lseek 16
#define SYS_sysinfo 17  /* sysinfo(struct kernel_stats*) */
#define SYS_halt 18     /* halt(status): power off through the exit port (init only) */
#define SYS_dup 19
#define NSYSCALLS 20

/* What sysinfo reports (the kernel also prints it when it halts). */
struct kernel_stats {
  unsigned ticks, context_switches, preemptions, forks, execs, exits;
  unsigned demand_zero_faults, pages_free, procs_alive, max_procs_alive, idle_halts;
  unsigned syscalls;
};

#endif
