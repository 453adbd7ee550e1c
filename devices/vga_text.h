// VGA in text mode: the legacy video memory window and what an 80x25 screen shows.
//
// The device owns physical addresses 0xA0000-0xBFFFF as one MMIO window backed by
// 128 KiB of storage; accesses of 1, 2 or 4 bytes at any alignment read and write it
// byte by byte, little-endian (bytes past the window's end read 0xFF and ignore writes).
// Planes, odd/even addressing and the write modes are not modeled: the storage is
// what the CPU sees in text mode, one character byte then one attribute byte per cell.
//
// Which part of the window is the text buffer follows GR06 Memory Map Select, as on
// the hardware, with its offset 0 at the start of the selected range:
//
//   GR06 bits 3:2   range              text buffer
//   00              0xA0000-0xBFFFF     0xA0000   (128 KiB)
//   01              0xA0000-0xAFFFF     0xA0000   (64 KiB)
//   10              0xB0000-0xB7FFF     0xB0000   (32 KiB, monochrome text, mode 7)
//   11              0xB8000-0xBFFFF     0xB8000   (32 KiB, color text, mode 3: reset)
//
// Storage is one flat array, so unlike a real card the four ranges do not alias the
// same bytes: a guest that switches to the monochrome map sees what it wrote at
// 0xB0000, not what it wrote at 0xB8000. Addresses outside the selected range are
// still plain storage rather than undecoded.
//
// The screen is 80 columns by 25 rows (the CRTC timing and offset registers are
// stored but do not change the geometry). Cell i of the screen is the word at
// (start address + i) mod 64 Ki in the text buffer, wrapping within the selected
// range, where start address is CR0C:CR0D; the cursor is at CR0E:CR0F on the same scale.
//
// Counters: "vga.text_writes" counts MMIO write accesses that touch the text buffer.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/bus.h"
#include "core/counters.h"
#include "devices/vga_registers.h"

namespace vmlab {

class VgaText {
 public:
  static constexpr u32 kWindowBase = 0xA0000;
  static constexpr u32 kWindowSize = 0x20000;
  static constexpr unsigned kColumns = 80;
  static constexpr unsigned kRows = 25;
  static constexpr u16 kBlankCell = 0x0720;  // space, light gray on black

  explicit VgaText(Counters& counters);

  // Claims the memory window and the VGA ports (0x3B4-0x3B5, 0x3BA, 0x3C0-0x3CF,
  // 0x3D4-0x3D5, 0x3DA) under the name "vga".
  void attach(Bus& bus);
  // Registers to mode 3; the color text buffer is filled with blank cells (space on
  // light gray, as a BIOS mode set leaves it) and the rest of the window is zeroed.
  void reset();
  // Bus callbacks: an access to the memory window (addr = offset in it) and a port access.
  void mmio(IoAccess& access);
  void io(IoAccess& access) { m_registers.io(access); }

  // The 25 displayed rows as UTF-8, trailing spaces removed. Printable ASCII
  // (0x20-0x7E) is itself; code page 437's blank glyphs 0x00 and 0xFF become a space;
  // every other byte becomes U+FFFD, so each row has 80 code points before trimming.
  std::vector<std::string> text_lines() const;
  // text_lines() joined with '\n' (no newline after the last row): `--vga-dump`.
  std::string screen_dump() const;
  // Character | attribute << 8 of a displayed cell; 0 for a row or column off the screen.
  u16 cell(unsigned row, unsigned col) const;
  // (row, col) of the cursor relative to the displayed page. The row may be kRows or more
  // when the cursor location lies outside the page; cursor_visible() is false then.
  std::pair<unsigned, unsigned> cursor() const;
  // The cursor shows when CR0A Cursor Disable is clear, its start scan line is not
  // after its end scan line (the VGA draws nothing then), and it is on the page.
  bool cursor_visible() const;

  const VgaRegisters& registers() const { return m_registers; }

 private:
  struct TextBuffer {
    u32 offset;  // in the window
    u32 size;
  };
  TextBuffer text_buffer() const;
  u32 cell_offset(unsigned index) const;
  bool touches_text_buffer(u32 offset, unsigned size) const;

  std::vector<u8> m_memory;
  VgaRegisters m_registers;
  u64& m_text_writes;
};

}  // namespace vmlab
