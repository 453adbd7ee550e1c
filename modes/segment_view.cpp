#include "modes/segment_view.h"

#include <fmt/format.h>

#include "core/machine.h"
#include "cpu/descriptors.h"
#include "modes/address_views.h"
#include "modes/monitor.h"

namespace vmlab {
namespace {

// Code and data types (S = 1): the three low bits as the SDM's words, in its order.
std::string code_or_data_type(u8 type) {
  std::string s;
  if (type & 0x8) {
    s = type & 0x2 ? "code execute/read" : "code execute-only";
    if (type & 0x4) s += " conforming";
  } else {
    s = type & 0x2 ? "data read/write" : "data read-only";
    if (type & 0x4) s += " expand-down";
  }
  if (type & 0x1) s += " accessed";
  return s;
}

// System types (S = 0) on a 32-bit CPU; the others are reserved (64-bit forms).
std::string system_type(u8 type) {
  static constexpr const char* kNames[16] = {
      "reserved system type 0", "16-bit TSS (available)", "LDT",  "16-bit TSS (busy)",
      "16-bit call gate",       "task gate",              "16-bit interrupt gate", "16-bit trap gate",
      "reserved system type 8", "32-bit TSS (available)", "reserved system type 10", "32-bit TSS (busy)",
      "32-bit call gate",       "reserved system type 13", "32-bit interrupt gate", "32-bit trap gate"};
  return kNames[type & 0xF];
}

// The descriptor for `selector` in a table at guest-virtual `base` with byte limit
// `limit`, read through the guest's tables; nullopt with `note` saying why not.
std::optional<Descriptor> read_table_entry(Machine& machine, const char* table, u32 base, u32 limit,
                                           u16 selector, std::string& note) {
  u32 offset = selector_index(selector);
  if (offset + 7 > limit) {
    note = fmt::format("selector {:#06x} is beyond the guest's {} limit {:#06x}", selector, table, limit);
    return std::nullopt;
  }
  std::optional<GuestValue> lo = read_guest_virtual(machine, base + offset, 4);
  std::optional<GuestValue> hi = read_guest_virtual(machine, base + offset + 4, 4);
  if (!lo || !hi) {
    note = fmt::format("the guest's {} entry at {:#010x} is not mapped by its page tables", table, base + offset);
    return std::nullopt;
  }
  return Descriptor{lo->value, hi->value};
}

// The guest's descriptor for `selector`: from its GDT, or (TI = 1) from the LDT its
// virtual LDTR names, as the hardware would look it up.
std::optional<Descriptor> guest_descriptor(Machine& machine, const VirtualCpu& v, u16 selector, std::string& note) {
  if (!selector_ldt(selector)) {
    if (selector_index(selector) == 0) {
      note = "null selector";
      return std::nullopt;
    }
    return read_table_entry(machine, "GDT", v.gdtr.base, v.gdtr.limit, selector, note);
  }
  if (selector_index(v.ldtr) == 0) {
    note = fmt::format("selector {:#06x} names the LDT, but the guest has loaded none", selector);
    return std::nullopt;
  }
  std::optional<Descriptor> ldt = read_table_entry(machine, "GDT", v.gdtr.base, v.gdtr.limit, v.ldtr, note);
  if (!ldt) return std::nullopt;
  if (ldt->is_segment() || ldt->type() != STS_LDT) {
    note = fmt::format("the guest's LDTR {:#06x} does not name an LDT descriptor", v.ldtr);
    return std::nullopt;
  }
  return read_table_entry(machine, "LDT", ldt->base(), ldt->limit(), selector, note);
}

// The guest's column of one row: its descriptor, or why there is none.
void fill_guest(Machine& machine, const VirtualCpu& v, u16 selector, SegmentRow& row) {
  if (!(v.cr0 & CR0_PE)) {
    row.guest_note = "the guest is in real mode: base = selector x 16, no descriptor";
    return;
  }
  if (machine.cpu().v86_mode() && row.name != "LDTR" && row.name != "TR") {
    row.guest_note = "virtual-8086 mode: base = selector x 16, no descriptor";
    return;
  }
  if (std::optional<Descriptor> d = guest_descriptor(machine, v, selector, row.guest_note))
    row.guest = make_cache(selector, *d);
}

// The selector the guest believes `row` holds. The segment registers hold the guest's
// own selectors except for the RPL of CS and SS, which is the real CPL (1 where the
// guest kernel runs at 0); LDTR and TR hold the monitor's shadow tables, so the guest's
// selectors for them come from its virtual CPU.
u16 guest_selector(const SegmentRow& row, const VirtualCpu& v) {
  if (row.name == "LDTR") return v.ldtr;
  if (row.name == "TR") return v.tr;
  if (row.name == "CS" || row.name == "SS") return u16((row.real.selector & ~3u) | v.cpl);
  return row.real.selector;
}

}  // namespace

std::string segment_type_name(u8 access) {
  return access & 0x10 ? code_or_data_type(access & 0xF) : system_type(access & 0xF);
}

std::string segment_attributes(u8 access, u8 flags) {
  return fmt::format("S={} DPL={} P={} D/B={} G={}", (access >> 4) & 1, (access >> 5) & 3, access >> 7,
                     (flags >> 2) & 1, flags >> 3);
}

std::string describe_segment(const SegmentCache& c) {
  return fmt::format("{:#06x} base {:#010x} limit {:#010x} {} {}", c.selector, c.base, c.limit,
                     segment_type_name(c.access), segment_attributes(c.access, c.flags));
}

std::vector<SegmentRow> segment_rows(Machine& machine) {
  const Cpu& cpu = machine.cpu();
  std::vector<SegmentRow> rows;
  static constexpr const char* kSegs[] = {"ES", "CS", "SS", "DS", "FS", "GS"};
  for (int s = 0; s < 6; ++s) rows.push_back(SegmentRow{kSegs[s], cpu.seg(SegReg(s)), std::nullopt, ""});
  rows.push_back(SegmentRow{"LDTR", cpu.ldtr(), std::nullopt, ""});
  rows.push_back(SegmentRow{"TR", cpu.tr(), std::nullopt, ""});
  Monitor* monitor = machine.monitor();
  if (!monitor) return rows;
  const VirtualCpu& v = monitor->vcpu();
  for (SegmentRow& row : rows) fill_guest(machine, v, guest_selector(row, v), row);
  return rows;
}

}  // namespace vmlab
