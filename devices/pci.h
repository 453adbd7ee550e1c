// PCI bus 0 and configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2).
//
// Software reaches a function's configuration space through two ports:
//
//   CONFIG_ADDRESS (0xCF8, 32 bits)
//    31     30-24      23-16   15-11    10-8       7-2       1-0
//   +------+----------+-------+--------+----------+---------+----+
//   |enable| reserved | bus   | device | function | register| 00 |
//   +------+----------+-------+--------+----------+---------+----+
//
//   CONFIG_DATA (0xCFC-0xCFF): the dword `register` of the addressed function; a byte
//   or word access at 0xCFC + n reaches byte n of it.
//
// Only a 32-bit access to 0xCF8 touches CONFIG_ADDRESS. A byte or word access there
// is, by the spec, an ordinary I/O cycle that the host bridge passes on: here nobody
// else claims port 0xCF8, so it reads all ones and writes go nowhere. Ports 0xCF9-0xCFB
// are not claimed at all, so byte registers there (the PIIX reset control register at
// 0xCF9) can belong to another device. The reserved bits and bits 1-0 read as 0.
//
// With the enable bit clear, CONFIG_DATA is an ordinary (unclaimed) port as well. With it
// set, an access to a bus other than 0 (there are no PCI-to-PCI bridges) or to an empty
// device/function slot ends in master abort: reads return all ones, writes are dropped.
//
// Counters: "pci.config_reads" and "pci.config_writes" count CONFIG_DATA accesses made
// with the enable bit set, whether or not a function answered.
#pragma once
#include <array>
#include <memory>

#include "core/bus.h"
#include "core/counters.h"
#include "devices/pci_function.h"

namespace vmlab {

class PciBus {
 public:
  static constexpr u16 CONFIG_ADDRESS = 0xCF8;
  static constexpr u16 CONFIG_DATA = 0xCFC;
  static constexpr u32 CONFIG_ADDRESS_ENABLE = 0x80000000u;
  static constexpr u32 CONFIG_ADDRESS_MASK = 0x80FFFFFCu;  // the bits that latch
  static constexpr unsigned kDevices = 32;
  static constexpr unsigned kFunctions = 8;

  explicit PciBus(Counters& counters);

  // Claims port 0xCF8 and ports 0xCFC-0xCFF under the name "pci".
  void attach(Bus& bus);
  // CONFIG_ADDRESS to 0 and every function to its power-on header.
  void reset();
  // Plugs `fn` in at device:function of bus 0. When a device gets a second function,
  // function 0 is marked multi-function so enumeration looks past it. Throws
  // std::logic_error for a taken or out-of-range slot or a null function.
  void add(unsigned device, unsigned function, std::unique_ptr<PciFunction> fn);
  // The function at device:function, or nullptr (firmware and debug views).
  PciFunction* function(unsigned device, unsigned function) const;
  u32 config_address() const { return m_config_address; }

  // Bus callback for 0xCF8 and 0xCFC-0xCFF.
  void io(IoAccess& access);

 private:
  void access_config_address(IoAccess& access);
  void access_config_data(IoAccess& access);
  PciFunction* addressed_function() const;
  void mark_multifunction(unsigned device);

  std::array<std::unique_ptr<PciFunction>, kDevices * kFunctions> m_functions;
  u32 m_config_address = 0;
  u64& m_config_reads;
  u64& m_config_writes;
};

}  // namespace vmlab
