#include "core/bus.h"

#include <stdexcept>

#include "core/counters.h"
#include "core/events.h"

namespace vmlab {

namespace {

constexpr u32 kPortCount = 0x10000;

// All ones in the low `size` bytes. Sizes other than 1, 2 and 4 are a caller bug
// (the CPU only issues those widths), so they fail loudly instead of being guessed at.
u32 size_mask(u8 size) {
  switch (size) {
    case 1: return 0xFFu;
    case 2: return 0xFFFFu;
    case 4: return 0xFFFFFFFFu;
    default: throw std::logic_error("bus access of size " + std::to_string(size));
  }
}

bool ranges_overlap(u64 a_base, u64 a_len, u64 b_base, u64 b_len) {
  return a_base < b_base + b_len && b_base < a_base + a_len;
}

}  // namespace

// Slot 0 of m_port_windows is the "unclaimed" entry, so a zeroed port map means
// every port is open bus and port_owner() can return its empty name.
Bus::Bus(EventStream& events, Counters& counters)
    : m_events(events), m_counters(counters), m_port_windows(1), m_port_map(kPortCount, 0) {}

// Claim ports [first, first+count) for one device. Throws std::logic_error when the
// range is empty, runs past port 0xFFFF, overlaps a claimed port, or the table of
// port windows is full: all of these are wiring bugs in the machine, not user errors.
void Bus::map_ports(u16 first, u32 count, std::string name, IoCallback callback) {
  if (count == 0 || u64{first} + count > kPortCount)
    throw std::logic_error("bad port range for " + name);
  if (m_port_windows.size() > 0xFFFF) throw std::logic_error("too many port windows");
  for (u32 port = first; port < first + count; ++port) {
    if (m_port_map[port] != 0)
      throw std::logic_error(name + " overlaps ports of " + m_port_windows[m_port_map[port]].name);
  }
  u16 index = static_cast<u16>(m_port_windows.size());
  u64* reads = &m_counters.device(name + ".port_reads");
  u64* writes = &m_counters.device(name + ".port_writes");
  m_port_windows.push_back(Window{first, count, std::move(name), std::move(callback), reads, writes});
  for (u32 port = first; port < first + count; ++port) m_port_map[port] = index;
}

// Claim physical addresses [base, base+length). Same failure rules as map_ports;
// the window may not wrap past 4 GiB.
void Bus::map_mmio(u32 base, u32 length, std::string name, IoCallback callback) {
  if (length == 0 || u64{base} + length > (1ull << 32))
    throw std::logic_error("bad MMIO range for " + name);
  for (const Window& w : m_mmio_windows) {
    if (ranges_overlap(base, length, w.base, w.length))
      throw std::logic_error(name + " overlaps the MMIO window of " + w.name);
  }
  u64* reads = &m_counters.device(name + ".mmio_reads");
  u64* writes = &m_counters.device(name + ".mmio_writes");
  m_mmio_windows.push_back(Window{base, length, std::move(name), std::move(callback), reads, writes});
}

// A 2- or 4-byte port access is delivered as ONE access to the owner of its first
// port, with addr = that first port. Real ISA buses split wide accesses into byte
// cycles, but every device we model that accepts wide accesses (e.g. PCI config data
// at 0xCFC) owns the whole range and wants the whole value, so one call is both
// simpler and what the device expects. Reads of unclaimed ports return all ones.
u32 Bus::port_read(u16 port, u8 size) {
  u32 mask = size_mask(size);
  ++m_counters.port_reads;
  u32 value = mask;
  if (u16 index = m_port_map[port]; index != 0) {
    IoAccess access{port, 0, size, false};
    ++*m_port_windows[index].reads;
    m_port_windows[index].callback(access);
    value = access.data & mask;
  } else {
    ++m_counters.port_unclaimed;
  }
  if (m_events.listening())
    m_events.emit(Event{.kind = EventKind::PortIo, .size_or_level = size, .a = port, .b = value});
  return value;
}

// Writes to unclaimed ports are dropped (and counted); see port_read for widths.
void Bus::port_write(u16 port, u32 value, u8 size) {
  value &= size_mask(size);
  ++m_counters.port_writes;
  if (u16 index = m_port_map[port]; index != 0) {
    IoAccess access{port, value, size, true};
    ++*m_port_windows[index].writes;
    m_port_windows[index].callback(access);
  } else {
    ++m_counters.port_unclaimed;
  }
  if (m_events.listening()) {
    m_events.emit(Event{.kind = EventKind::PortIo, .size_or_level = size, .flags = Event::kWrite,
                        .a = port, .b = value});
  }
}

// The window containing paddr, or nullptr. An access that starts inside a window but
// runs past its end still goes to that window: the device decides what it means.
const Bus::Window* Bus::find_mmio(u32 paddr) const {
  for (const Window& w : m_mmio_windows) {
    if (paddr - w.base < w.length) return &w;
  }
  return nullptr;
}

// Read from MMIO; the callback sees the offset of paddr in its window. Unclaimed
// addresses read as all ones.
u32 Bus::mmio_read(u32 paddr, u8 size) {
  u32 mask = size_mask(size);
  ++m_counters.mmio_reads;
  u32 value = mask;
  if (const Window* w = find_mmio(paddr)) {
    IoAccess access{paddr - w->base, 0, size, false};
    ++*w->reads;
    w->callback(access);
    value = access.data & mask;
  } else {
    ++m_counters.mmio_unclaimed;
  }
  if (m_events.listening())
    m_events.emit(Event{.kind = EventKind::Mmio, .size_or_level = size, .a = paddr, .b = value});
  return value;
}

// Write to MMIO; writes nobody claims are dropped.
void Bus::mmio_write(u32 paddr, u32 value, u8 size) {
  value &= size_mask(size);
  ++m_counters.mmio_writes;
  if (const Window* w = find_mmio(paddr)) {
    IoAccess access{paddr - w->base, value, size, true};
    ++*w->writes;
    w->callback(access);
  } else {
    ++m_counters.mmio_unclaimed;
  }
  if (m_events.listening()) {
    m_events.emit(Event{.kind = EventKind::Mmio, .size_or_level = size, .flags = Event::kWrite,
                        .a = paddr, .b = value});
  }
}

const std::string& Bus::port_owner(u16 port) const {
  return m_port_windows[m_port_map[port]].name;
}

}  // namespace vmlab
