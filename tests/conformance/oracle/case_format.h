/* The wire format between the conformance harness and the host runner, and the
 * memory layout every oracle engine uses.
 *
 * This header is plain C so that the freestanding 32-bit host runner
 * (tests/conformance/host_runner) and the C++ harness (tests/conformance/oracle) share
 * one definition. All fields are u32 or byte arrays whose sizes are multiples of 4, so
 * the layout is identical when compiled with -m32 and for x86-64.
 *
 * Linear address layout, the same in the host process, in Unicorn and in vmlab
 * (flat segments, paging off, so linear = physical in vmlab):
 *
 *   0x00008000 +--------------+  data buffer: memory operands, string operands
 *              |  4 KiB       |
 *   0x00009000 +--------------+  (unmapped: a stray access faults natively)
 *   0x0000A000 +--------------+  stack area: ESP starts inside it
 *              |  4 KiB       |
 *   0x0000B000 +--------------+  (unmapped)
 *   0x0000C000 +--------------+  code page: the case's bytes, then the engine's
 *              |  4 KiB       |  terminator; the rest is INT3 (0xCC)
 *   0x0000D000 +--------------+
 *
 * Everything lies below 64 KiB on purpose: 16-bit addressing (0x67 prefix) and 16-bit
 * near branches (0x66 prefix, which truncate EIP to 16 bits) can only reach such
 * addresses. The host kernel must allow mappings there (vm.mmap_min_addr <= 0x8000).
 *
 * Stream: the harness writes N input records; the runner answers with N output records
 * in the same order and exits 0 at end of input.
 */
#ifndef VMLAB_TESTS_CONFORMANCE_ORACLE_CASE_FORMAT_H
#define VMLAB_TESTS_CONFORMANCE_ORACLE_CASE_FORMAT_H

#include <stdint.h>

#define VMLAB_ORACLE_DATA_BASE 0x00008000u
#define VMLAB_ORACLE_DATA_SIZE 0x1000u
#define VMLAB_ORACLE_STACK_BASE 0x0000A000u
#define VMLAB_ORACLE_STACK_SIZE 0x1000u
#define VMLAB_ORACLE_CODE_BASE 0x0000C000u
#define VMLAB_ORACLE_CODE_SIZE 0x1000u
/* Longest instruction sequence ("island") a case may carry. The engine places its
 * terminator at CODE_BASE + code_len: reaching that address ends the case. */
#define VMLAB_ORACLE_CODE_MAX 64u
/* Filler for the rest of the code page: INT3, so a wild branch faults in every engine. */
#define VMLAB_ORACLE_CODE_FILL 0xCCu

#define VMLAB_ORACLE_INPUT_MAGIC 0x4E494C56u  /* "VLIN" */
#define VMLAB_ORACLE_OUTPUT_MAGIC 0x54554F56u /* "VOUT" */

/* Register order in regs[]: EAX ECX EDX EBX ESP EBP ESI EDI (the ModRM encoding order). */
struct vmlab_oracle_input {
  uint32_t magic;
  uint32_t regs[8];
  uint32_t eflags; /* only CF PF AF ZF SF OF DF are taken; the runner adds IF and bit 1 */
  uint32_t code_len;
  uint8_t code[VMLAB_ORACLE_CODE_MAX];
  uint8_t data[VMLAB_ORACLE_DATA_SIZE];
  uint8_t stack[VMLAB_ORACLE_STACK_SIZE];
};

struct vmlab_oracle_output {
  uint32_t magic;
  uint32_t status; /* 0: the case reached its end; otherwise the signal that stopped it */
  uint32_t regs[8];
  uint32_t eflags; /* as PUSHFD saw it after the case */
  uint8_t data[VMLAB_ORACLE_DATA_SIZE];
  uint8_t stack[VMLAB_ORACLE_STACK_SIZE];
};

/* Bits of an input's eflags that a case may set: the six arithmetic flags and DF. */
#define VMLAB_ORACLE_EFLAGS_INPUT_MASK 0x00000CD5u

#endif
