#include "devices/pci.h"

#include <stdexcept>
#include <string>

namespace vmlab {

PciBus::PciBus(Counters& counters)
    : m_config_reads(counters.device("pci.config_reads")),
      m_config_writes(counters.device("pci.config_writes")) {}

// 0xCF9-0xCFB stay unclaimed: see the header on why only 0xCF8 is needed.
void PciBus::attach(Bus& bus) {
  auto callback = [this](IoAccess& a) { io(a); };
  bus.map_ports(CONFIG_ADDRESS, 1, "pci", callback);
  bus.map_ports(CONFIG_DATA, 4, "pci", callback);
}

void PciBus::reset() {
  m_config_address = 0;
  for (auto& fn : m_functions) {
    if (fn) fn->reset();
  }
}

void PciBus::add(unsigned device, unsigned function, std::unique_ptr<PciFunction> fn) {
  std::string slot_name = std::to_string(device) + "." + std::to_string(function);
  if (device >= kDevices || function >= kFunctions || !fn)
    throw std::logic_error("bad PCI slot or function " + slot_name);
  auto& slot = m_functions[device * kFunctions + function];
  if (slot) throw std::logic_error("PCI slot " + slot_name + " is taken");
  slot = std::move(fn);
  mark_multifunction(device);
}

PciFunction* PciBus::function(unsigned device, unsigned function) const {
  if (device >= kDevices || function >= kFunctions) return nullptr;
  return m_functions[device * kFunctions + function].get();
}

// Header Type bit 7 of function 0 is how enumeration learns that functions 1-7 may
// exist; without it, software stops probing the device after function 0.
void PciBus::mark_multifunction(unsigned device) {
  PciFunction* fn0 = function(device, 0);
  if (!fn0) return;
  for (unsigned f = 1; f < kFunctions; ++f) {
    if (function(device, f)) {
      fn0->set_multifunction();
      return;
    }
  }
}

void PciBus::io(IoAccess& access) {
  if (access.addr == CONFIG_ADDRESS) {
    access_config_address(access);
  } else {
    access_config_data(access);
  }
}

// Only a dword access is CONFIG_ADDRESS; anything narrower falls through to the
// bus as an ordinary I/O cycle, which nobody claims (open bus).
void PciBus::access_config_address(IoAccess& access) {
  if (access.size != 4) {
    if (!access.is_write) access.data = 0xFFFFFFFFu;
    return;
  }
  if (access.is_write) {
    m_config_address = access.data & CONFIG_ADDRESS_MASK;
  } else {
    access.data = m_config_address;
  }
}

// The function CONFIG_ADDRESS selects, or nullptr when the cycle master-aborts
// (a bus other than 0 or an empty slot).
PciFunction* PciBus::addressed_function() const {
  u32 bus = (m_config_address >> 16) & 0xFF;
  u32 device = (m_config_address >> 11) & 0x1F;
  u32 function_number = (m_config_address >> 8) & 0x7;
  return bus == 0 ? function(device, function_number) : nullptr;
}

// Byte n of CONFIG_DATA is byte n of the selected dword. A wide access that starts
// past 0xCFC reaches only the CONFIG_DATA bytes it covers; its bytes beyond 0xCFF are
// not configuration space and read as all ones.
void PciBus::access_config_data(IoAccess& access) {
  if (!(m_config_address & CONFIG_ADDRESS_ENABLE)) {
    if (!access.is_write) access.data = 0xFFFFFFFFu;
    return;
  }
  u32 lane = (access.addr - CONFIG_DATA) & 3;
  unsigned size = access.size < 4 - lane ? access.size : 4 - lane;
  u32 offset = (m_config_address & 0xFC) + lane;
  PciFunction* fn = addressed_function();
  if (access.is_write) {
    ++m_config_writes;
    if (fn) fn->config_write(offset, access.data, size);
    return;
  }
  ++m_config_reads;
  u32 beyond = size < 4 ? 0xFFFFFFFFu << (8 * size) : 0;
  access.data = (fn ? fn->config_read(offset, size) : 0xFFFFFFFFu) | beyond;
}

}  // namespace vmlab
