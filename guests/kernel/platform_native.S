/* Native boot entry: the Multiboot header, and the switch from the loader's flat
 * physical world to the kernel's higher-half virtual one. Everything here runs before
 * the platform-operations table exists, which is why it lives with the native platform
 * code (a paravirtual build boots through its own entry, already paged). */
        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0x00000003        /* page-aligned modules, memory information */
        .set KERNBASE, 0xC0000000
        .set CR0_PG, 0x80000000
        .set CR0_WP, 0x00010000
        .set CR4_PSE, 0x00000010
        .set CR4_PGE, 0x00000080

        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .text
        .globl _start
_start:                                  /* physical addresses until paging is on */
        cli
        cld
        mov     %eax, %esi               /* boot magic */
        mov     %ebx, %edi               /* multiboot information (physical) */
        mov     %cr4, %eax
        or      $CR4_PSE, %eax
        mov     %eax, %cr4
        mov     $(boot_pgdir - KERNBASE), %eax
        mov     %eax, %cr3
        mov     %cr0, %eax
        or      $(CR0_PG | CR0_WP), %eax
        mov     %eax, %cr0
        mov     $1f, %eax                /* now jump to the linked (high) address */
        jmp     *%eax
1:      mov     $boot_stack_top, %esp
        xor     %ebp, %ebp
        push    %edi
        push    %esi
        call    kmain
2:      hlt
        jmp     2b

/* Privileged instructions that need no C wrapper. */
        .globl native_enable_global_pages
native_enable_global_pages:
        mov     %cr4, %eax
        or      $CR4_PGE, %eax
        mov     %eax, %cr4
        ret

        .bss
        .align 16
        .space 16384
        .globl boot_stack_top
boot_stack_top:
        .section .note.GNU-stack, "", @progbits
