/* A boot sector that exercises the firmware's services and reports on COM1:
 *   INT 10h teletype (writes "vmlab" on the VGA screen), INT 12h, INT 13h AH=02h (CHS read
 *   of sector 1) and AH=42h (EDD read of sector 2), AH=08h (geometry), INT 15h E820 (count
 *   of entries), INT 1Ah AH=00h; then it writes 0x10 to port 0xF4.
 * Output lines on COM1: "mem=<hex>", "chs=<first bytes of sector 1>", "edd=<...>",
 * "heads=<hex> spt=<hex>", "e820=<count>", "boot dl=<hex>".
 */
        .code16
        .text
        .globl start
start:
        cli
        xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    $0x7C00, %sp
        movb    %dl, boot_drive
        sti

        movw    $banner, %si            /* INT 10h teletype */
1:      lodsb
        testb   %al, %al
        jz      2f
        movb    $0x0E, %ah
        xorw    %bx, %bx
        int     $0x10
        jmp     1b
2:
        movw    $s_dl, %si
        call    puts
        movb    boot_drive, %al
        call    puthex8
        call    newline

        int     $0x12                   /* base memory in KiB */
        movw    %ax, %cx
        movw    $s_mem, %si
        call    puts
        movw    %cx, %ax
        call    puthex16
        call    newline

        movw    $0x0201, %ax            /* CHS read: 1 sector, cylinder 0, head 0, sector 2 */
        movw    $0x0002, %cx
        movb    boot_drive, %dl
        xorb    %dh, %dh
        movw    $0x8000, %bx
        int     $0x13
        jc      fail
        movw    $s_chs, %si
        call    puts
        movw    $0x8000, %si
        call    puts
        call    newline

        movw    $packet, %si            /* EDD read of LBA 2 to 0000:8200 */
        movb    $0x42, %ah
        movb    boot_drive, %dl
        int     $0x13
        jc      fail
        movw    $s_edd, %si
        call    puts
        movw    $0x8200, %si
        call    puts
        call    newline

        movb    $0x08, %ah              /* geometry */
        movb    boot_drive, %dl
        int     $0x13
        jc      fail
        movw    %cx, %bx
        movw    $s_heads, %si
        call    puts
        movb    %dh, %al
        call    puthex8
        movw    $s_spt, %si
        call    puts
        movb    %bl, %al
        andb    $0x3F, %al
        call    puthex8
        call    newline

        xorl    %ebx, %ebx              /* E820: count the entries */
        xorw    %bp, %bp
        movw    $0x9000, %di
3:      movl    $0xE820, %eax
        movl    $0x534D4150, %edx
        movl    $24, %ecx
        int     $0x15
        jc      4f
        incw    %bp
        testl   %ebx, %ebx
        jnz     3b
4:      movw    $s_e820, %si
        call    puts
        movw    %bp, %ax
        call    puthex8
        call    newline

        movb    $0x10, %al              /* exit: status 33 */
        outb    %al, $0xF4
fail:   movw    $s_fail, %si
        call    puts
        movb    $0x11, %al
        outb    %al, $0xF4
        hlt

/* puts: DS:SI zero-terminated string to COM1 */
puts:   lodsb
        testb   %al, %al
        jz      9f
        call    putc
        jmp     puts
9:      ret
putc:   pushw   %dx
        pushw   %ax
        movw    $0x3FD, %dx
8:      inb     %dx, %al
        testb   $0x20, %al
        jz      8b
        popw    %ax
        movw    $0x3F8, %dx
        outb    %al, %dx
        popw    %dx
        ret
newline:
        movb    $'\n', %al
        jmp     putc
puthex16:
        pushw   %ax
        movb    %ah, %al
        call    puthex8
        popw    %ax
puthex8:
        pushw   %ax
        shrb    $4, %al
        call    puthex4
        popw    %ax
puthex4:
        andb    $0x0F, %al
        addb    $'0', %al
        cmpb    $'9', %al
        jbe     7f
        addb    $7, %al
7:      jmp     putc

packet: .byte 0x10, 0
        .word 1, 0x8200, 0
        .long 2, 0
boot_drive: .byte 0
banner: .asciz "vmlab"
s_dl:   .asciz "boot dl="
s_mem:  .asciz "mem="
s_chs:  .asciz "chs="
s_edd:  .asciz "edd="
s_heads: .asciz "heads="
s_spt:  .asciz " spt="
s_e820: .asciz "e820="
s_fail: .asciz "FAIL\n"

        .org    510
        .byte   0x55, 0xAA
sector1:
        .asciz  "sector-one"
        .org    1024
sector2:
        .asciz  "sector-two"
        .org    1536
