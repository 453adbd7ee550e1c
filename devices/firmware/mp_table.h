// The MultiProcessor Specification 1.4 tables the firmware publishes (chapter 4): a
// floating pointer structure ("_MP_") that points to a configuration table ("PCMP")
// listing the processors, buses, I/O APICs and interrupt routing.
//
// One CPU (APIC ID 0, the BSP), one ISA bus, one I/O APIC (ID 1, at 0xFEC00000). ISA
// IRQ n is wired to I/O APIC pin n, except IRQ 0 (the 8254), which is on pin 2 as on
// real chipsets; the 8259's INTR reaches LINT0 as ExtINT and NMI reaches LINT1.
#pragma once
#include <vector>

#include "core/types.h"

namespace vmlab {

struct MpTableParams {
  u32 lapic_address = 0xFEE00000;
  u8 ioapic_id = 1;
  u32 ioapic_address = 0xFEC00000;
  u8 apic_version = 0x14;
  u8 ioapic_version = 0x11;
  u32 cpu_signature = 0;   // CPUID.1:EAX
  u32 cpu_features = 0;    // CPUID.1:EDX
};

// The floating pointer (16 bytes) followed by the configuration table, to be placed at
// physical address `base` (16-byte aligned). Checksums are filled in.
std::vector<u8> build_mp_tables(u32 base, const MpTableParams& params);

// The I/O APIC pin an ISA IRQ is wired to (IRQ 0 -> pin 2, others identity).
inline unsigned isa_irq_to_ioapic_pin(unsigned irq) { return irq == 0 ? 2 : irq; }

}  // namespace vmlab
