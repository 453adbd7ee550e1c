/* Interrupt and exception entry, the return to the interrupted context, and the kernel
 * context switch.
 *
 * Every vector has a stub that pushes an error code (a zero where the CPU pushes none)
 * and its number, then joins trap_common, which saves the data segments and the general
 * registers into a struct trapframe (proc.h) and calls trap(tf). The return path pops it
 * all and IRETs. */
        .set SEL_KDATA, 0x10

        .macro vector n
        .if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17)
vector\n:
        pushl   $\n
        jmp     trap_common
        .else
vector\n:
        pushl   $0
        pushl   $\n
        jmp     trap_common
        .endif
        .endm

        .macro vector_address n
        .long vector\n
        .endm

        .text
        .altmacro
        .set i, 0
        .rept 256
        vector %i
        .set i, i + 1
        .endr

trap_common:
        pushl   %ds
        pushl   %es
        pushl   %fs
        pushl   %gs
        pushal
        mov     $SEL_KDATA, %eax
        mov     %eax, %ds
        mov     %eax, %es
        pushl   %esp                     /* struct trapframe* */
        call    trap
        addl    $4, %esp
        .globl trap_return
trap_return:
        popal
        popl    %gs
        popl    %fs
        popl    %es
        popl    %ds
        addl    $8, %esp                 /* vector number and error code */
        iret

/* void context_switch(u32* save_esp, u32 new_esp): save the callee-saved registers on
 * this kernel stack, remember it in *save_esp, continue on new_esp where an earlier
 * context_switch (or proc.c's set-up of a new process) left the same frame. */
        .globl context_switch
context_switch:
        movl    4(%esp), %eax
        movl    8(%esp), %edx
        pushl   %ebp
        pushl   %ebx
        pushl   %esi
        pushl   %edi
        movl    %esp, (%eax)
        movl    %edx, %esp
        popl    %edi
        popl    %esi
        popl    %ebx
        popl    %ebp
        ret

        .section .rodata
        .align 4
        .globl trap_vectors
trap_vectors:
        .set i, 0
        .rept 256
        vector_address %i
        .set i, i + 1
        .endr
        .section .note.GNU-stack, "", @progbits
