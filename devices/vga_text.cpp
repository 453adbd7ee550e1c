#include "devices/vga_text.h"

#include <algorithm>

namespace vmlab {

namespace {

constexpr u32 kColorTextOffset = 0xB8000 - VgaText::kWindowBase;
constexpr u32 kColorTextSize = 0x8000;
constexpr char kReplacementUtf8[] = "\xEF\xBF\xBD";  // U+FFFD

// Append the UTF-8 form of one code page 437 byte, as text_lines() documents.
void append_cp437(std::string& out, u8 byte) {
  if (byte >= 0x20 && byte <= 0x7E) {
    out += char(byte);
  } else if (byte == 0x00 || byte == 0xFF) {
    out += ' ';
  } else {
    out += kReplacementUtf8;
  }
}

}  // namespace

VgaText::VgaText(Counters& counters)
    : m_memory(kWindowSize, 0), m_text_writes(counters.device("vga.text_writes")) {
  reset();
}

// Only the ports a VGA decodes in text mode are claimed, so neighbours (the MDA-era
// parallel port at 0x3BC, for one) stay free for other devices.
void VgaText::attach(Bus& bus) {
  bus.map_mmio(kWindowBase, kWindowSize, "vga", [this](IoAccess& a) { mmio(a); });
  auto ports = [this](IoAccess& a) { io(a); };
  bus.map_ports(0x3B4, 2, "vga", ports);
  bus.map_ports(0x3BA, 1, "vga", ports);
  bus.map_ports(0x3C0, 16, "vga", ports);
  bus.map_ports(0x3D4, 2, "vga", ports);
  bus.map_ports(0x3DA, 1, "vga", ports);
}

void VgaText::reset() {
  m_registers.reset();
  std::fill(m_memory.begin(), m_memory.end(), u8(0));
  for (u32 i = 0; i < kColorTextSize; i += 2) {
    m_memory[kColorTextOffset + i] = u8(kBlankCell);
    m_memory[kColorTextOffset + i + 1] = u8(kBlankCell >> 8);
  }
}

// Byte by byte, little-endian, so every size and alignment means the same thing as the
// equivalent byte accesses. An access running past the window's end (possible only at
// its last three bytes) reads 0xFF there and drops those bytes of a write.
void VgaText::mmio(IoAccess& access) {
  unsigned size = access.size <= 4 ? access.size : 4;
  if (access.is_write) {
    for (unsigned i = 0; i < size; ++i) {
      u64 offset = u64{access.addr} + i;
      if (offset < kWindowSize) m_memory[offset] = u8(access.data >> (8 * i));
    }
    if (touches_text_buffer(access.addr, size)) ++m_text_writes;
    return;
  }
  u32 value = 0;
  for (unsigned i = 0; i < size; ++i) {
    u64 offset = u64{access.addr} + i;
    u8 byte = offset < kWindowSize ? m_memory[offset] : u8(0xFF);
    value |= u32(byte) << (8 * i);
  }
  access.data = value;
}

// The range GR06 Memory Map Select decodes; the text buffer starts at its beginning.
VgaText::TextBuffer VgaText::text_buffer() const {
  u8 map = (m_registers.graphics(VgaRegisters::GC_MISCELLANEOUS) &
            VgaRegisters::GC_MISC_MEMORY_MAP) >> 2;
  switch (map) {
    case 0: return {0x00000, 0x20000};
    case 1: return {0x00000, 0x10000};
    case 2: return {0x10000, 0x08000};
    default: return {0x18000, 0x08000};
  }
}

// True when any byte of [offset, offset+size) lies in the current text buffer.
bool VgaText::touches_text_buffer(u32 offset, unsigned size) const {
  TextBuffer text = text_buffer();
  u64 first = offset, end = u64{offset} + size;
  return first < u64{text.offset} + text.size && text.offset < end;
}

// Window offset of the character byte of screen cell `index` (row * 80 + col). The
// CRTC counts in words (one per cell) with a 16-bit address, and the byte address
// wraps inside the selected range, so any start address shows some page and no
// register value can reach outside the storage.
u32 VgaText::cell_offset(unsigned index) const {
  TextBuffer text = text_buffer();
  u32 word = (m_registers.start_address() + index) & 0xFFFFu;
  return text.offset + ((word * 2) & (text.size - 1));
}

u16 VgaText::cell(unsigned row, unsigned col) const {
  if (row >= kRows || col >= kColumns) return 0;
  u32 offset = cell_offset(row * kColumns + col);
  return u16(m_memory[offset] | m_memory[offset + 1] << 8);
}

std::vector<std::string> VgaText::text_lines() const {
  std::vector<std::string> lines(kRows);
  for (unsigned row = 0; row < kRows; ++row) {
    std::string& line = lines[row];
    for (unsigned col = 0; col < kColumns; ++col) append_cp437(line, u8(cell(row, col)));
    line.erase(line.find_last_not_of(' ') + 1);  // npos + 1 == 0 clears an all-blank row
  }
  return lines;
}

std::string VgaText::screen_dump() const {
  std::vector<std::string> lines = text_lines();
  std::string dump = lines[0];
  for (unsigned row = 1; row < kRows; ++row) dump += '\n' + lines[row];
  return dump;
}

// Distance from the start address to the cursor location in cells, on the CRTC's
// 16-bit word scale; a cursor above the page wraps to a large distance, i.e. off-page.
std::pair<unsigned, unsigned> VgaText::cursor() const {
  unsigned distance = (m_registers.cursor_location() - m_registers.start_address()) & 0xFFFFu;
  return {distance / kColumns, distance % kColumns};
}

bool VgaText::cursor_visible() const {
  u8 start = m_registers.crtc(VgaRegisters::CRTC_CURSOR_START);
  u8 end = m_registers.crtc(VgaRegisters::CRTC_CURSOR_END);
  if (start & VgaRegisters::CURSOR_START_CD) return false;
  u8 first_line = start & VgaRegisters::CURSOR_SCAN_LINE;
  u8 last_line = end & VgaRegisters::CURSOR_SCAN_LINE;
  if (first_line > last_line) return false;
  return cursor().first < kRows;
}

}  // namespace vmlab
