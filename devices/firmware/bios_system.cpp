// INT 15h (system services: memory map, A20, extended memory), INT 16h (keyboard),
// INT 1Ah (time of day and the RTC), and the IRQ 0 / IRQ 1 handlers behind them.
#include "core/counters.h"
#include "cpu/cpu.h"
#include "devices/firmware/bios.h"

namespace vmlab {

using namespace bios;

namespace {

constexpr u32 kSmap = 0x534D4150;  // "SMAP"
constexpr u32 kTicksPerDay = 0x1800B0;

// Set-1 make codes 02h-39h to ASCII, unshifted and shifted (US layout).
constexpr char kPlain[] = "\0\x1b" "1234567890-=\b\tqwertyuiop[]\r\0asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
constexpr char kShift[] = "\0\x1b" "!@#$%^&*()_+\b\tQWERTYUIOP{}\r\0ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 ";
constexpr u8 kShiftRight = 0x01, kShiftLeft = 0x02, kCtrl = 0x04, kAlt = 0x08, kCaps = 0x40;

u8 cmos_read(Bios& b, u8 index) {
  b.out8(0x70, index);
  return b.in8(0x71);
}

void cmos_write(Bios& b, u8 index, u8 value) {
  b.out8(0x70, index);
  b.out8(0x71, value);
}

// Wait for the end of an RTC update cycle (UIP clear) before reading the time.
void wait_rtc(Bios& b) {
  for (int i = 0; i < 10000 && (cmos_read(b, 0x0A) & 0x80); ++i) {
  }
}

// Shift-state bookkeeping for make/break codes; returns the key word to queue, or 0.
u16 translate_key(Bios& b, u8 code) {
  u8 flags = b.read8(BDA_SHIFT_FLAGS);
  bool release = code & 0x80;
  u8 make = code & 0x7F;
  u8 bit = make == 0x2A ? kShiftLeft : make == 0x36 ? kShiftRight : make == 0x1D ? kCtrl : make == 0x38 ? kAlt : 0;
  if (bit) {
    b.write8(BDA_SHIFT_FLAGS, release ? flags & ~bit : flags | bit);
    return 0;
  }
  if (release) return 0;
  if (make == 0x3A) {
    b.write8(BDA_SHIFT_FLAGS, flags ^ kCaps);
    return 0;
  }
  char ch = make < sizeof kPlain - 1 ? ((flags & (kShiftLeft | kShiftRight)) ? kShift[make] : kPlain[make]) : 0;
  if ((flags & kCaps) && ch >= 'a' && ch <= 'z') ch = char(ch - 32);
  else if ((flags & kCaps) && ch >= 'A' && ch <= 'Z') ch = char(ch + 32);
  if ((flags & kCtrl) && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) ch = char((ch & 0x1F));
  return u16((make << 8) | u8(ch));
}

// The keyboard buffer: a 16-word ring in the BDA, head and tail as offsets from 0x400.
bool kbd_empty(Bios& b) { return b.read16(BDA_KBD_HEAD) == b.read16(BDA_KBD_TAIL); }
u16 kbd_peek(Bios& b) { return b.read16(kBda + b.read16(BDA_KBD_HEAD)); }
u16 kbd_advance(Bios& b, u16 offset) {
  offset = u16(offset + 2);
  return offset >= b.read16(BDA_KBD_END) ? b.read16(BDA_KBD_START) : offset;
}
bool kbd_push(Bios& b, u16 key) {
  u16 tail = b.read16(BDA_KBD_TAIL), next = kbd_advance(b, tail);
  if (next == b.read16(BDA_KBD_HEAD)) return false;  // full
  b.write16(kBda + tail, key);
  b.write16(BDA_KBD_TAIL, next);
  return true;
}

}  // namespace

void Bios::timer_tick() {
  u32 ticks = read32(BDA_TICKS) + 1;
  if (ticks >= kTicksPerDay) {
    ticks = 0;
    write8(BDA_MIDNIGHT, 1);
  }
  write32(BDA_TICKS, ticks);
}

void Bios::keyboard_irq() {
  u16 key = translate_key(*this, in8(0x60));
  if (key && !kbd_push(*this, key)) ++m_counters.device("bios.keyboard_overflows");
}

void Bios::keyboard_service(Call& c) {
  switch (c.ah()) {
    case 0x00: case 0x10:  // read key, waiting for one
      if (kbd_empty(*this)) {
        c.wait = true;
        return;
      }
      c.eax = (c.eax & ~0xFFFFu) | kbd_peek(*this);
      write16(BDA_KBD_HEAD, kbd_advance(*this, read16(BDA_KBD_HEAD)));
      return;
    case 0x01: case 0x11:  // key available? ZF = 1 when none
      c.set_zero = true;
      c.zero_out = kbd_empty(*this);
      if (!c.zero_out) c.eax = (c.eax & ~0xFFFFu) | kbd_peek(*this);
      return;
    case 0x02: case 0x12: c.set_al(read8(BDA_SHIFT_FLAGS)); return;
    case 0x05: c.set_al(kbd_push(*this, u16(c.ecx)) ? 0 : 1); return;
    default: return;
  }
}

void Bios::time_service(Call& c) {
  auto set_cx_dx = [&](u16 cx, u16 dx) {
    c.ecx = (c.ecx & ~0xFFFFu) | cx;
    c.edx = (c.edx & ~0xFFFFu) | dx;
  };
  switch (c.ah()) {
    case 0x00: {
      u32 ticks = read32(BDA_TICKS);
      set_cx_dx(u16(ticks >> 16), u16(ticks));
      c.set_al(read8(BDA_MIDNIGHT));
      write8(BDA_MIDNIGHT, 0);
      return;
    }
    case 0x01: write32(BDA_TICKS, (u32(u16(c.ecx)) << 16) | u16(c.edx)); return;
    case 0x02:  // RTC time in BCD: CH hours, CL minutes, DH seconds, DL daylight saving
      wait_rtc(*this);
      set_cx_dx(u16((cmos_read(*this, 4) << 8) | cmos_read(*this, 2)),
                u16((cmos_read(*this, 0) << 8) | (cmos_read(*this, 0x0B) & 1)));
      c.carry_out = false;
      return;
    case 0x04:  // RTC date in BCD: CH century, CL year, DH month, DL day
      wait_rtc(*this);
      set_cx_dx(u16((cmos_read(*this, 0x32) << 8) | cmos_read(*this, 9)),
                u16((cmos_read(*this, 8) << 8) | cmos_read(*this, 7)));
      c.carry_out = false;
      return;
    case 0x03:
      cmos_write(*this, 4, u8(c.ecx >> 8)), cmos_write(*this, 2, u8(c.ecx)), cmos_write(*this, 0, u8(c.edx >> 8));
      return;
    case 0x05:
      cmos_write(*this, 0x32, u8(c.ecx >> 8)), cmos_write(*this, 9, u8(c.ecx));
      cmos_write(*this, 8, u8(c.edx >> 8)), cmos_write(*this, 7, u8(c.edx));
      return;
    default: c.carry_out = true; return;
  }
}

void Bios::system_service(Call& c) {
  u64 ram = ram_size();
  auto unsupported = [&] {
    c.set_ah(0x86);
    c.carry_out = true;
  };
  if ((c.eax & 0xFFFF) == 0xE820 && c.edx == kSmap) {
    u32 index = c.ebx;
    if (index >= m_e820.size() || c.ecx < 20) return unsupported();
    const E820Entry& e = m_e820[index];
    u32 at = Call::real(c.es, u16(c.edi));
    write32(at, u32(e.base)), write32(at + 4, u32(e.base >> 32));
    write32(at + 8, u32(e.length)), write32(at + 12, u32(e.length >> 32));
    write32(at + 16, e.type);
    c.eax = kSmap;
    c.ecx = 20;
    c.ebx = index + 1 < m_e820.size() ? index + 1 : 0;
    return;
  }
  u32 ext_kb = ram > 0x100000 ? u32((ram - 0x100000) >> 10) : 0;
  switch (c.ah()) {
    case 0x24: {  // A20 gate through port 92h
      u8 port92 = in8(0x92);
      switch (c.al()) {
        case 0x00: out8(0x92, port92 & ~0x02); break;
        case 0x01: out8(0x92, port92 | 0x02); break;
        case 0x02: c.set_al((port92 >> 1) & 1); break;
        case 0x03: c.ebx = (c.ebx & ~0xFFFFu) | 0x0003; break;  // keyboard controller and port 92h
        default: return unsupported();
      }
      c.set_ah(0);
      return;
    }
    case 0x88: c.eax = (c.eax & ~0xFFFFu) | std::min<u32>(ext_kb, 0xFFFF); return;
    case 0xE8:
      if (c.al() == 0x01) {  // E801: KiB in 1-16 MiB, 64 KiB blocks above 16 MiB
        u32 low = std::min<u32>(ext_kb, 15 * 1024);
        u32 high = ram > 0x1000000 ? u32(std::min<u64>((ram - 0x1000000) >> 16, 0xFFFF)) : 0;
        c.eax = (c.eax & ~0xFFFFu) | low, c.ecx = (c.ecx & ~0xFFFFu) | low;
        c.ebx = (c.ebx & ~0xFFFFu) | high, c.edx = (c.edx & ~0xFFFFu) | high;
        return;
      }
      return unsupported();
    case 0xC0: c.es = kSegment, c.ebx = (c.ebx & ~0xFFFFu) | kConfigTableOffset, c.set_ah(0); return;
    case 0x4F: c.carry_out = true; return;             // keyboard intercept: process the key
    case 0x90: case 0x91: c.set_ah(0); return;         // device busy / interrupt complete
    default: return unsupported();
  }
}

}  // namespace vmlab
