// VGA text mode: the memory window through the Bus, the text view the host reads
// (text_lines, cell, cursor), and the port registers (CRTC, I/OAS, attribute flip-flop,
// input status 1, sequencer and graphics read-back).
#include "devices/vga_text.h"

#include <gtest/gtest.h>

#include <string>

#include "core/counters.h"
#include "core/events.h"
#include "core/virtual_clock.h"

namespace vmlab {
namespace {

constexpr u32 kText = 0xB8000;

class VgaTextTest : public ::testing::Test {
 protected:
  VgaTextTest() { vga.attach(bus); }

  // Writes `text` at (row, col) of the page at the current start address 0, one
  // 16-bit store per cell as a console driver does.
  void put(unsigned row, unsigned col, const std::string& text, u8 attr = 0x07) {
    for (size_t i = 0; i < text.size(); ++i) {
      u32 cell = row * VgaText::kColumns + col + unsigned(i);
      bus.mmio_write(kText + 2 * cell, u8(text[i]) | u32(attr) << 8, 2);
    }
  }
  void crtc_write(u8 index, u8 value, u16 base = 0x3D4) {
    bus.port_write(base, index, 1);
    bus.port_write(base + 1, value, 1);
  }
  u8 crtc_read(u8 index, u16 base = 0x3D4) {
    bus.port_write(base, index, 1);
    return u8(bus.port_read(base + 1, 1));
  }
  // The way most kernels move the cursor: outw(0x3D4, index | value << 8) per byte.
  void set_cursor_location(u16 location) {
    bus.port_write(0x3D4, 0x0E | u32(location >> 8) << 8, 2);
    bus.port_write(0x3D4, 0x0F | u32(location & 0xFF) << 8, 2);
  }
  void set_start_address(u16 start) {
    crtc_write(0x0C, u8(start >> 8));
    crtc_write(0x0D, u8(start));
  }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  VgaText vga{counters};
};

TEST_F(VgaTextTest, ResetShowsABlankMode3Screen) {
  std::vector<std::string> lines = vga.text_lines();
  ASSERT_EQ(lines.size(), 25u);
  for (const std::string& line : lines) EXPECT_EQ(line, "");
  EXPECT_EQ(vga.screen_dump(), std::string(24, '\n'));
  EXPECT_EQ(vga.cell(0, 0), VgaText::kBlankCell);
  EXPECT_EQ(vga.cell(24, 79), VgaText::kBlankCell);
  EXPECT_EQ(bus.port_read(0x3CC, 1), 0x67u);
  EXPECT_EQ(vga.cursor(), std::make_pair(0u, 0u));
  EXPECT_TRUE(vga.cursor_visible());
}

TEST_F(VgaTextTest, CharactersWrittenThroughTheWindowAppearInTextLines) {
  put(0, 0, "Hello, world");
  put(2, 70, "right edge");
  put(24, 0, "last row   ");  // trailing spaces are trimmed
  std::vector<std::string> lines = vga.text_lines();
  EXPECT_EQ(lines[0], "Hello, world");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2], std::string(70, ' ') + "right edge");
  EXPECT_EQ(lines[24], "last row");
  EXPECT_EQ(vga.screen_dump().substr(0, 14), "Hello, world\n\n");
  EXPECT_EQ(counters.device("vga.text_writes"), 12u + 10u + 11u);
}

TEST_F(VgaTextTest, AttributesAreStoredPerCellAndReadBack) {
  put(1, 3, "A", 0x1F);
  put(1, 4, "B", 0xCE);
  EXPECT_EQ(vga.cell(1, 3), 0x1F41u);
  EXPECT_EQ(vga.cell(1, 4), 0xCE42u);
  EXPECT_EQ(bus.mmio_read(kText + 2 * (80 + 3) + 1, 1), 0x1Fu);
  EXPECT_EQ(bus.mmio_read(kText + 2 * (80 + 3), 2), 0x1F41u);
  EXPECT_EQ(vga.cell(25, 0), 0u);  // off the screen
  EXPECT_EQ(vga.cell(0, 80), 0u);
}

TEST_F(VgaTextTest, FourByteAccessesSpanCellsAtAnyAlignment) {
  bus.mmio_write(kText + 2 * 5, 0x2E422F41, 4);  // 'A' on 0x2F, 'B' on 0x2E
  EXPECT_EQ(vga.cell(0, 5), 0x2F41u);
  EXPECT_EQ(vga.cell(0, 6), 0x2E42u);
  // Odd address: attribute of cell 10, both bytes of cell 11, character of cell 12.
  bus.mmio_write(kText + 2 * 10 + 1, 0x5A704A17, 4);
  EXPECT_EQ(vga.cell(0, 10) >> 8, 0x17u);
  EXPECT_EQ(vga.cell(0, 11), 0x704Au);
  EXPECT_EQ(vga.cell(0, 12) & 0xFF, 0x5Au);
  EXPECT_EQ(bus.mmio_read(kText + 2 * 10 + 1, 4), 0x5A704A17u);
  EXPECT_EQ(bus.mmio_read(kText + 2 * 10 + 3, 2), 0x5A70u);
  EXPECT_EQ(vga.text_lines()[0], "     AB    JZ");
}

TEST_F(VgaTextTest, StorageOutsideTheTextBufferAndAtTheWindowEdge) {
  bus.mmio_write(0xA0000, 0xDEADBEEF, 4);
  bus.mmio_write(0xAFFFF, 0x5A, 1);
  EXPECT_EQ(bus.mmio_read(0xA0000, 4), 0xDEADBEEFu);
  EXPECT_EQ(bus.mmio_read(0xAFFFF, 1), 0x5Au);
  EXPECT_EQ(counters.device("vga.text_writes"), 0u);
  // The last bytes of the window: the part past 0xBFFFF is open bus.
  bus.mmio_write(0xBFFFE, 0x44332211, 4);
  EXPECT_EQ(bus.mmio_read(0xBFFFE, 4), 0xFFFF2211u);
  EXPECT_EQ(bus.mmio_read(0xBFFFF, 1), 0x22u);
  EXPECT_EQ(counters.device("vga.text_writes"), 1u);
  // A write that starts just before the text buffer still touches it.
  bus.mmio_write(kText - 1, 0x0741FF, 4);
  EXPECT_EQ(counters.device("vga.text_writes"), 2u);
  EXPECT_EQ(vga.cell(0, 0), 0x0741u);
}

TEST_F(VgaTextTest, CodePage437OutsideAsciiIsReplaced) {
  bus.mmio_write(kText, 0x07B3, 2);          // box-drawing vertical line
  bus.mmio_write(kText + 2, 0x0700, 2);      // NUL: blank glyph
  bus.mmio_write(kText + 4, 0x0778, 2);      // 'x'
  bus.mmio_write(kText + 6, 0x07FF, 2);      // 0xFF: blank glyph, trimmed at the end
  bus.mmio_write(kText + 8, 0x0701, 2);      // smiley
  EXPECT_EQ(vga.text_lines()[0], "\xEF\xBF\xBD x \xEF\xBF\xBD");
}

TEST_F(VgaTextTest, CursorPositionAndVisibilityFollowTheCrtc) {
  set_cursor_location(3 * 80 + 7);
  EXPECT_EQ(crtc_read(0x0E), 0x00u);
  EXPECT_EQ(crtc_read(0x0F), 247u);
  EXPECT_EQ(vga.cursor(), std::make_pair(3u, 7u));
  EXPECT_TRUE(vga.cursor_visible());
  crtc_write(0x0A, 0x20 | 0x0D);  // Cursor Disable
  EXPECT_FALSE(vga.cursor_visible());
  crtc_write(0x0A, 0x0D);
  EXPECT_TRUE(vga.cursor_visible());
  crtc_write(0x0B, 0x0C);  // end scan line above the start: nothing is drawn
  EXPECT_FALSE(vga.cursor_visible());
  crtc_write(0x0B, 0x0F);
  set_cursor_location(25 * 80);  // just below the page
  EXPECT_EQ(vga.cursor().first, 25u);
  EXPECT_FALSE(vga.cursor_visible());
}

TEST_F(VgaTextTest, StartAddressScrollsTheDisplayedPage) {
  put(0, 0, "row zero");
  put(1, 0, "row one");
  put(25, 0, "below the first page");
  set_start_address(80);
  EXPECT_EQ(vga.text_lines()[0], "row one");
  EXPECT_EQ(vga.text_lines()[24], "below the first page");
  EXPECT_EQ(vga.cell(0, 0), 0x0772u);
  set_cursor_location(80 + 5);  // cursor at row 0 of the scrolled page
  EXPECT_EQ(vga.cursor(), std::make_pair(0u, 5u));
  set_cursor_location(5);  // above the page
  EXPECT_FALSE(vga.cursor_visible());
}

TEST_F(VgaTextTest, StartAddressWrapsInsideTheTextBuffer) {
  bus.mmio_write(kText, 0x0757, 2);  // 'W' at the first byte of the 32 KiB buffer
  set_start_address(0x4000 - 16);    // 16 cells before the end of the buffer
  EXPECT_EQ(vga.text_lines()[0], std::string(16, ' ') + "W");
  set_start_address(0xFFFF);  // any value shows some page of the buffer
  EXPECT_EQ(vga.text_lines().size(), 25u);
}

TEST_F(VgaTextTest, MonochromeMemoryMapMovesTheTextBuffer) {
  bus.port_write(0x3CE, 0x06, 1);
  EXPECT_EQ(bus.port_read(0x3CF, 1), 0x0Eu);  // mode 3: map 0xB8000
  bus.port_write(0x3CF, 0x0A, 1);             // mode 7: map 0xB0000
  bus.mmio_write(0xB0000, 0x074D, 2);
  EXPECT_EQ(vga.text_lines()[0], "M");
  EXPECT_EQ(counters.device("vga.text_writes"), 1u);
}

TEST_F(VgaTextTest, CrtcMovesTo3B4WhenIoasIsClear) {
  bus.port_write(0x3C2, 0x66, 1);  // I/OAS = 0: monochrome addresses
  EXPECT_EQ(bus.port_read(0x3CC, 1), 0x66u);
  crtc_write(0x0F, 0x05, 0x3B4);
  EXPECT_EQ(crtc_read(0x0F, 0x3B4), 0x05u);
  EXPECT_EQ(vga.cursor(), std::make_pair(0u, 5u));
  EXPECT_EQ(bus.port_read(0x3D5, 1), 0xFFu);  // color block not decoded
  crtc_write(0x0F, 0x09, 0x3D4);              // ignored
  EXPECT_EQ(vga.registers().crtc(0x0F), 0x05u);
  EXPECT_EQ(bus.port_read(0x3DA, 1), 0xFFu);
  EXPECT_EQ(bus.port_read(0x3BA, 1), 0x00u);  // input status 1 moved too
  bus.port_write(0x3C2, 0x67, 1);
  EXPECT_EQ(crtc_read(0x0F), 0x05u);
  EXPECT_EQ(bus.port_read(0x3B5, 1), 0xFFu);
}

TEST_F(VgaTextTest, InputStatus1AlternatesRetraceOnEveryRead) {
  EXPECT_EQ(bus.port_read(0x3DA, 1), 0x00u);
  EXPECT_EQ(bus.port_read(0x3DA, 1), 0x09u);
  EXPECT_EQ(bus.port_read(0x3DA, 1), 0x00u);
  vga.reset();
  EXPECT_EQ(bus.port_read(0x3DA, 1), 0x00u);
}

TEST_F(VgaTextTest, AttributeFlipFlopAlternatesIndexAndData) {
  bus.port_read(0x3DA, 1);
  bus.port_write(0x3C0, 0x20 | 0x12, 1);  // index AR12, PAS set
  EXPECT_TRUE(vga.registers().attribute_flip_flop_is_data());
  bus.port_write(0x3C0, 0x0A, 1);  // data
  EXPECT_FALSE(vga.registers().attribute_flip_flop_is_data());
  EXPECT_EQ(bus.port_read(0x3C0, 1), 0x32u);
  EXPECT_EQ(bus.port_read(0x3C1, 1), 0x0Au);
}

TEST_F(VgaTextTest, ReadingInputStatus1ResetsTheAttributeFlipFlop) {
  bus.port_write(0x3C0, 0x20 | 0x01, 1);  // index AR01; the next write would be data
  bus.port_read(0x3DA, 1);
  bus.port_write(0x3C0, 0x20 | 0x02, 1);  // so this is an index again
  bus.port_write(0x3C0, 0x3F, 1);
  EXPECT_EQ(bus.port_read(0x3C0, 1), 0x22u);
  EXPECT_EQ(bus.port_read(0x3C1, 1), 0x3Fu);
  bus.port_read(0x3DA, 1);
  bus.port_write(0x3C0, 0x20 | 0x01, 1);
  EXPECT_EQ(bus.port_read(0x3C1, 1), 0x01u);  // AR01 kept its mode 3 value
}

TEST_F(VgaTextTest, SequencerGraphicsAndOtherCrtcRegistersReadBack) {
  bus.port_write(0x3C4, 0x0F02, 2);  // outw: SR02 = 0x0F
  EXPECT_EQ(bus.port_read(0x3C4, 1), 0x02u);
  EXPECT_EQ(bus.port_read(0x3C5, 1), 0x0Fu);
  bus.port_write(0x3CE, 0x0805, 2);  // GR05 = 0x08
  EXPECT_EQ(bus.port_read(0x3CE, 2), 0x0805u);
  crtc_write(0x13, 0x50);
  EXPECT_EQ(crtc_read(0x13), 0x50u);
  EXPECT_EQ(crtc_read(0x09), 0x4Fu);  // mode 3 value, untouched
  crtc_write(0x40, 0x12);             // not a register
  EXPECT_EQ(crtc_read(0x40), 0xFFu);
  bus.port_write(0x3C4, 0x07, 1);
  EXPECT_EQ(bus.port_read(0x3C5, 1), 0xFFu);
  bus.port_write(0x3DA, 0x03, 1);  // feature control, read back at 0x3CA
  EXPECT_EQ(bus.port_read(0x3CA, 1), 0x03u);
  EXPECT_EQ(bus.port_read(0x3C8, 1), 0xFFu);  // DAC: not modeled
}

TEST_F(VgaTextTest, AnyAccessSequenceIsSafeAndResetRestoresTheScreen) {
  u32 x = 12345;
  auto next = [&x] { return x = x * 1103515245u + 12345u; };
  const u8 sizes[] = {1, 2, 4};
  for (int i = 0; i < 20000; ++i) {
    u8 size = sizes[next() % 3];
    u32 value = next();
    if (next() & 1) {
      u32 addr = VgaText::kWindowBase + next() % VgaText::kWindowSize;
      if (next() & 1) bus.mmio_write(addr, value, size); else bus.mmio_read(addr, size);
    } else {
      u16 port = u16(0x3B0 + next() % 0x30);
      if (next() & 1) bus.port_write(port, value, size); else bus.port_read(port, size);
    }
    if (i % 128 == 0) {
      EXPECT_EQ(vga.text_lines().size(), 25u);
      vga.cursor_visible();
    }
  }
  vga.reset();
  EXPECT_EQ(vga.screen_dump(), std::string(24, '\n'));
  EXPECT_EQ(vga.cursor(), std::make_pair(0u, 0u));
}

}  // namespace
}  // namespace vmlab
