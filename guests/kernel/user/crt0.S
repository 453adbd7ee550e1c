/* User program entry: the kernel leaves [esp] = argc, [esp + 4] = argv. */
        .section .text.start, "ax"
        .globl _start
_start:
        xor     %ebp, %ebp
        mov     (%esp), %eax
        mov     4(%esp), %edx
        and     $-16, %esp
        sub     $8, %esp
        push    %edx
        push    %eax
        call    main
        push    %eax
        call    exit
1:      jmp     1b
        .section .note.GNU-stack, "", @progbits
