// The PC platform: every device of the machine, wired as on a PC of the late 1990s.
//
//   CPU INTR <- InterruptFabric <- 8259A pair (ISA IRQ 0-15)     <- devices (IrqLine)
//                               <- local APIC <- I/O APIC (pins)  <-'   (IrqRouter fans out)
//
//   ports: 20/A0 PIC, 40-43 + 61 PIT, 60/64 i8042, 70/71 CMOS, 80 POST, 92 A20/reset,
//          1F0-1F7 + 3F6 IDE, 3F8 COM1, 3B4-3DA VGA, CF8/CFC PCI, 22/23 IMCR, E9 debugcon,
//          E0-E7 test device, EB firmware service, F4 exit
//   MMIO:  A0000-BFFFF VGA, FEC00000 I/O APIC, FEE00000 local APIC, FFFF0000 firmware ROM
//
// The platform owns the devices and their wiring; the Machine owns the platform. Nothing
// here runs on its own: devices act when the CPU touches them or when their timers fire
// from the Machine's run loop.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/irq.h"
#include "cpu/cpu.h"
#include "devices/cmos_rtc.h"

namespace vmlab {

class Bus;
class PhysicalMemory;
class VirtualClock;
class EventQueue;
class EventStream;
struct Counters;
class ByteSource;
class PicPair;
class Pit8254;
class Uart16550;
class I8042;
class SystemPorts;
class VgaText;
class PciBus;
class IdeChannel;
class DiskImage;
class LocalApic;
class Ioapic;
class Imcr;
class Bios;
class RomImage;

struct DiskSpec {
  std::string path;
  bool write_through = false;  // default: writes go to a copy-on-write overlay
};

struct PlatformConfig {
  std::function<void(u8)> com1_output;
  ByteSource* com1_input = nullptr;  // host bytes typed into COM1 (stdin), or none
  std::vector<DiskSpec> disks;       // primary master, then slave
  RtcConfig rtc;
  std::string bios_path;             // a replacement firmware ROM (--bios), or "" for vmlab's
};

class PcPlatform : public IrqSink {
 public:
  PcPlatform(Bus& bus, PhysicalMemory& memory, Cpu& cpu, Counters& counters, EventStream& events,
             VirtualClock& clock, EventQueue& timers, const PlatformConfig& config);
  ~PcPlatform() override;

  // RESET# to every device (a warm reset also resets the CPU; the Machine does that).
  void reset();
  // ISA interrupt request lines 0-15: to the 8259 pair and the I/O APIC at once.
  void set_irq(unsigned line, bool level) override;

  // Called when the guest resets the machine (keyboard controller 0xFE, port 92h).
  std::function<void()> on_reset_request;

  Bios& bios() { return *m_bios; }
  VgaText& vga() { return *m_vga; }
  Uart16550& com1() { return *m_com1; }
  PicPair& pic() { return *m_pic; }
  LocalApic& lapic() { return *m_lapic; }
  Ioapic& ioapic() { return *m_ioapic; }
  IdeChannel& ide() { return *m_ide; }
  CmosRtc& rtc() { return *m_rtc; }
  I8042& keyboard() { return *m_i8042; }
  unsigned disk_count() const { return unsigned(m_disks.size()); }

 private:
  class Fabric;
  void wire_interrupts();
  void update_a20();

  Bus& m_bus;
  Cpu& m_cpu;
  Counters& m_counters;
  EventStream& m_events;
  std::vector<std::unique_ptr<DiskImage>> m_disks;
  std::unique_ptr<PicPair> m_pic;
  std::unique_ptr<LocalApic> m_lapic;
  std::unique_ptr<Ioapic> m_ioapic;
  std::unique_ptr<Imcr> m_imcr;
  std::unique_ptr<Fabric> m_fabric;
  std::unique_ptr<Pit8254> m_pit;
  std::unique_ptr<CmosRtc> m_rtc;
  std::unique_ptr<I8042> m_i8042;
  std::unique_ptr<SystemPorts> m_system_ports;
  std::unique_ptr<Uart16550> m_com1;
  std::unique_ptr<VgaText> m_vga;
  std::unique_ptr<PciBus> m_pci;
  std::unique_ptr<IdeChannel> m_ide;
  std::unique_ptr<Bios> m_bios;
  std::unique_ptr<RomImage> m_rom;  // --bios: replaces the firmware's ROM
  bool m_line_level[16] = {};
  u64* m_line_raises[16] = {};
  bool m_kbc_a20 = true, m_port92_a20 = false;
};

}  // namespace vmlab
