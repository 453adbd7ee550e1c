/* The process table, the scheduler, fork, exit and wait.
 *
 * One CPU. The scheduler loop runs on the boot stack; a process gives up the CPU by
 * switching back to it (sched), with interrupts off. Time slices are one timer tick:
 * the timer sets need_resched, and trap() yields before returning to user mode. */
#include "proc.h"

#include "file.h"
#include "kernel.h"
#include "platform.h"
#include "vm.h"

static struct proc procs[NPROC];
static u8 kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(16)));
static u32 scheduler_esp;
static int next_pid = 1;
static struct proc* init_proc;
struct proc* current;
struct kernel_stats kstats;
volatile int need_resched;

extern void trap_return(void);
void context_switch(u32* save_esp, u32 new_esp);

void proc_init(void) {
  for (int i = 0; i < NPROC; ++i) procs[i].kstack = kstacks[i];
}

/* A free slot with a fresh kernel stack whose top holds a trap frame, and below it the
 * frame context_switch pops: four callee-saved registers and trap_return as the return
 * address, so the first switch to it "returns" to user mode through the trap frame. */
static struct proc* proc_alloc(void) {
  u32 flags = irq_save();
  struct proc* p = 0;
  for (int i = 0; i < NPROC && !p; ++i)
    if (procs[i].state == P_UNUSED) p = &procs[i];
  if (p) {
    u8* kstack = p->kstack;
    memset(p, 0, sizeof *p);
    p->kstack = kstack;
    p->state = P_EMBRYO;
    p->pid = next_pid++;
    if (++kstats.procs_alive > kstats.max_procs_alive) kstats.max_procs_alive = kstats.procs_alive;
  }
  irq_restore(flags);
  if (!p) return 0;
  u32* sp = (u32*)(p->kstack + KSTACK_SIZE - sizeof(struct trapframe));
  p->tf = (struct trapframe*)sp;
  *--sp = (u32)trap_return;
  for (int i = 0; i < 4; ++i) *--sp = 0; /* ebp, ebx, esi, edi */
  p->context_esp = (u32)sp;
  return p;
}

static void proc_release(struct proc* p) {
  if (p->pgdir) pgdir_free(p->pgdir, p->pgdir_phys);
  p->pgdir = 0;
  u32 flags = irq_save();
  p->state = P_UNUSED;
  --kstats.procs_alive;
  irq_restore(flags);
}

/* Round robin over the table, starting after the process that ran last. */
static struct proc* pick_next(void) {
  static int last;
  for (int k = 1; k <= NPROC; ++k) {
    int i = (last + k) % NPROC;
    if (procs[i].state == P_RUNNABLE) {
      last = i;
      return &procs[i];
    }
  }
  return 0;
}

void scheduler(void) {
  for (;;) {
    pv->irq_disable();
    struct proc* p = pick_next();
    if (!p) {
      ++kstats.idle_halts;
      pv->safe_halt(); /* the interrupt that ends it is handled before we loop */
      continue;
    }
    p->state = P_RUNNING;
    current = p;
    ++kstats.context_switches;
    switch_address_space(p);
    pv->set_kernel_stack((u32)p->kstack + KSTACK_SIZE);
    context_switch(&scheduler_esp, p->context_esp);
    current = 0;
  }
}

/* Back to the scheduler; the caller has turned interrupts off and set current->state. */
static void sched(void) { context_switch(&current->context_esp, scheduler_esp); }

void yield(void) {
  u32 flags = irq_save();
  current->state = P_RUNNABLE;
  sched();
  irq_restore(flags);
}

void sleep_on(const void* chan) {
  current->chan = chan;
  current->state = P_SLEEPING;
  sched();
  current->chan = 0;
}

void wakeup(const void* chan) {
  u32 flags = irq_save();
  for (int i = 0; i < NPROC; ++i)
    if (procs[i].state == P_SLEEPING && procs[i].chan == chan) procs[i].state = P_RUNNABLE;
  irq_restore(flags);
}

int proc_fork(void) {
  struct proc* child = proc_alloc();
  if (!child) return -EAGAIN;
  child->pgdir = pgdir_create(&child->pgdir_phys);
  if (!child->pgdir || copy_address_space(child->pgdir, current->pgdir) < 0) {
    proc_release(child);
    return -ENOMEM;
  }
  *child->tf = *current->tf;
  child->tf->eax = 0; /* fork returns 0 in the child */
  memcpy(child->regions, current->regions, sizeof child->regions);
  child->nregions = current->nregions;
  child->heap_start = current->heap_start;
  for (int fd = 0; fd < NOFILE; ++fd)
    if (current->files[fd]) child->files[fd] = file_dup(current->files[fd]);
  memcpy(child->name, current->name, sizeof child->name);
  child->parent = current;
  ++kstats.forks;
  int pid = child->pid;
  u32 flags = irq_save();
  child->state = P_RUNNABLE;
  irq_restore(flags);
  return pid;
}

void proc_exit(int status) {
  if (current == init_proc) {
    kprintf("kernel: init exited with status %d\n", status);
    machine_exit(status);
  }
  for (int fd = 0; fd < NOFILE; ++fd) {
    if (current->files[fd]) file_close(current->files[fd]);
    current->files[fd] = 0;
  }
  ++kstats.exits;
  pv->irq_disable();
  /* Orphans go to init, which reaps them. */
  for (int i = 0; i < NPROC; ++i)
    if (procs[i].parent == current) {
      procs[i].parent = init_proc;
      if (procs[i].state == P_ZOMBIE) wakeup(init_proc);
    }
  current->exit_status = status;
  current->state = P_ZOMBIE;
  wakeup(current->parent);
  sched();
  panic("a zombie ran");
}

int proc_wait(u32 status_uaddr) {
  if (status_uaddr && uaccess(current, status_uaddr, 4, 1) < 0) return -EFAULT;
  u32 flags = irq_save();
  for (;;) {
    int children = 0;
    for (int i = 0; i < NPROC; ++i) {
      struct proc* p = &procs[i];
      if (p->parent != current || p->state == P_UNUSED) continue;
      ++children;
      if (p->state != P_ZOMBIE) continue;
      int pid = p->pid;
      if (status_uaddr) *(int*)status_uaddr = p->exit_status;
      p->parent = 0;
      irq_restore(flags);
      proc_release(p);
      return pid;
    }
    if (!children) {
      irq_restore(flags);
      return -ECHILD;
    }
    sleep_on(current);
  }
}

struct proc* proc_spawn_init(const char* path, char** argv, int argc) {
  struct proc* p = proc_alloc();
  if (!p) panic("no process slot for init");
  init_proc = p;
  p->pgdir = pgdir_create(&p->pgdir_phys);
  if (!p->pgdir) panic("no memory for init");
  struct file* console = file_open_console();
  p->files[0] = console;
  p->files[1] = file_dup(console);
  p->files[2] = file_dup(console);
  current = p;
  switch_address_space(p);
  int r = exec_program(p, path, argv, argc);
  if (r < 0) panic("cannot start %s: error %d", path, r);
  current = 0;
  p->state = P_RUNNABLE;
  return p;
}
