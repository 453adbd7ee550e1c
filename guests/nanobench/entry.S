/* nanobench kernel entry points: the two system-call handlers, and the passage to ring 3
 * and back. (The Multiboot header, _start and the interrupt stubs are guests/common.) */
#include "nanobench.h"

        .text
/* INT 80h from ring 3 (an interrupt gate of DPL 3): the smallest system call that does
 * something checkable. It counts itself and increments EDI, the register the user loop
 * passes and checks, and returns. The CPU switched to the TSS's ESP0 stack on the way in. */
        .globl  syscall_entry
syscall_entry:
        incl    nb_syscall_count
        incl    %edi
        iret

/* SYSENTER from ring 3: the same work. The caller put its ESP in ECX and its return EIP
 * in EDX, which SYSEXIT takes them from (SDM Vol. 2, SYSEXIT). */
        .globl  sysenter_entry
sysenter_entry:
        incl    nb_sysenter_count
        incl    %edi
        sysexit

/* void enter_user(loop_fn* fn, u32 n, struct loop_out* out): call fn(n, out, 0, 0, 0) at
 * CPL 3. The callee-saved registers and ESP are kept here; fn returns to user_return,
 * whose INT 81h lands in user_exit_entry, which restores them and returns from this call.
 * The ring-3 frame on the user stack:  [user_return] [n] [out] [0] [0] [0]  */
        .globl  enter_user
enter_user:
        pushl   %ebp
        pushl   %edi
        pushl   %esi
        pushl   %ebx
        movl    %esp, nb_kernel_esp
        movl    20(%esp), %eax          /* fn */
        movl    $nb_user_stack_top - 24, %ebx
        movl    $user_return, 0(%ebx)
        movl    24(%esp), %ecx
        movl    %ecx, 4(%ebx)           /* n */
        movl    28(%esp), %ecx
        movl    %ecx, 8(%ebx)           /* out */
        movl    $0, 12(%ebx)
        movl    $0, 16(%ebx)
        movl    $0, 20(%ebx)
        movl    $USER_DS, %ecx          /* a DPL-0 DS or ES would be nulled by the IRET */
        movl    %ecx, %ds
        movl    %ecx, %es
        pushl   $USER_DS                /* SS */
        pushl   %ebx                    /* ESP */
        pushl   $0x002                  /* EFLAGS: IF = 0, IOPL = 0 */
        pushl   $USER_CS
        pushl   %eax                    /* EIP */
        iret

/* INT 81h (DPL 3): back from ring 3. The frame the CPU pushed on the ESP0 stack is dropped. */
        .globl  user_exit_entry
user_exit_entry:
        movl    $KERNEL_DS, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %fs
        movl    %eax, %gs
        movl    nb_kernel_esp, %esp
        popl    %ebx
        popl    %esi
        popl    %edi
        popl    %ebp
        ret

        .bss
        .align  4
nb_kernel_esp:
        .long   0
        .globl  nb_syscall_count, nb_sysenter_count
nb_syscall_count:
        .long   0
nb_sysenter_count:
        .long   0

/* The user section: the only pages mapped with PTE_U (paging.c). */
        .section .user_text, "ax"
user_return:
        int     $VEC_USER_EXIT

        .section .user_data, "aw", @progbits
        .balign 16
        .globl  nb_user_out
nb_user_out:
        .space  16
        .balign 16
        .space  4096
nb_user_stack_top:
        .section .note.GNU-stack, "", @progbits
