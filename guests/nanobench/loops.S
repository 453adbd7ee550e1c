/* The timed loops. Every loop has the same shape, so `loop` (an empty body) measures the
 * overhead the others share and a reader can subtract it:
 *
 *      rdtsc; push edx; push eax          start time on the stack
 *   1: <body>                             the operation (and its check, if any)
 *      dec ebp; jnz 1b                    ebp: iterations left
 *      rdtsc; subtract the start          cycles -> out->cycles, edi -> out->check
 *
 * void loop_x(u32 n, struct loop_out* out, u32 a, u32 b, u32 c), n >= 1. Inside a loop:
 *   ebp  iterations left         edi  check value, starts at 0
 *   ebx  a    esi  b    ecx  c   eax, edx  free (RDTSC writes them)
 * The bodies are written here rather than in C so that the compiler can neither move
 * work into or out of the timed region nor unroll it. */
#include "nanobench.h"

.macro LOOP_ENTRY name, section=.text
        .section \section, "ax"
        .globl  \name
        .type   \name, @function
        .p2align 4
\name:
        pushl   %ebp
        pushl   %edi
        pushl   %esi
        pushl   %ebx
        movl    20(%esp), %ebp
        xorl    %edi, %edi
        movl    28(%esp), %ebx
        movl    32(%esp), %esi
        movl    36(%esp), %ecx
.endm

.macro TIMED_START
        rdtsc
        pushl   %edx
        pushl   %eax
1:
.endm

.macro TIMED_END
        decl    %ebp
        jnz     1b
        rdtsc
        subl    0(%esp), %eax
        sbbl    4(%esp), %edx
        addl    $8, %esp
        movl    24(%esp), %ecx          /* out */
        movl    %eax, 0(%ecx)
        movl    %edx, 4(%ecx)
        movl    %edi, 8(%ecx)
.endm

.macro LOOP_EXIT
        popl    %ebx
        popl    %esi
        popl    %edi
        popl    %ebp
        ret
.endm

/* FIXUP fault, resume, vector, error, cr2: the instruction at `fault` is expected to raise
 * `vector` with that error code (and CR2, for #PF); the handler resumes at `resume`.
 * struct fixup in machine.c reads these five words. */
.macro FIXUP fault, resume, vector, error, cr2
        .pushsection .fixup, "a"
        .long   \fault, \resume, \vector, \error, \cr2
        .popsection
.endm

LOOP_ENTRY loop_empty
TIMED_START
TIMED_END
LOOP_EXIT

LOOP_ENTRY loop_in
TIMED_START
        inb     $0x80, %al
TIMED_END
LOOP_EXIT

/* a: the value written to the TPR */
LOOP_ENTRY loop_tprwr
TIMED_START
        movl    %ebx, LAPIC_BASE + LAPIC_TPR
TIMED_END
LOOP_EXIT

LOOP_ENTRY loop_callret
TIMED_START
        call    nb_empty_function
TIMED_END
LOOP_EXIT

        .globl  nb_empty_function
nb_empty_function:
        ret

LOOP_ENTRY loop_pgfault
TIMED_START
2:      movl    UNMAPPED_VA, %eax
3:
        FIXUP   2b, 3b, VEC_PF, PF_ERROR_READ_NOT_PRESENT, UNMAPPED_VA
TIMED_END
LOOP_EXIT

/* a: the divisor, 0 */
LOOP_ENTRY loop_divzero
TIMED_START
2:      divl    %ebx
3:
        FIXUP   2b, 3b, VEC_DE, 0, 0
TIMED_END
LOOP_EXIT

/* a: the address of the PTE of PTEMOD_VA; b, c: the two values it alternates between.
 * Each frame holds its own PTE value in its first word, so the read after the INVLPG
 * shows which frame the TLB now maps; edi counts reads that show the wrong one. */
LOOP_ENTRY loop_ptemod
        xorl    %esi, %ecx              /* ecx = b ^ c flips esi between b and c */
TIMED_START
        movl    %esi, (%ebx)
        invlpg  PTEMOD_VA
        movl    PTEMOD_VA, %eax
        subl    %esi, %eax
        negl    %eax                    /* CF = (eax != 0) */
        adcl    $0, %edi
        xorl    %ecx, %esi
TIMED_END
LOOP_EXIT

/* b, c: the two CR3 values. Each directory maps at MARKER_VA a frame holding its own CR3
 * value; edi counts reads that show the other one. */
LOOP_ENTRY loop_cr3switch
        xorl    %esi, %ecx
TIMED_START
        movl    %esi, %cr3
        movl    MARKER_VA, %eax
        subl    %esi, %eax
        negl    %eax
        adcl    $0, %edi
        xorl    %ecx, %esi
TIMED_END
LOOP_EXIT

LOOP_ENTRY loop_clisti
TIMED_START
        cli
        sti
TIMED_END
        cli
LOOP_EXIT

LOOP_ENTRY loop_pushfpopf
TIMED_START
        pushfl
        popfl
TIMED_END
LOOP_EXIT

LOOP_ENTRY loop_cpuid
TIMED_START
        xorl    %eax, %eax
        cpuid
TIMED_END
LOOP_EXIT

LOOP_ENTRY loop_rdtsc
TIMED_START
        rdtsc
TIMED_END
LOOP_EXIT

/* The timer is running (timer_start); every HLT sleeps until its next interrupt, which
 * returns to nb_hlt_wakeup with EBP as the iteration count: the handler counts those. */
LOOP_ENTRY loop_hlt
        sti
TIMED_START
        hlt
        .globl  nb_hlt_wakeup
nb_hlt_wakeup:
TIMED_END
        cli
LOOP_EXIT

/* Ring 3: the handlers (entry.S) increment edi once per call, so edi must end at n. */
LOOP_ENTRY uloop_int80, .user_text
TIMED_START
        int     $VEC_SYSCALL
TIMED_END
LOOP_EXIT

LOOP_ENTRY uloop_sysenter, .user_text
TIMED_START
        movl    %esp, %ecx              /* SYSEXIT's ESP */
        movl    $2f, %edx               /* SYSEXIT's EIP */
        sysenter
2:
TIMED_END
LOOP_EXIT

        .section .note.GNU-stack, "", @progbits
