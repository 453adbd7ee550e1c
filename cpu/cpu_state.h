// Architectural state of the i386-class CPU, named as in the Intel SDM Vol. 3.
#pragma once
#include "core/types.h"

namespace vmlab {

// General-purpose registers in ModRM encoding order. kRegZero is an always-zero slot
// used by effective-address arithmetic ("no base", "no index").
enum Reg : u8 { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, kRegZero };
// Segment registers in ModRM sreg encoding order.
enum SegReg : u8 { ES, CS, SS, DS, FS, GS, kSegNone = 7 };

// EFLAGS (SDM Vol. 1, 3.4.3)
constexpr u32 EFLAGS_CF = 1u << 0;
constexpr u32 EFLAGS_FIXED1 = 1u << 1;  // reads as 1
constexpr u32 EFLAGS_PF = 1u << 2;
constexpr u32 EFLAGS_AF = 1u << 4;
constexpr u32 EFLAGS_ZF = 1u << 6;
constexpr u32 EFLAGS_SF = 1u << 7;
constexpr u32 EFLAGS_TF = 1u << 8;
constexpr u32 EFLAGS_IF = 1u << 9;
constexpr u32 EFLAGS_DF = 1u << 10;
constexpr u32 EFLAGS_OF = 1u << 11;
constexpr u32 EFLAGS_IOPL = 3u << 12;
constexpr u32 EFLAGS_IOPL_SHIFT = 12;
constexpr u32 EFLAGS_NT = 1u << 14;
constexpr u32 EFLAGS_RF = 1u << 16;
constexpr u32 EFLAGS_VM = 1u << 17;
constexpr u32 EFLAGS_AC = 1u << 18;
constexpr u32 EFLAGS_ID = 1u << 21;
constexpr u32 EFLAGS_ARITH = EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF;
// Bits software can ever set (i486+ with CPUID: AC and ID are writable).
constexpr u32 EFLAGS_WRITABLE = EFLAGS_ARITH | EFLAGS_TF | EFLAGS_IF | EFLAGS_DF | EFLAGS_IOPL |
                                EFLAGS_NT | EFLAGS_RF | EFLAGS_VM | EFLAGS_AC | EFLAGS_ID;

// Control registers (SDM Vol. 3, 2.5)
constexpr u32 CR0_PE = 1u << 0;
constexpr u32 CR0_MP = 1u << 1;
constexpr u32 CR0_EM = 1u << 2;
constexpr u32 CR0_TS = 1u << 3;
constexpr u32 CR0_ET = 1u << 4;
constexpr u32 CR0_NE = 1u << 5;
constexpr u32 CR0_WP = 1u << 16;
constexpr u32 CR0_AM = 1u << 18;
constexpr u32 CR0_NW = 1u << 29;
constexpr u32 CR0_CD = 1u << 30;
constexpr u32 CR0_PG = 1u << 31;
constexpr u32 CR4_VME = 1u << 0;
constexpr u32 CR4_PVI = 1u << 1;
constexpr u32 CR4_TSD = 1u << 2;
constexpr u32 CR4_DE = 1u << 3;
constexpr u32 CR4_PSE = 1u << 4;
constexpr u32 CR4_PAE = 1u << 5;
constexpr u32 CR4_MCE = 1u << 6;
constexpr u32 CR4_PGE = 1u << 7;
constexpr u32 CR4_PCE = 1u << 8;
constexpr u32 CR4_OSFXSR = 1u << 9;
constexpr u32 CR4_OSXMMEXCPT = 1u << 10;
// CR4 bits this CPU implements (VME, PVI and DE are not: CPUID says so).
constexpr u32 CR4_SUPPORTED = CR4_TSD | CR4_PSE | CR4_PGE;

// Exception vectors (SDM Vol. 3, 6.3.1)
enum Vector : u8 {
  kDE = 0, kDB = 1, kNMI = 2, kBP = 3, kOF = 4, kBR = 5, kUD = 6, kNM = 7,
  kDF = 8, kTS = 10, kNP = 11, kSS = 12, kGP = 13, kPF = 14, kMF = 16, kAC = 17,
};

// Page-fault error code bits (SDM Vol. 3, 4.7)
constexpr u32 PFEC_P = 1u << 0;
constexpr u32 PFEC_W = 1u << 1;
constexpr u32 PFEC_U = 1u << 2;

// MSRs implemented
constexpr u32 MSR_IA32_TSC = 0x10;
constexpr u32 MSR_IA32_APIC_BASE = 0x1B;
constexpr u32 MSR_IA32_SYSENTER_CS = 0x174;
constexpr u32 MSR_IA32_SYSENTER_ESP = 0x175;
constexpr u32 MSR_IA32_SYSENTER_EIP = 0x176;

// The hidden part of a segment register (the "descriptor cache", SDM Vol. 3, 3.4.3).
// In real mode base = selector << 4 and the limit and attributes are whatever the last
// protected-mode load left ("unreal mode").
//
// read_max / write_max fold the limit and the access rights into one comparison for the
// fast path: an access of `size` bytes at `offset` is allowed without further checks
// iff offset + size - 1 <= read_max (resp. write_max). A value of -1 sends every access
// to the slow path, which raises the fault or handles expand-down segments.
struct SegmentCache {
  u16 selector = 0;
  u32 base = 0;
  u32 limit = 0xFFFF;   // effective byte limit (granularity already applied)
  u8 access = 0x93;     // descriptor byte 5: P DPL S Type
  u8 flags = 0;         // descriptor byte 6 high nibble: G D/B L AVL (bits 3..0 = G,D,L,AVL)
  i64 read_max = 0xFFFF;
  i64 write_max = 0xFFFF;

  bool present() const { return access & 0x80; }
  u8 dpl() const { return (access >> 5) & 3; }
  bool is_system() const { return !(access & 0x10); }
  bool is_code() const { return (access & 0x18) == 0x18; }
  bool default_big() const { return flags & 0x4; }  // D/B bit
  bool expand_down() const { return (access & 0x1C) == 0x14; }
};

struct DescriptorTableReg {
  u32 base = 0;
  u16 limit = 0xFFFF;
};

}  // namespace vmlab
