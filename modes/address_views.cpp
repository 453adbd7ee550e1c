#include "modes/address_views.h"

#include "core/machine.h"
#include "modes/monitor.h"

namespace vmlab {
namespace {

// Guest-physical to host-physical: RAM of the guest's slot, or nothing (device memory,
// beyond its RAM).
std::optional<u32> host_of(Machine& machine, u32 gpa, std::string& note) {
  PhysicalMemory& memory = machine.memory();
  if (gpa < memory.guest_size() && memory.contains(gpa, 1)) return gpa;
  note = gpa < memory.guest_size() ? "device memory (not RAM)" : "beyond the guest's RAM: device space";
  return std::nullopt;
}

}  // namespace

const char* address_space_name(AddressSpace space) {
  switch (space) {
    case AddressSpace::GuestVirtual: return "guest-virtual";
    case AddressSpace::GuestPhysical: return "guest-physical";
    case AddressSpace::HostPhysical: return "host-physical";
  }
  return "?";
}

AddressViews resolve_address(Machine& machine, AddressSpace space, u32 address) {
  AddressViews v;
  switch (space) {
    case AddressSpace::GuestVirtual: {
      v.guest_virtual = address;
      u32 gpa;
      bool mapped = machine.monitor() ? machine.monitor()->translate_guest(address, gpa)
                                      : machine.cpu().debug_translate(address, gpa);
      if (!mapped) {
        v.note = "not mapped by the guest's page tables";
        return v;
      }
      v.guest_physical = gpa;
      v.host_physical = host_of(machine, gpa, v.note);
      return v;
    }
    case AddressSpace::GuestPhysical:
      v.guest_physical = address;
      v.host_physical = host_of(machine, address, v.note);
      return v;
    case AddressSpace::HostPhysical: {
      PhysicalMemory& memory = machine.memory();
      if (!memory.contains(address, 1)) {
        v.note = "not RAM";
        return v;
      }
      v.host_physical = address;
      if (address < memory.guest_size())
        v.guest_physical = address;
      else
        v.note = "the monitor's own memory: no guest address reaches it";
      return v;
    }
  }
  return v;
}

std::optional<GuestValue> read_value(Machine& machine, AddressSpace space, u32 address, u32 size) {
  GuestValue result;
  std::optional<u32> host;
  for (u32 i = 0; i < size; ++i) {
    u32 at = address + i;
    if (i == 0 || (at & 0xFFF) == 0) {  // a new page: its own translation
      AddressViews v = resolve_address(machine, space, at);
      if (!v.host_physical) return std::nullopt;
      if (i == 0) {
        result.guest_physical = v.guest_physical.value_or(*v.host_physical);
        result.host_physical = *v.host_physical;
      }
      host = v.host_physical;
    } else {
      ++*host;
    }
    result.value |= u32(machine.memory().data()[*host]) << (8 * i);
  }
  return result;
}

std::optional<GuestValue> read_guest_virtual(Machine& machine, u32 linear, u32 size) {
  return read_value(machine, AddressSpace::GuestVirtual, linear, size);
}

}  // namespace vmlab
