/* sensitive's entry points: the interrupt stubs, and probe_guarded, which runs one probe
 * so that an exception abandons it instead of stopping the guest. (The Multiboot header
 * and _start are guests/common.) */
#include "sensitive.h"

        .text
/* Every stub leaves the same frame on the stack, struct trap_frame in machine.c:
 *
 *      eflags  cs  eip  error  vector  | pushal: eax ecx edx ebx esp ebp esi edi
 *      (higher addresses)                                       (esp points here)
 *
 * The CPU pushes an error code only for vectors 8, 10-14 and 17; the other stubs push 0
 * so that every frame has one. */
trap_common:
        pushal
        pushl   %esp                    /* struct trap_frame* */
        call    trap_dispatch
        addl    $4, %esp
        popal
        addl    $8, %esp                /* vector and error code */
        iret

/* 256 stubs of 16 bytes: the stub of vector v is at isr_stubs + 16 * v. */
        .globl  isr_stubs
        .balign 16
isr_stubs:
        .set    v, 0
        .rept   256
        .balign 16
        .if     v == 8 || (v >= 10 && v <= 14) || v == 17
        .else
        pushl   $0
        .endif
        pushl   $v
        jmp     trap_common
        .set    v, v + 1
        .endr

/* int probe_guarded(probe_fn* fn, struct observation* o): call fn(o) and return 0. If fn
 * faults, trap_dispatch records the fault and makes the IRET land at probe_fault_landing
 * instead of the faulting instruction; the landing takes back the stack pointer saved
 * here (the fault may have come in the middle of pushes, or on another stack) and returns
 * 1 with the callee-saved registers as they were on entry. */
        .globl  probe_guarded
probe_guarded:
        pushl   %ebp
        pushl   %edi
        pushl   %esi
        pushl   %ebx
        movl    %esp, saved_esp
        movl    20(%esp), %ecx          /* fn */
        pushl   24(%esp)                /* o */
        movl    $1, sens_probe_active
        call    *%ecx
        movl    $0, sens_probe_active
        addl    $4, %esp
        xorl    %eax, %eax
guarded_return:
        popl    %ebx
        popl    %esi
        popl    %edi
        popl    %ebp
        ret

        .globl  probe_fault_landing
probe_fault_landing:
        movl    saved_esp, %esp
        movl    $1, %eax
        jmp     guarded_return

        .bss
        .align  4
saved_esp:
        .long   0
        .section .note.GNU-stack, "", @progbits
