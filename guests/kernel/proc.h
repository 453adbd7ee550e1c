/* Processes: the trap frame, the process table, scheduling and sleeping. */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include "types.h"

/* What trap.S saves on the kernel stack: PUSHAL, the data segments, the vector and error
 * code, and what the CPU pushed (esp and ss only on a change of privilege level). */
struct trapframe {
  u32 edi, esi, ebp, esp_pushal, ebx, edx, ecx, eax;
  u32 gs, fs, es, ds;
  u32 trapno, err;
  u32 eip, cs, eflags;
  u32 esp, ss;
};

static inline int from_user(const struct trapframe* tf) { return (tf->cs & 3) == 3; }

enum proc_state { P_UNUSED, P_EMBRYO, P_RUNNABLE, P_RUNNING, P_SLEEPING, P_ZOMBIE };

enum region_kind { REGION_IMAGE, REGION_HEAP, REGION_STACK, REGION_MMAP };

/* A range of user addresses a process may touch; pages inside it that are not mapped
 * yet are demand-zero. */
struct region {
  u32 start, end;
  u8 kind, writable;
};

#define NPROC 64
#define NREGION 16
#define NOFILE 16
#define KSTACK_SIZE 8192

struct file;

struct proc {
  int pid;
  enum proc_state state;
  struct proc* parent;
  u32* pgdir;        /* kernel virtual address of the page directory */
  u32 pgdir_phys;
  u8* kstack;
  u32 context_esp;   /* saved by context_switch while not running */
  struct trapframe* tf;
  const void* chan;  /* what it sleeps on */
  int exit_status;
  struct region regions[NREGION];
  int nregions;
  u32 heap_start;    /* sbrk's break lives in the REGION_HEAP region's end */
  struct file* files[NOFILE];
  char name[16];
};

extern struct proc* current;

#include "syscall.h"
extern struct kernel_stats kstats;
extern volatile int need_resched;

void proc_init(void);
void scheduler(void) __attribute__((noreturn));
void yield(void);
void sleep_on(const void* chan); /* interrupts must be off; they are off again on return */
void wakeup(const void* chan);
int proc_fork(void);
void proc_exit(int status) __attribute__((noreturn));
int proc_wait(u32 status_uaddr);
struct proc* proc_spawn_init(const char* path, char** argv, int argc);

/* exec.c */
int exec_program(struct proc* p, const char* path, char** argv, int argc);

/* trap.c, syscall.c */
void trap(struct trapframe* tf);
void syscall_dispatch(struct trapframe* tf);

#endif
