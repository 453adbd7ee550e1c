/* Kernel-wide declarations: memory layout, console, panic, and the subsystems' entry
 * points. Each subsystem's own structures live in its header (proc.h, vm.h, file.h). */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include "libc.h"
#include "types.h"

/* Memory layout. The kernel is linked at KERNBASE + 1 MiB and maps physical memory from
 * 0 up to at most DIRECT_MAP_LIMIT at KERNBASE with global 4 MiB pages; user space is
 * everything below KERNBASE. The local APIC and I/O APIC page (one 4 MiB page at
 * 0xFEC00000) is mapped at its own address, uncached. */
#define KERNBASE 0xC0000000u
#define DIRECT_MAP_LIMIT (768u << 20)
#define APIC_WINDOW 0xFEC00000u
#define LAPIC_BASE 0xFEE00000u
#define PAGE_SIZE 4096u
#define PAGE_ROUND_UP(a) (((a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(a) ((a) & ~(PAGE_SIZE - 1))
#define P2V(pa) ((void*)((u32)(pa) + KERNBASE))
#define V2P(va) ((u32)(va) - KERNBASE)

/* User address space: programs are linked at USER_TEXT; the stack grows down from
 * USER_STACK_TOP within USER_STACK_SIZE; mmap places regions from USER_MMAP_BASE up. */
#define USER_TEXT 0x08048000u
#define USER_STACK_TOP KERNBASE
#define USER_STACK_SIZE (1u << 20)
#define USER_MMAP_BASE 0x40000000u

/* Segment selectors (GDT order in desc.c). User selectors carry RPL 3; the kernel never
 * assumes its own CS is 0x08 with RPL 0 (a deprivileging monitor may run it at ring 1):
 * "from user mode" means (cs & 3) == 3. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE 0x1B
#define SEL_UDATA 0x23
#define SEL_TSS 0x28

/* Interrupt vectors. */
#define VEC_PIC_BASE 0x20 /* 8259 IRQ n -> 0x20 + n */
#define VEC_LAPIC_TIMER 0x30
#define VEC_SYSCALL 0x80
#define VEC_SPURIOUS 0xFF

#define IRQ_PIT 0
#define IRQ_COM1 4
#define IRQ_IDE 14

/* Timer frequency: one scheduler tick per millisecond. */
#define HZ 1000

/* console.c: COM1 (and the VGA text screen) */
void console_init(void);
void console_write(const char* s, u32 n);
int console_read(char* buf, u32 n);
void console_interrupt(void);
void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* vga.c */
void vga_init(void);
void vga_write(const char* s, u32 n);

/* desc.c */
void descriptors_init(void);
void idt_set(u8 vector, void (*handler)(void), int user_callable);

/* pic.c, timer.c */
void pic_init(void);
void pic_unmask(int irq);
void pic_mask(int irq);
void pic_eoi(int irq);
void timer_init(int allow_lapic);
void timer_interrupt_eoi(void);
extern volatile u32 ticks;
u64 time_ns(void);
const char* timer_source(void);

/* ide.c */
void ide_init(void);
void ide_interrupt(void);
int ide_present(void);
u32 ide_sectors(void);
int ide_transfer(u32 lba, u32 count, void* buf, int write); /* 0 or -errno */

/* initrd.c: the boot module, a POSIX ustar archive */
struct initrd_file {
  const char* name;
  const u8* data;
  u32 size;
};
void initrd_init(const u8* base, u32 size);
const struct initrd_file* initrd_find(const char* name);

/* halt the machine through the exit port: status 0 is success */
void machine_exit(int status) __attribute__((noreturn));

/* errno values returned (negated) by system calls */
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EINVAL 22
#define EMFILE 24
#define ENOSPC 28
#define ESPIPE 29
#define EPIPE 32
#define ENOSYS 38
#define ENODEV 19

#endif
