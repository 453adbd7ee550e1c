// vmlab's PC firmware: POST, the BIOS data area, the IVT, MP and E820 tables, and the
// classic BIOS services (INT 10h, 11h, 12h, 13h, 15h, 16h, 18h, 19h, 1Ah) plus the
// IRQ 0/1 handlers, for boot loaders and real-mode code that expect a PC BIOS.
//
// The ROM holds only tiny stubs (bios_layout.h); each service runs here, in the host, when
// its stub writes the service port. The host side drives the devices through the Bus
// with the same port accesses a real BIOS makes (8259 and 8254 programming, IDE PIO for
// INT 13h, the CRTC and text memory for INT 10h, CMOS for INT 1Ah), so the firmware
// needs no knowledge of the device classes and its device traffic shows up in the
// counters and traces like anybody else's.
//
// Files: bios.cpp (ROM, POST, dispatch), bios_video.cpp, bios_disk.cpp,
// bios_system.cpp (INT 11h 12h 15h 16h 1Ah, IRQ 0 and 1), mp_table.cpp.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/types.h"
#include "devices/firmware/bios_layout.h"

namespace vmlab {

class Bus;
class Cpu;
class PhysicalMemory;
struct Counters;

struct E820Entry {
  u64 base;
  u64 length;
  u32 type;  // 1 usable, 2 reserved
};

class Bios {
 public:
  Bios(Bus& bus, PhysicalMemory& memory, Cpu& cpu, Counters& counters);

  // Put the ROM into the F segment (RAM) and the reset-vector alias at 0xFFFF0000, and
  // claim the service port. Call once, before the CPU is reset.
  void install();
  // Number of hard disks POST reports (BDA 0x475) and INT 13h serves (0x80, 0x81).
  void set_disk_count(unsigned count) { m_disk_count = count; }
  // Where the firmware's own messages go ("no bootable disk", ...): the CLI prints them.
  void set_message_sink(std::function<void(const std::string&)> sink) { m_message = std::move(sink); }

  const std::vector<E820Entry>& memory_map() const { return m_e820; }
  const std::vector<u8>& rom() const { return m_rom; }

  // ---- for the service files ----
  struct Call;  // the registers and frame of one service call (bios.cpp)
  void video_service(Call& c);
  void disk_service(Call& c);
  void system_service(Call& c);  // INT 15h
  void keyboard_service(Call& c);
  void time_service(Call& c);
  void timer_tick();
  void keyboard_irq();
  void post();
  void boot(Call* c);
  void teletype(u8 ch);
  // INT 13h's transfer engine: `count` sectors between the disk (0x80, 0x81) and
  // physical memory, through the IDE controller's PIO ports (bios_disk.cpp).
  bool read_sectors(u8 drive, u32 lba, u32 count, u32 phys);
  bool write_sectors(u8 drive, u32 lba, u32 count, u32 phys);

  // Physical memory and port helpers (RAM or MMIO, whichever the address is).
  u8 read8(u32 phys);
  u16 read16(u32 phys);
  u32 read32(u32 phys);
  void write8(u32 phys, u8 v);
  void write16(u32 phys, u16 v);
  void write32(u32 phys, u32 v);
  u64 ram_size() const;
  u8 in8(u16 port);
  void out8(u16 port, u8 v);

  Bus& m_bus;
  PhysicalMemory& m_memory;
  Cpu& m_cpu;
  Counters& m_counters;

 private:
  void build_rom();
  void build_memory_map();
  void service_port_write(u8 value);
  void dispatch(Call& c);

  std::vector<u8> m_rom;
  std::vector<E820Entry> m_e820;
  unsigned m_disk_count = 0;
  std::function<void(const std::string&)> m_message;
  u64* m_calls = nullptr;
  u64* m_rejected = nullptr;
};

// The registers and IRET frame of one call, as the stub left them.
struct Bios::Call {
  u8 vector;
  u32 eax, ebx, ecx, edx, esi, edi;  // EAX holds the caller's value (read from the frame)
  u16 ds, es, ss, sp;
  bool carry_out = false;   // CF in the caller's FLAGS on return (error)
  bool zero_out = false;    // ZF in the caller's FLAGS on return (INT 16h AH=01)
  bool set_zero = false;    // whether zero_out is meaningful
  bool wait = false;        // ask the stub to HLT and call again
  bool redirected = false;  // the service transferred control itself (INT 19h)

  u8 ah() const { return u8(eax >> 8); }
  u8 al() const { return u8(eax); }
  void set_ah(u8 v) { eax = (eax & ~0xFF00u) | (u32(v) << 8); }
  void set_al(u8 v) { eax = (eax & ~0xFFu) | v; }
  static u32 real(u16 seg, u16 off) { return (u32(seg) << 4) + off; }
};

}  // namespace vmlab
