#include "devices/pci_host_bridge.h"

namespace vmlab {

namespace {

constexpr u8 kClassBridge = 0x06;
constexpr u8 kSubClassHostBridge = 0x00;

}  // namespace

PciHostBridge::PciHostBridge()
    : PciFunction(PciIdentity{.vendor_id = kVendorIntel,
                              .device_id = kDevice82441fx,
                              .revision_id = kRevision,
                              .base_class = kClassBridge,
                              .sub_class = kSubClassHostBridge,
                              .prog_if = 0}) {}

}  // namespace vmlab
