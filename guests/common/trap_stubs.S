/* The 256 interrupt stubs of the bare-metal guests (guests/common/x86_tables.h): each
 * pushes an error code where the CPU did not (so every frame has one) and its vector,
 * and joins trap_common, which calls the guest's trap_dispatch(struct trap_frame*).
 *
 *      eflags  cs  eip  error  vector  | pushal: eax ecx edx ebx esp ebp esi edi
 *      (higher addresses)                                       (esp points here)
 *
 * The CPU pushes an error code only for vectors 8, 10-14 and 17. */
        .text
trap_common:
        pushal
        pushl   %esp                    /* struct trap_frame* */
        call    trap_dispatch
        addl    $4, %esp
        popal
        addl    $8, %esp                /* vector and error code */
        iret

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

        .section .note.GNU-stack, "", @progbits
