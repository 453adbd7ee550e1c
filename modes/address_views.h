// One address in the three spaces a virtualized guest has: guest-virtual (what its code
// uses), guest-physical (what its page tables name) and host-physical (where the bytes
// are in the emulated machine's memory). Debug views show them side by side so that a
// student can type an address in one and see it in the others (visualizer's memory tab).
#pragma once
#include <optional>
#include <string>

#include "core/types.h"

namespace vmlab {

class Machine;

enum class AddressSpace : u8 { GuestVirtual, GuestPhysical, HostPhysical };

struct AddressViews {
  std::optional<u32> guest_virtual;   // only when the address was given as one
  std::optional<u32> guest_physical;
  std::optional<u32> host_physical;   // where to read the bytes, when they are RAM
  std::string note;                   // why a view is missing, in a few words
};

// Resolve `address` given in `space`. Natively guest-physical and host-physical are the
// same; under a monitor guest RAM is the memslot at host-physical 0 and the monitor's own
// memory lies above it, visible only as host-physical.
AddressViews resolve_address(Machine& machine, AddressSpace space, u32 address);

const char* address_space_name(AddressSpace space);

// `size` bytes (1 to 4) at guest-virtual `linear`, little-endian, read through the
// guest's own tables (resolve_address) without side effects: no accessed bits, no
// faults, no events. Each page the bytes touch is translated on its own.
struct GuestValue {
  u32 value = 0;
  u32 guest_physical = 0;  // where the first byte is (the host-physical address for a
                           // host-physical read of the monitor's own memory)
  u32 host_physical = 0;   // where its bytes are: the same bytes as long as this holds
};
// `size` bytes (1 to 4) at `address` in `space`, little-endian, without side effects.
// Each page the bytes touch is resolved on its own (resolve_address). nullopt when a
// byte does not map (guest-virtual) or is not RAM.
std::optional<GuestValue> read_value(Machine& machine, AddressSpace space, u32 address, u32 size);
// read_value in the guest-virtual space: through the guest's own tables.
std::optional<GuestValue> read_guest_virtual(Machine& machine, u32 linear, u32 size);

}  // namespace vmlab
