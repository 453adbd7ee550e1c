/* Interrupt entry stubs for device_probe: 32 stubs of 16 bytes for vectors 0x20-0x3F
 * (stub k at isr_stubs + 16 * k) push their vector and call isr_dispatch(vector) with
 * every register saved. */
        .text
common:
        pushal
        pushl   32(%esp)                /* the vector the stub pushed */
        call    isr_dispatch
        addl    $4, %esp
        popal
        addl    $4, %esp
        iret

        .globl  isr_stubs
        .balign 16
isr_stubs:
        .set    v, 0x20
        .rept   32
        .balign 16
        pushl   $v
        jmp     common
        .set    v, v + 1
        .endr
        .section .note.GNU-stack, "", @progbits
