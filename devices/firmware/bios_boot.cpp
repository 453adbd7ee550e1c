// POST (what the firmware does between the reset vector and the boot sector) and the
// INT 19h bootstrap loader.
#include <fmt/format.h>

#include "core/physical_memory.h"
#include "cpu/cpu.h"
#include "devices/firmware/bios.h"

namespace vmlab {

using namespace bios;

namespace {

// 8259A pair as every PC BIOS leaves it: vectors 08h-0Fh and 70h-77h, cascade on IR2,
// only the timer, the keyboard and the cascade unmasked.
void init_pics(Bios& b) {
  b.out8(0x20, 0x11), b.out8(0xA0, 0x11);  // ICW1: edge, cascade, ICW4 needed
  b.out8(0x21, 0x08), b.out8(0xA1, 0x70);  // ICW2: vector bases
  b.out8(0x21, 0x04), b.out8(0xA1, 0x02);  // ICW3: slave on IR2 / slave ID 2
  b.out8(0x21, 0x01), b.out8(0xA1, 0x01);  // ICW4: 8086 mode
  b.out8(0x21, 0xF8), b.out8(0xA1, 0xFF);  // OCW1: IRQ 0, 1, 2 unmasked
}

// 8254 channel 0: mode 3, count 65536: the 18.2 Hz tick of INT 08h.
void init_pit(Bios& b) {
  b.out8(0x43, 0x36);
  b.out8(0x40, 0x00);
  b.out8(0x40, 0x00);
}

void cmos_write(Bios& b, u8 index, u8 value) {
  b.out8(0x70, index);
  b.out8(0x71, value);
}

// Memory sizes in the CMOS where DOS-era software looks for them.
void init_cmos(Bios& b, u64 ram) {
  u32 ext_kb = ram > 0x100000 ? u32(std::min<u64>((ram - 0x100000) >> 10, 0xFFFF)) : 0;
  u32 above_16m = ram > 0x1000000 ? u32(std::min<u64>((ram - 0x1000000) >> 16, 0xFFFF)) : 0;
  cmos_write(b, 0x15, u8(kBaseMemoryKb + 1)), cmos_write(b, 0x16, u8((kBaseMemoryKb + 1) >> 8));
  cmos_write(b, 0x17, u8(ext_kb)), cmos_write(b, 0x18, u8(ext_kb >> 8));
  cmos_write(b, 0x30, u8(ext_kb)), cmos_write(b, 0x31, u8(ext_kb >> 8));
  cmos_write(b, 0x34, u8(above_16m)), cmos_write(b, 0x35, u8(above_16m >> 8));
  cmos_write(b, 0x0F, 0x00);  // shutdown status: normal boot
}

void init_ivt(Bios& b) {
  for (unsigned v = 0; v < 256; ++v) {
    b.write16(v * 4, kDefaultHandler);
    b.write16(v * 4 + 2, kSegment);
  }
  for (u8 v : {0x10, 0x11, 0x12, 0x13, 0x15, 0x16, 0x18, 0x19, 0x1A}) b.write16(v * 4u, stub_offset(v));
  for (unsigned irq = 0; irq < 16; ++irq) {
    unsigned v = irq < 8 ? 0x08 + irq : 0x70 + irq - 8;
    b.write16(v * 4, stub_offset(u8(v)));
  }
}

void init_bda(Bios& b, unsigned disks) {
  for (u32 a = kBda; a < kBda + 0x100; ++a) b.write8(a, 0);
  b.write16(BDA_COM1, 0x3F8);
  b.write16(BDA_EBDA_SEGMENT, u16(kEbda >> 4));
  b.write16(BDA_EQUIPMENT, 0x0020);  // 80x25 colour text; no floppy, no FPU
  b.write16(BDA_BASE_MEMORY_KB, kBaseMemoryKb);
  b.write16(BDA_KBD_HEAD, 0x1E), b.write16(BDA_KBD_TAIL, 0x1E);
  b.write16(BDA_KBD_START, 0x1E), b.write16(BDA_KBD_END, 0x3E);
  b.write8(BDA_VIDEO_MODE, 3);
  b.write16(BDA_COLUMNS, 80);
  b.write16(BDA_PAGE_SIZE, 4000);
  b.write16(BDA_CURSOR_SHAPE, 0x0607);
  b.write16(BDA_CRTC_BASE, 0x3D4);
  b.write8(BDA_HD_COUNT, u8(disks));
  b.write8(BDA_ROWS_MINUS_1, 24);
  for (u32 a = kEbda; a < 0xA0000; ++a) b.write8(a, 0);
  b.write8(kEbda, 1);  // EBDA size in KiB
}

// Leave the CPU halted with interrupts off in the POST stub's HLT loop.
void halt_in_rom(Cpu& cpu) {
  cpu.set_eflags(cpu.get_eflags() & ~EFLAGS_IF);
  cpu.continue_real_mode_at(kSegment, kPostEntry + 4);
}

}  // namespace

void Bios::post() {
  init_bda(*this, m_disk_count);
  init_ivt(*this);
  init_pics(*this);
  init_pit(*this);
  init_cmos(*this, m_memory.guest_size());
  Call video{};
  video.eax = 0x0003;  // INT 10h AH=00h: 80x25 text, clear the screen
  video_service(video);
  out8(0x92, u8(in8(0x92) | 0x02));  // A20 on, as modern firmware leaves it
  boot(nullptr);
}

// INT 19h: read sector 0 of the first hard disk to 0000:7C00 and jump to it with
// DL = 80h, after checking the 55h AAh boot signature.
void Bios::boot(Call* c) {
  if (c) c->redirected = true;
  if (m_disk_count == 0) {
    if (m_message) m_message("firmware: no disk to boot from: give a bootable disk image with --disk FILE");
    return halt_in_rom(m_cpu);
  }
  if (!read_sectors(0x80, 0, 1, 0x7C00)) {
    if (m_message) m_message("firmware: cannot read sector 0 of the first disk");
    return halt_in_rom(m_cpu);
  }
  if (read16(0x7DFE) != 0xAA55) {
    if (m_message)
      m_message(fmt::format("firmware: the first disk is not bootable: sector 0 ends with {:02x} {:02x}, "
                            "not 55 aa",
                            read8(0x7DFE), read8(0x7DFF)));
    return halt_in_rom(m_cpu);
  }
  for (SegReg s : {DS, ES, SS, FS, GS}) m_cpu.load_segment_real(s, 0);
  for (Reg r : {EAX, EBX, ECX, ESI, EDI, EBP}) m_cpu.set_reg(r, 0);
  m_cpu.set_reg(EDX, 0x80);
  m_cpu.set_reg(ESP, 0x7C00);
  m_cpu.set_eflags(EFLAGS_FIXED1 | EFLAGS_IF);
  m_cpu.continue_real_mode_at(0, 0x7C00);
}

}  // namespace vmlab
