// The host bridge at PCI 00:00.0: the identity of an Intel 440FX (82441FX PMC).
//
// Firmware and operating systems look for a host bridge at 00:00.0 before they trust
// configuration mechanism #1, and Linux and the BSDs recognise this one. Only the type 0
// header is modeled: vendor 0x8086, device 0x1237, revision 0x02, class 06 00 00 (bridge,
// host bridge). The chipset registers from 0x50 up (DRAM rows, PAM shadowing, SMRAM)
// read 0 and ignore writes: vmlab's memory map is fixed, so there is nothing to steer.
// The bridge has no BARs and no interrupt pin; its Command bits are hardwired 0.
#pragma once
#include "devices/pci_function.h"

namespace vmlab {

class PciHostBridge : public PciFunction {
 public:
  static constexpr u16 kVendorIntel = 0x8086;
  static constexpr u16 kDevice82441fx = 0x1237;
  static constexpr u8 kRevision = 0x02;

  PciHostBridge();
};

}  // namespace vmlab
