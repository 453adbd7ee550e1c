/* sensitive's entry point probe_guarded, which runs one probe so that an exception
 * abandons it instead of stopping the guest. (The Multiboot header, _start and the
 * interrupt stubs are guests/common.) */
#include "sensitive.h"

        .text
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
