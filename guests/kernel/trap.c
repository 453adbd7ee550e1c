/* Where every interrupt and exception lands (trap.S calls trap). */
#include "kernel.h"
#include "platform.h"
#include "proc.h"
#include "vm.h"

static const char* const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "BOUND range exceeded", "invalid opcode",
    "device not available", "double fault", "coprocessor segment overrun", "invalid TSS",
    "segment not present", "stack-segment fault", "general protection", "page fault", "reserved",
    "x87 floating-point error", "alignment check", "machine check", "SIMD floating-point",
};

static void user_fault(struct trapframe* tf, u32 cr2) {
  const char* name = tf->trapno < 32 && exception_names[tf->trapno] ? exception_names[tf->trapno] : "exception";
  kprintf("kernel: pid %d (%s): %s at EIP 0x%x", current->pid, current->name, name, tf->eip);
  if (tf->trapno == 14) kprintf(", address 0x%x", cr2);
  kprintf(", error code 0x%x: killed\n", tf->err);
  /* Exit statuses as a Unix shell shows a signal death: 128 + SIGFPE, SIGSEGV, SIGILL. */
  proc_exit(tf->trapno == 0 ? 136 : tf->trapno == 6 ? 132 : 139);
}

static void kernel_fault(struct trapframe* tf, u32 cr2) {
  const char* name = tf->trapno < 32 && exception_names[tf->trapno] ? exception_names[tf->trapno] : "exception";
  panic("%s (vector %u) in the kernel at EIP 0x%x, error code 0x%x, CR2 0x%x, process %d", name, tf->trapno,
        tf->eip, tf->err, cr2, current ? current->pid : 0);
}

static void irq(struct trapframe* tf) {
  switch (tf->trapno) {
    case VEC_LAPIC_TIMER:
    case VEC_PIC_BASE + IRQ_PIT:
      ++ticks;
      if (current) need_resched = 1;
      timer_interrupt_eoi();
      break;
    case VEC_PIC_BASE + IRQ_COM1:
      console_interrupt();
      pic_eoi(IRQ_COM1);
      break;
    case VEC_PIC_BASE + IRQ_IDE:
      ide_interrupt();
      pic_eoi(IRQ_IDE);
      break;
    case VEC_PIC_BASE + 7:
    case VEC_PIC_BASE + 15:
    case VEC_SPURIOUS:
      break; /* spurious: no EOI (the 8259's IRQ 7/15 without ISR bit, the APIC's vector) */
    default:
      if (tf->trapno >= VEC_PIC_BASE && tf->trapno < VEC_PIC_BASE + 16) {
        pic_eoi((int)tf->trapno - VEC_PIC_BASE);
        break;
      }
      kprintf("kernel: unexpected interrupt vector %u\n", tf->trapno);
  }
}

void trap(struct trapframe* tf) {
  if (tf->trapno == VEC_SYSCALL) {
    syscall_dispatch(tf);
  } else if (tf->trapno < 32) {
    u32 cr2 = tf->trapno == 14 ? pv->read_cr2() : 0;
    if (!from_user(tf)) {
      /* A page fault in the kernel on a user address can only come from a system call
       * touching user memory that uaccess checked: it is a kernel bug all the same. */
      kernel_fault(tf, cr2);
    }
    if (tf->trapno == 14) {
      pv->irq_enable();
      int r = vm_fault(current, cr2, tf->err);
      pv->irq_disable();
      if (r == 0) goto out;
    }
    user_fault(tf, cr2);
  } else {
    irq(tf);
  }
out:
  if (from_user(tf) && need_resched) {
    need_resched = 0;
    ++kstats.preemptions;
    yield();
  }
}
