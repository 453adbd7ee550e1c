// Local APIC (xAPIC) register offsets and bit fields, SDM Vol. 3, chapter 10.
//
// The registers sit in a 4 KiB page at IA32_APIC_BASE (0xFEE00000 after reset), one
// register per 16-byte slot, accessed as aligned 32-bit words (Table 10-1). Names
// follow the SDM; where the xAPIC text has only a description, the name is the one
// the x2APIC MSR table gives the same register (Table 10-6: IA32_X2APIC_<name>).
//
// LVT entry (Figure 10-8). Not every entry has every field: see kLvtWritable.
//
//   31        17 16 15 14 13 12 11 10  8 7        0
//   +-----------+--+--+--+--+--+--+-----+----------+
//   | reserved  |M |TM|RI|PP|DS|  | DM  |  vector  |
//   +-----------+--+--+--+--+--+--+-----+----------+
//   bit 17 (timer only): 0 one-shot, 1 periodic.  M mask, TM trigger mode (1 level),
//   RI remote IRR (read-only), PP pin polarity (1 active low), DS delivery status
//   (read-only), DM delivery mode (see devices/apic_delivery.h).
//
// ICR (Figure 10-12): the low word sends the IPI when written.
//
//   63     56 55          20 19 18 17 16 15 14 13 12 11 10  8 7        0
//   +--------+--------------+-----+-----+--+--+--+--+--+-----+----------+
//   | dest   |   reserved   | DSH | res |TM|LV|  |DS|DM| mode|  vector  |
//   +--------+--------------+-----+-----+--+--+--+--+--+-----+----------+
//   DSH destination shorthand, TM trigger mode, LV level (assert), DS delivery
//   status (read-only), DM destination mode (1 logical).
#pragma once
#include "core/types.h"

namespace vmlab {

// Register offsets in the APIC page.
constexpr u32 LAPIC_APICID = 0x020;
constexpr u32 LAPIC_VERSION = 0x030;
constexpr u32 LAPIC_TPR = 0x080;
constexpr u32 LAPIC_APR = 0x090;
constexpr u32 LAPIC_PPR = 0x0A0;
constexpr u32 LAPIC_EOI = 0x0B0;
constexpr u32 LAPIC_RRD = 0x0C0;
constexpr u32 LAPIC_LDR = 0x0D0;
constexpr u32 LAPIC_DFR = 0x0E0;
constexpr u32 LAPIC_SVR = 0x0F0;  // spurious-interrupt vector register (x2APIC: SIVR)
constexpr u32 LAPIC_ISR0 = 0x100;  // ISR0..ISR7 at 0x100..0x170
constexpr u32 LAPIC_TMR0 = 0x180;  // TMR0..TMR7 at 0x180..0x1F0
constexpr u32 LAPIC_IRR0 = 0x200;  // IRR0..IRR7 at 0x200..0x270
constexpr u32 LAPIC_ESR = 0x280;
constexpr u32 LAPIC_ICR_LOW = 0x300;
constexpr u32 LAPIC_ICR_HIGH = 0x310;
constexpr u32 LAPIC_LVT_TIMER = 0x320;
constexpr u32 LAPIC_LVT_THERMAL = 0x330;
constexpr u32 LAPIC_LVT_PMI = 0x340;  // performance-monitoring counters
constexpr u32 LAPIC_LVT_LINT0 = 0x350;
constexpr u32 LAPIC_LVT_LINT1 = 0x360;
constexpr u32 LAPIC_LVT_ERROR = 0x370;
constexpr u32 LAPIC_INIT_COUNT = 0x380;
constexpr u32 LAPIC_CUR_COUNT = 0x390;
constexpr u32 LAPIC_DIV_CONF = 0x3E0;

// Spurious-interrupt vector register (Figure 10-23). Bit 12 (EOI-broadcast
// suppression) is reserved here: the version register does not advertise it.
constexpr u32 SVR_VECTOR = 0xFF;
constexpr u32 SVR_APIC_ENABLE = 1u << 8;   // APIC software enable
constexpr u32 SVR_FOCUS_DISABLE = 1u << 9;  // focus processor checking off (stored; one CPU)
constexpr u32 SVR_WRITABLE = SVR_VECTOR | SVR_APIC_ENABLE | SVR_FOCUS_DISABLE;

// LVT fields.
constexpr u32 LVT_VECTOR = 0xFF;
constexpr u32 LVT_DELIVERY_MODE_SHIFT = 8;
constexpr u32 LVT_DELIVERY_MODE = 7u << LVT_DELIVERY_MODE_SHIFT;
constexpr u32 LVT_DELIVERY_STATUS = 1u << 12;
constexpr u32 LVT_PIN_POLARITY = 1u << 13;  // 1: active low
constexpr u32 LVT_REMOTE_IRR = 1u << 14;
constexpr u32 LVT_TRIGGER_MODE = 1u << 15;  // 1: level
constexpr u32 LVT_MASK = 1u << 16;
constexpr u32 LVT_TIMER_PERIODIC = 1u << 17;

// The LVT entries in address order; entry i sits at LAPIC_LVT_TIMER + 0x10 * i.
enum LvtEntry : unsigned { LVT_TIMER, LVT_THERMAL, LVT_PMI, LVT_LINT0, LVT_LINT1, LVT_ERROR };
constexpr unsigned kLvtEntries = 6;

// Bits software can write in each LVT entry. Timer and error have no delivery mode
// (always Fixed); thermal and PMI have no pin; LINT1 has no trigger mode because the
// SDM does not support level-sensitive LINT1 (10.5.1). Bit 18 of the timer (the
// TSC-deadline mode) is reserved: CPUID does not advertise TSC-deadline.
constexpr u32 kLvtWritable[kLvtEntries] = {
    LVT_VECTOR | LVT_MASK | LVT_TIMER_PERIODIC,                                         // timer
    LVT_VECTOR | LVT_DELIVERY_MODE | LVT_MASK,                                          // thermal
    LVT_VECTOR | LVT_DELIVERY_MODE | LVT_MASK,                                          // PMI
    LVT_VECTOR | LVT_DELIVERY_MODE | LVT_PIN_POLARITY | LVT_TRIGGER_MODE | LVT_MASK,  // LINT0
    LVT_VECTOR | LVT_DELIVERY_MODE | LVT_PIN_POLARITY | LVT_MASK,                     // LINT1
    LVT_VECTOR | LVT_MASK,                                                              // error
};

// Error status register (Figure 10-9). Bits 0-3 (checksum and accept errors) belong to
// the P6 three-wire APIC bus and are never set by an xAPIC.
constexpr u32 ESR_REDIRECTABLE_IPI = 1u << 4;
constexpr u32 ESR_SEND_ILLEGAL_VECTOR = 1u << 5;
constexpr u32 ESR_RECEIVE_ILLEGAL_VECTOR = 1u << 6;
constexpr u32 ESR_ILLEGAL_REGISTER_ADDRESS = 1u << 7;

// ICR low word.
constexpr u32 ICR_VECTOR = 0xFF;
constexpr u32 ICR_DELIVERY_MODE_SHIFT = 8;
constexpr u32 ICR_DELIVERY_MODE = 7u << ICR_DELIVERY_MODE_SHIFT;
constexpr u32 ICR_DESTINATION_LOGICAL = 1u << 11;
constexpr u32 ICR_DELIVERY_STATUS = 1u << 12;
constexpr u32 ICR_LEVEL_ASSERT = 1u << 14;
constexpr u32 ICR_TRIGGER_LEVEL = 1u << 15;
constexpr u32 ICR_SHORTHAND_SHIFT = 18;
constexpr u32 ICR_SHORTHAND = 3u << ICR_SHORTHAND_SHIFT;
constexpr u32 ICR_LOW_WRITABLE = ICR_VECTOR | ICR_DELIVERY_MODE | ICR_DESTINATION_LOGICAL |
                                 ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL | ICR_SHORTHAND;
// ICR high word: bits 31:24 are the destination field (bits 63:56 of the ICR).
constexpr u32 ICR_DESTINATION_SHIFT = 24;

enum class IcrShorthand : u8 { None = 0, Self = 1, AllIncludingSelf = 2, AllExcludingSelf = 3 };

// Destination format register: bits 31:28 select the model, bits 27:0 read as ones.
constexpr u32 DFR_MODEL_SHIFT = 28;
constexpr u32 DFR_MODEL_FLAT = 0xF;
constexpr u32 DFR_MODEL_CLUSTER = 0x0;

// Divide configuration register: bits 0, 1 and 3 hold the divisor code (Figure 10-10).
constexpr u32 DCR_WRITABLE = 0xB;

}  // namespace vmlab
