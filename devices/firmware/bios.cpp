// The firmware ROM image, POST, and the service-port dispatch.
#include "devices/firmware/bios.h"

#include <cstring>

#include "core/bus.h"
#include "core/counters.h"
#include "core/physical_memory.h"
#include "cpu/cpu.h"
#include "devices/firmware/mp_table.h"

namespace vmlab {

using namespace bios;

namespace {

// The service stub (bios_layout.h): push ax; mov al,V; out 0xEB,al; pop ax; jc wait;
// iret; wait: sti; hlt; jmp start.
void put_service_stub(std::vector<u8>& rom, u8 vector) {
  const u8 code[] = {0x50, 0xB0, vector, 0xE6, u8(kServicePort), 0x58, 0x72, 0x01, 0xCF,
                     0xFB, 0xF4, 0xEB, 0xF3};
  std::memcpy(&rom[stub_offset(vector)], code, sizeof code);
}

// Hardware interrupt handlers. IRQ 0 counts the tick and calls INT 1Ch; IRQ 1 reads the
// scancode; the others only acknowledge the 8259(s).
void put_irq_stub(std::vector<u8>& rom, u8 vector, unsigned irq) {
  std::vector<u8> code = {0x50};  // push ax
  if (irq == 0) code.insert(code.end(), {0xB0, 0x08, 0xE6, u8(kServicePort), 0xCD, 0x1C});
  if (irq == 1) code.insert(code.end(), {0xB0, 0x09, 0xE6, u8(kServicePort)});
  code.insert(code.end(), {0xB0, 0x20});                 // mov al, 20h (non-specific EOI)
  if (irq >= 8) code.insert(code.end(), {0xE6, 0xA0});   // out A0h, al
  code.insert(code.end(), {0xE6, 0x20, 0x58, 0xCF});     // out 20h, al; pop ax; iret
  std::memcpy(&rom[stub_offset(vector)], code.data(), code.size());
}

constexpr u8 kServiceVectors[] = {0x10, 0x11, 0x12, 0x13, 0x15, 0x16, 0x18, 0x19, 0x1A};

}  // namespace

Bios::Bios(Bus& bus, PhysicalMemory& memory, Cpu& cpu, Counters& counters)
    : m_bus(bus), m_memory(memory), m_cpu(cpu), m_counters(counters) {
  m_calls = &counters.device("bios.calls");
  m_rejected = &counters.device("bios.rejected_calls");
}

void Bios::build_rom() {
  m_rom.assign(kSize, 0);
  m_rom[kDefaultHandler] = 0xCF;  // iret
  for (u8 v : kServiceVectors) put_service_stub(m_rom, v);
  for (unsigned irq = 0; irq < 16; ++irq) put_irq_stub(m_rom, u8(irq < 8 ? 0x08 + irq : 0x70 + irq - 8), irq);
  const u8 post[] = {0xB0, kPostService, 0xE6, u8(kServicePort), 0xF4, 0xEB, 0xFD};  // ...; hlt; jmp $-1
  std::memcpy(&m_rom[kPostEntry], post, sizeof post);
  const u8 reset[] = {0xEA, u8(kPostEntry), u8(kPostEntry >> 8), u8(kSegment), u8(kSegment >> 8)};
  std::memcpy(&m_rom[kResetVector], reset, sizeof reset);
  std::memcpy(&m_rom[0xFFF5], "11/21/26", 8);
  m_rom[0xFFFE] = 0xFC;  // model: AT
  // INT 15h AH=C0h system configuration table: length, model, submodel, revision, features
  const u8 config[] = {8, 0, 0xFC, 0x00, 0x01, 0x70, 0x00, 0x00, 0x00, 0x00};
  std::memcpy(&m_rom[kConfigTableOffset], config, sizeof config);
  MpTableParams mp;
  mp.cpu_signature = Cpu::kCpuSignature;
  std::vector<u8> tables = build_mp_tables(kBase + kMpOffset, mp);
  std::memcpy(&m_rom[kMpOffset], tables.data(), tables.size());
}

// RAM up to the EBDA, the EBDA and ROM area reserved, RAM above 1 MiB, then the APIC
// windows and the top-of-4-GiB ROM alias.
void Bios::build_memory_map() {
  u64 ram = m_memory.guest_size();
  m_e820 = {{0, kEbda, 1}, {kEbda, 0xA0000 - kEbda, 2}, {0xF0000, 0x10000, 2}};
  if (ram > 0x100000) m_e820.push_back({0x100000, ram - 0x100000, 1});
  m_e820.push_back({0xFEC00000, 0x1000, 2});
  m_e820.push_back({0xFEE00000, 0x1000, 2});
  m_e820.push_back({kTopAlias, kSize, 2});
}

void Bios::install() {
  build_rom();
  build_memory_map();
  m_memory.write(kBase, m_rom.data(), kSize);
  m_bus.map_mmio(kTopAlias, kSize, "bios-rom", [this](IoAccess& a) {
    if (a.is_write) return;  // ROM
    u32 v = 0;
    for (unsigned k = 0; k < a.size && a.addr + k < kSize; ++k) v |= u32(m_rom[a.addr + k]) << (8 * k);
    a.data = v;
  });
  m_bus.map_ports(kServicePort, 1, "bios", [this](IoAccess& a) {
    if (a.is_write) service_port_write(u8(a.data));
    else a.data = 0xFF;
  });
}

// A stub wrote the service port. Only code in our ROM, in real mode, may call.
void Bios::service_port_write(u8 vector) {
  if (m_cpu.protected_mode() || m_cpu.seg(CS).selector != kSegment) {
    ++*m_rejected;
    return;
  }
  ++*m_calls;
  if (vector == kPostService) return post();
  if (vector == 0x08) return timer_tick();
  if (vector == 0x09) return keyboard_irq();
  Call c{};
  c.vector = vector;
  c.ss = m_cpu.seg(SS).selector;
  c.sp = u16(m_cpu.reg(ESP));
  u32 frame = Call::real(c.ss, c.sp);
  c.eax = (m_cpu.reg(EAX) & 0xFFFF0000u) | read16(frame + kFrameAx);
  c.ebx = m_cpu.reg(EBX), c.ecx = m_cpu.reg(ECX), c.edx = m_cpu.reg(EDX);
  c.esi = m_cpu.reg(ESI), c.edi = m_cpu.reg(EDI);
  c.ds = m_cpu.seg(DS).selector, c.es = m_cpu.seg(ES).selector;
  dispatch(c);
  if (c.redirected) return;
  u32 live = m_cpu.get_eflags();
  m_cpu.set_eflags(c.wait ? live | EFLAGS_CF : live & ~EFLAGS_CF);
  if (c.wait) return;  // the stub restores the caller's AX, waits, and calls again
  write16(frame + kFrameAx, u16(c.eax));
  m_cpu.set_reg(EAX, (c.eax & 0xFFFF0000u) | (m_cpu.reg(EAX) & 0xFFFF));
  m_cpu.set_reg(EBX, c.ebx), m_cpu.set_reg(ECX, c.ecx), m_cpu.set_reg(EDX, c.edx);
  m_cpu.set_reg(ESI, c.esi), m_cpu.set_reg(EDI, c.edi);
  m_cpu.load_segment_real(ES, c.es);
  u16 flags = read16(frame + kFrameFlags);
  flags = u16(c.carry_out ? flags | EFLAGS_CF : flags & ~EFLAGS_CF);
  if (c.set_zero) flags = u16(c.zero_out ? flags | EFLAGS_ZF : flags & ~EFLAGS_ZF);
  write16(frame + kFrameFlags, flags);
}

void Bios::dispatch(Call& c) {
  switch (c.vector) {
    case 0x10: return video_service(c);
    case 0x11: c.eax = (c.eax & ~0xFFFFu) | read16(BDA_EQUIPMENT); return;
    case 0x12: c.eax = (c.eax & ~0xFFFFu) | read16(BDA_BASE_MEMORY_KB); return;
    case 0x13: return disk_service(c);
    case 0x15: return system_service(c);
    case 0x16: return keyboard_service(c);
    case 0x18:
      if (m_message) m_message("no bootable disk and no ROM BASIC (INT 18h): give a bootable image with --disk");
      [[fallthrough]];
    case 0x19: return boot(&c);
    case 0x1A: return time_service(c);
    default: ++m_counters.device("bios.unknown_services"); return;
  }
}

// ---- physical memory and ports ----

u8 Bios::read8(u32 p) { return m_memory.contains(p, 1) ? *m_memory.host_ptr(p) : u8(m_bus.mmio_read(p, 1)); }
u16 Bios::read16(u32 p) { return u16(read8(p) | (read8(p + 1) << 8)); }
u32 Bios::read32(u32 p) { return read16(p) | (u32(read16(p + 2)) << 16); }
void Bios::write8(u32 p, u8 v) {
  if (m_memory.contains(p, 1)) m_memory.write(p, &v, 1);
  else m_bus.mmio_write(p, v, 1);
}
void Bios::write16(u32 p, u16 v) {
  write8(p, u8(v));
  write8(p + 1, u8(v >> 8));
}
void Bios::write32(u32 p, u32 v) {
  write16(p, u16(v));
  write16(p + 2, u16(v >> 16));
}
u64 Bios::ram_size() const { return m_memory.guest_size(); }
u8 Bios::in8(u16 port) { return u8(m_bus.port_read(port, 1)); }
void Bios::out8(u16 port, u8 v) { m_bus.port_write(port, v, 1); }

}  // namespace vmlab
