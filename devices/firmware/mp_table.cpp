#include "devices/firmware/mp_table.h"

#include <cstring>
#include <string_view>

namespace vmlab {
namespace {

class Writer {
 public:
  void u8v(u8 v) { m_bytes.push_back(v); }
  void u16v(u16 v) {
    u8v(u8(v));
    u8v(u8(v >> 8));
  }
  void u32v(u32 v) {
    u16v(u16(v));
    u16v(u16(v >> 16));
  }
  void text(std::string_view s, size_t width) {
    for (size_t k = 0; k < width; ++k) u8v(k < s.size() ? u8(s[k]) : u8(' '));
  }
  size_t size() const { return m_bytes.size(); }
  std::vector<u8>& bytes() { return m_bytes; }

 private:
  std::vector<u8> m_bytes;
};

// Make the bytes [from, from+len) sum to zero by adjusting the byte at `at`.
void fix_checksum(std::vector<u8>& b, size_t from, size_t len, size_t at) {
  u8 sum = 0;
  for (size_t k = from; k < from + len; ++k) sum = u8(sum + b[k]);
  b[at] = u8(b[at] - sum);
}

// MP spec 4.3: entry type 3 (I/O interrupt) or 4 (local interrupt).
void interrupt_entry(Writer& w, u8 type, u8 int_type, u8 src_irq, u8 dst_id, u8 dst_pin) {
  w.u8v(type);
  w.u8v(int_type);   // 0 INT, 1 NMI, 2 SMI, 3 ExtINT
  w.u16v(0);         // polarity and trigger: conforming to the bus
  w.u8v(0);          // source bus ID (ISA)
  w.u8v(src_irq);
  w.u8v(dst_id);     // I/O APIC ID, or 0xFF for all local APICs
  w.u8v(dst_pin);
}

}  // namespace

std::vector<u8> build_mp_tables(u32 base, const MpTableParams& p) {
  Writer w;
  // Floating pointer structure (MP spec 4.1)
  w.text("_MP_", 4);
  w.u32v(base + 16);  // physical address of the configuration table
  w.u8v(1);           // length in 16-byte units
  w.u8v(4);           // spec revision 1.4
  w.u8v(0);           // checksum (below)
  for (int k = 0; k < 5; ++k) w.u8v(0);  // feature bytes: 0 = a configuration table exists
  // Configuration table header (MP spec 4.2)
  size_t header = w.size();
  w.text("PCMP", 4);
  w.u16v(0);  // base table length (below)
  w.u8v(4);   // revision
  w.u8v(0);   // checksum (below)
  w.text("VMLAB", 8);
  w.text("PC", 12);
  w.u32v(0);  // OEM table pointer
  w.u16v(0);  // OEM table size
  w.u16v(0);  // entry count (below)
  w.u32v(p.lapic_address);
  w.u16v(0);  // extended table length
  w.u8v(0);   // extended table checksum
  w.u8v(0);   // reserved
  u16 entries = 0;
  // Processor entry (4.3.1): APIC ID 0, enabled, bootstrap processor
  w.u8v(0);
  w.u8v(0);
  w.u8v(p.apic_version);
  w.u8v(0x03);  // EN | BP
  w.u32v(p.cpu_signature);
  w.u32v(p.cpu_features);
  w.u32v(0);
  w.u32v(0);
  ++entries;
  // Bus entry (4.3.2): bus 0 is ISA
  w.u8v(1);
  w.u8v(0);
  w.text("ISA", 6);
  ++entries;
  // I/O APIC entry (4.3.3)
  w.u8v(2);
  w.u8v(p.ioapic_id);
  w.u8v(p.ioapic_version);
  w.u8v(0x01);  // enabled
  w.u32v(p.ioapic_address);
  ++entries;
  // I/O interrupt assignments (4.3.4): ISA IRQs 0-15 except the cascade (2)
  for (u8 irq = 0; irq < 16; ++irq) {
    if (irq == 2) continue;
    interrupt_entry(w, 3, 0, irq, p.ioapic_id, u8(isa_irq_to_ioapic_pin(irq)));
    ++entries;
  }
  // 8259 INTR on pin 0 as ExtINT, the way virtual wire mode B is described
  interrupt_entry(w, 3, 3, 0, p.ioapic_id, 0);
  ++entries;
  // Local interrupt assignments (4.3.5): ExtINT on LINT0, NMI on LINT1 of every CPU
  interrupt_entry(w, 4, 3, 0, 0xFF, 0);
  interrupt_entry(w, 4, 1, 0, 0xFF, 1);
  entries += 2;

  std::vector<u8>& b = w.bytes();
  u16 length = u16(b.size() - header);
  b[header + 4] = u8(length);
  b[header + 5] = u8(length >> 8);
  b[header + 34] = u8(entries);
  b[header + 35] = u8(entries >> 8);
  fix_checksum(b, header, length, header + 7);
  fix_checksum(b, 0, 16, 10);
  return b;
}

}  // namespace vmlab
