// INT 10h: 80x25 colour text (mode 3) on the VGA text buffer at B800:0000, with the
// hardware cursor kept in the CRTC (ports 3D4h/3D5h) and the BIOS data area. Graphics
// modes are not emulated: setting one keeps text mode and returns AL = 30h.
#include "cpu/cpu.h"
#include "devices/firmware/bios.h"

namespace vmlab {

using namespace bios;

namespace {

constexpr u32 kText = 0xB8000;
constexpr unsigned kCols = 80, kRows = 25;
constexpr u8 kDefaultAttr = 0x07;

u32 cell(unsigned row, unsigned col) { return kText + 2 * (row * kCols + col); }

void set_cursor(Bios& b, unsigned row, unsigned col) {
  b.write8(BDA_CURSOR_POS, u8(col));
  b.write8(BDA_CURSOR_POS + 1, u8(row));
  u16 pos = u16(row * kCols + col);
  b.out8(0x3D4, 0x0E), b.out8(0x3D5, u8(pos >> 8));
  b.out8(0x3D4, 0x0F), b.out8(0x3D5, u8(pos));
}

unsigned cursor_row(Bios& b) { return b.read8(BDA_CURSOR_POS + 1); }
unsigned cursor_col(Bios& b) { return b.read8(BDA_CURSOR_POS); }

// Scroll the window [top..bottom] x [left..right] up (or down) by `lines`; 0 clears it.
void scroll(Bios& b, bool up, unsigned lines, u8 attr, unsigned top, unsigned left, unsigned bottom,
            unsigned right) {
  bottom = std::min(bottom, kRows - 1), right = std::min(right, kCols - 1);
  if (top > bottom || left > right) return;
  unsigned height = bottom - top + 1;
  if (lines == 0 || lines > height) lines = height;
  for (unsigned k = 0; k < height; ++k) {
    unsigned row = up ? top + k : bottom - k;
    unsigned from = up ? row + lines : row - lines;
    bool inside = up ? from <= bottom : (row >= top + lines);
    for (unsigned col = left; col <= right; ++col)
      b.write16(cell(row, col), inside ? b.read16(cell(from, col)) : u16((attr << 8) | ' '));
  }
}

void write_chars(Bios& b, u8 ch, u8 attr, unsigned count, bool keep_attr) {
  unsigned pos = cursor_row(b) * kCols + cursor_col(b);
  for (unsigned k = 0; k < count && pos + k < kCols * kRows; ++k) {
    u32 at = kText + 2 * (pos + k);
    b.write8(at, ch);
    if (!keep_attr) b.write8(at + 1, attr);
  }
}

}  // namespace

// Teletype output: BEL ignored, BS, CR, LF, wrap at column 80, scroll at row 25.
void Bios::teletype(u8 ch) {
  unsigned row = cursor_row(*this), col = cursor_col(*this);
  switch (ch) {
    case 0x07: return;
    case 0x08: col = col ? col - 1 : 0; break;
    case '\r': col = 0; break;
    case '\n': ++row; break;
    default:
      write8(cell(row, col), ch);
      if (++col == kCols) col = 0, ++row;
  }
  if (row == kRows) {
    scroll(*this, true, 1, kDefaultAttr, 0, 0, kRows - 1, kCols - 1);
    row = kRows - 1;
  }
  set_cursor(*this, row, col);
}

void Bios::video_service(Call& c) {
  u8 bl = u8(c.ebx), bh = u8(c.ebx >> 8);
  u8 cl = u8(c.ecx), ch = u8(c.ecx >> 8), dl = u8(c.edx), dh = u8(c.edx >> 8);
  switch (c.ah()) {
    case 0x00: {  // set mode
      if (!(c.al() & 0x80)) scroll(*this, true, 0, kDefaultAttr, 0, 0, kRows - 1, kCols - 1);
      set_cursor(*this, 0, 0);
      write8(BDA_VIDEO_MODE, 3);
      c.set_al(0x30);  // what VGA BIOSes return; every mode stays 80x25 text here
      return;
    }
    case 0x01:  // cursor shape
      write8(BDA_CURSOR_SHAPE, cl), write8(BDA_CURSOR_SHAPE + 1, ch);
      out8(0x3D4, 0x0A), out8(0x3D5, ch), out8(0x3D4, 0x0B), out8(0x3D5, cl);
      return;
    case 0x02: set_cursor(*this, std::min<unsigned>(dh, kRows - 1), std::min<unsigned>(dl, kCols - 1)); return;
    case 0x03:
      c.edx = (c.edx & ~0xFFFFu) | (cursor_row(*this) << 8) | cursor_col(*this);
      c.ecx = (c.ecx & ~0xFFFFu) | read16(BDA_CURSOR_SHAPE);
      return;
    case 0x05: write8(BDA_ACTIVE_PAGE, c.al()); return;
    case 0x06: case 0x07: scroll(*this, c.ah() == 0x06, c.al(), bh, ch, cl, dh, dl); return;
    case 0x08: {
      u16 v = read16(cell(cursor_row(*this), cursor_col(*this)));
      c.eax = (c.eax & ~0xFFFFu) | v;
      return;
    }
    case 0x09: write_chars(*this, c.al(), bl, u16(c.ecx), false); return;
    case 0x0A: write_chars(*this, c.al(), 0, u16(c.ecx), true); return;
    case 0x0E: teletype(c.al()); return;
    case 0x0F: c.eax = (c.eax & ~0xFFFFu) | (kCols << 8) | read8(BDA_VIDEO_MODE); c.ebx = (c.ebx & ~0xFF00u); return;
    case 0x12:  // alternate select, BL=10h: EGA/VGA information
      if (bl == 0x10) c.ebx = (c.ebx & ~0xFFFFu) | 0x0003, c.ecx = c.ecx & ~0xFFFFu;
      return;
    case 0x13: {  // write string ES:BP, CX chars, at DH:DL; AL bit 0 moves the cursor, bit 1: char/attr pairs
      u32 at = Call::real(c.es, u16(m_cpu.reg(EBP)));
      unsigned saved_row = cursor_row(*this), saved_col = cursor_col(*this);
      set_cursor(*this, dh, dl);
      for (unsigned k = 0; k < u16(c.ecx); ++k) {
        u8 chr = read8(at++), attr = (c.al() & 2) ? read8(at++) : bl;
        unsigned row = cursor_row(*this), col = cursor_col(*this);
        teletype(chr);
        if (chr >= 0x20) write8(cell(row, col) + 1, attr);
      }
      if (!(c.al() & 1)) set_cursor(*this, saved_row, saved_col);
      return;
    }
    case 0x1A: c.set_al(0x1A), c.ebx = (c.ebx & ~0xFFFFu) | 0x0008; return;  // VGA colour
    default: return;
  }
}

}  // namespace vmlab
