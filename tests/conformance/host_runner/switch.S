/* Context switches between the host runner and a test case (32-bit, AT&T syntax).
 *
 * A case may clobber every register, ESP and EBP included, so the runner's own state is
 * parked in memory and nothing here relies on a register surviving the case:
 *
 *   run_test:     PUSHAD + PUSHFD on the runner stack, remember ESP, load the case's
 *                 EFLAGS, GPRs and finally ESP, then jump to the code page.
 *   test_return:  reached through "jmp *(g_return_target)" placed right after the case's
 *                 bytes; that jump changes no register or flag. Stores the GPRs and
 *                 EFLAGS, then falls into abandon_test.
 *   abandon_test: back onto the runner stack and return from run_test. The fault
 *                 handler also ends here when a case raises a signal.
 */
        .text

        .globl  _start
_start:
        andl    $-16, %esp
        call    runner_main
        hlt                             /* runner_main never returns */

        .globl  run_test
run_test:
        pushal
        pushfl
        movl    %esp, g_host_esp
        movl    $g_in_eflags, %esp      /* POPFD from the input slot, not the case stack */
        popfl
        movl    g_in_regs+0, %eax
        movl    g_in_regs+4, %ecx
        movl    g_in_regs+8, %edx
        movl    g_in_regs+12, %ebx
        movl    g_in_regs+20, %ebp
        movl    g_in_regs+24, %esi
        movl    g_in_regs+28, %edi
        movl    g_in_regs+16, %esp      /* last: from here on only the case's stack */
        jmp     *g_code_entry

        .globl  test_return
test_return:
        movl    %esp, g_out_regs+16
        movl    $g_out_eflags+4, %esp   /* PUSHFD lands exactly in g_out_eflags */
        pushfl
        movl    %eax, g_out_regs+0
        movl    %ecx, g_out_regs+4
        movl    %edx, g_out_regs+8
        movl    %ebx, g_out_regs+12
        movl    %ebp, g_out_regs+20
        movl    %esi, g_out_regs+24
        movl    %edi, g_out_regs+28

        .globl  abandon_test
abandon_test:
        movl    g_host_esp, %esp
        popfl
        popal
        ret

        .section .note.GNU-stack,"",@progbits
