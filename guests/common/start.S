/* Multiboot v1 header and entry: a stack, a zeroed .bss, then guest_main(magic, info). */
        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0x00000003        /* page-aligned modules, memory information */

        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .text
        .globl _start
_start:
        cli
        cld
        mov     $stack_top, %esp
        mov     %eax, %esi               /* boot magic */
        mov     %ebx, %ebp               /* multiboot information */
        mov     $__bss_start, %edi
        mov     $__bss_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb
        push    %ebp
        push    %esi
        call    guest_main
        push    %eax
        call    guest_exit
1:      hlt
        jmp     1b

        .bss
        .align 16
        .space 16384
stack_top:
        .section .note.GNU-stack, "", @progbits
