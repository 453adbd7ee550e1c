// The Bus: port I/O and MMIO dispatch with one callback shape.
//
// Every device register access, port or memory-mapped, arrives as an IoAccess
// (address, data, size, is_write), the kvmtool shape. Port lookup is one table index
// (65536 entries); MMIO lookup is a short linear scan over the registered windows,
// which is fine because RAM accesses never reach the Bus (the CPU's TLB maps RAM
// pages to host pointers and only sends non-RAM physical addresses here).
//
// Unclaimed ports and addresses behave as open bus: reads return all ones, writes
// are dropped. Both are counted.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/types.h"

namespace vmlab {

class EventStream;
struct Counters;

struct IoAccess {
  u32 addr;       // port number, or offset from the start of the MMIO window
  u32 data;       // value written, or where a read puts its value (low `size` bytes)
  u8 size;        // 1, 2 or 4
  bool is_write;
};

using IoCallback = std::function<void(IoAccess&)>;

class Bus {
 public:
  Bus(EventStream& events, Counters& counters);

  // Claim ports [first, first+count). Throws std::logic_error on overlap (a wiring bug).
  void map_ports(u16 first, u32 count, std::string name, IoCallback callback);
  // Claim physical addresses [base, base+length) for MMIO.
  void map_mmio(u32 base, u32 length, std::string name, IoCallback callback);

  // A 2- or 4-byte port access is ONE access to the owner of `port` (addr = port), not
  // split per port: a device owning ports [0xCFC, 0xCFF] sees a 32-bit access at 0xCFC.
  // Reads and writes are masked to `size` bytes; unclaimed reads return all ones.
  // Reads and writes count in port_reads / port_writes; open-bus ones also in port_unclaimed.
  u32 port_read(u16 port, u8 size);
  void port_write(u16 port, u32 value, u8 size);
  // paddr is a full physical address; the callback sees the offset in its window.
  u32 mmio_read(u32 paddr, u8 size);
  void mmio_write(u32 paddr, u32 value, u8 size);

  // Name of the device owning a port, or "" (debug views, traces).
  const std::string& port_owner(u16 port) const;

 private:
  struct Window {
    u32 base;
    u32 length;
    std::string name;
    IoCallback callback;
    u64* reads = nullptr;   // Counters::devices["<name>.port_reads"] (or mmio_reads)
    u64* writes = nullptr;  // Counters::devices["<name>.port_writes"] (or mmio_writes)
  };
  const Window* find_mmio(u32 paddr) const;

  EventStream& m_events;
  Counters& m_counters;
  std::vector<Window> m_port_windows;  // index 0 is "unclaimed"
  std::vector<u16> m_port_map;         // port -> index into m_port_windows
  std::vector<Window> m_mmio_windows;
};

}  // namespace vmlab
