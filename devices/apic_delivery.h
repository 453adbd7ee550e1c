// Delivery modes of an APIC interrupt message.
//
// One 3-bit field with one encoding is shared by the local APIC's LVT entries and
// ICR (SDM Vol. 3, 10.5.1 and 10.6.1) and the I/O APIC's redirection table (82093AA
// datasheet, 3.2.4, DELMOD). Not every source may use every mode: an LVT allows
// Fixed, SMI, NMI, INIT and ExtINT; the I/O APIC allows all but StartUp, whose
// encoding it reserves; encoding 3 is reserved everywhere.
#pragma once
#include "core/types.h"

namespace vmlab {

enum class DeliveryMode : u8 {
  Fixed = 0,           // the vector goes into the IRR
  LowestPriority = 1,  // Fixed, to the lowest-priority CPU of the destination set
  Smi = 2,             // system management interrupt (no vector)
  Nmi = 4,             // non-maskable interrupt (no vector)
  Init = 5,            // INIT the destination CPUs
  StartUp = 6,         // SIPI: vector = start page (ICR only)
  ExtInt = 7,          // the 8259A answers the INTA cycle with its own vector
};

}  // namespace vmlab
