#include "devices/vga_registers.h"

namespace vmlab {

namespace {

// IBM VGA BIOS parameters for mode 3 (80x25, 16 colors, 720x400, 9x16 cells).
constexpr u8 kMode3MiscOutput = 0x67;  // I/OAS=1, RAM enabled, 28 MHz clock, page bit
constexpr std::array<u8, VgaRegisters::kCrtcCount> kMode3Crtc = {
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F,  // CR00-CR07 horizontal and vertical timing
    0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00,  // CR08-CR0F: 16 scan lines, cursor 13-14
    0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3,  // CR10-CR17: offset 0x28 = 80 columns
    0xFF};                                           // CR18 line compare
constexpr std::array<u8, VgaRegisters::kSequencerCount> kMode3Sequencer = {
    0x03, 0x00, 0x03, 0x00, 0x02};  // planes 0 and 1 written, odd/even addressing
constexpr std::array<u8, VgaRegisters::kGraphicsCount> kMode3Graphics = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF};  // GR06: text, map 0xB8000
constexpr std::array<u8, VgaRegisters::kAttributeCount> kMode3Attribute = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,  // palette: CGA colors
    0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
    0x0C, 0x00, 0x0F, 0x08, 0x00};                   // AR10: text, blink, line graphics

constexpr u8 kOpenBus = 0xFF;

// Store `value` at `index` when the index names a register; past the end it names
// nothing and the write is lost, as on a card that decodes only its real registers.
template <size_t N>
void store_indexed(std::array<u8, N>& registers, u8 index, u8 value) {
  if (index < N) registers[index] = value;
}

template <size_t N>
u8 load_indexed(const std::array<u8, N>& registers, u8 index) {
  return index < N ? registers[index] : kOpenBus;
}

}  // namespace

// Mode 3 as the BIOS leaves it; the attribute flip-flop starts in the index state and
// the AC index has PAS set, so the palette is not being edited and the screen shows.
void VgaRegisters::reset() {
  m_misc_output = kMode3MiscOutput;
  m_feature_control = 0;
  m_crtc = kMode3Crtc;
  m_sequencer = kMode3Sequencer;
  m_graphics = kMode3Graphics;
  m_attribute = kMode3Attribute;
  m_crtc_index = m_sequencer_index = m_graphics_index = 0;
  m_ac_index = AC_INDEX_PAS;
  m_ac_flip_flop_data = false;
  m_in_retrace = false;
}

// Wide accesses are split into byte accesses to consecutive ports, low byte first:
// that is the order an ISA bus runs them, and the order `outw 0x3D4, (value<<8)|index`
// relies on. Ports past 0xFFFF (a 4-byte access at the top of the range) are open bus.
void VgaRegisters::io(IoAccess& access) {
  u32 result = 0;
  for (unsigned i = 0; i < access.size && i < 4; ++i) {
    u32 port = access.addr + i;
    if (access.is_write) {
      write_port(port, u8(access.data >> (8 * i)));
    } else {
      result |= u32(read_port(port)) << (8 * i);
    }
  }
  if (!access.is_write) access.data = result;
}

// True when `port` (0x3Bx or 0x3Dx) is in the block that misc output I/OAS selects.
bool VgaRegisters::is_crtc_block(u32 port) const {
  u32 selected = (m_misc_output & MISC_OUTPUT_IOAS) ? 0x3D0 : 0x3B0;
  return (port & ~0xFu) == selected;
}

// One byte read from a VGA port; unmodeled or undecoded ports read 0xFF.
u8 VgaRegisters::read_port(u32 port) {
  if (is_crtc_block(port)) {
    switch (port & 0xF) {
      case 0x4: return m_crtc_index;
      case 0x5: return load_indexed(m_crtc, m_crtc_index);
      case 0xA: return read_input_status_1();
      default: return kOpenBus;
    }
  }
  switch (port) {
    case 0x3C0: return m_ac_index;
    case 0x3C1: return load_indexed(m_attribute, m_ac_index & 0x1F);
    case 0x3C2: return 0x00;  // input status 0: no retrace interrupt, switch sense 0
    case 0x3C4: return m_sequencer_index;
    case 0x3C5: return load_indexed(m_sequencer, m_sequencer_index);
    case 0x3CA: return m_feature_control;
    case 0x3CC: return m_misc_output;
    case 0x3CE: return m_graphics_index;
    case 0x3CF: return load_indexed(m_graphics, m_graphics_index);
    default: return kOpenBus;
  }
}

// One byte written to a VGA port; read-only and unmodeled ports ignore it.
void VgaRegisters::write_port(u32 port, u8 value) {
  if (is_crtc_block(port)) {
    switch (port & 0xF) {
      case 0x4: m_crtc_index = value; break;
      case 0x5: store_indexed(m_crtc, m_crtc_index, value); break;
      case 0xA: m_feature_control = value; break;
      default: break;
    }
    return;
  }
  switch (port) {
    case 0x3C0: write_attribute(value); break;
    case 0x3C2: m_misc_output = value; break;
    case 0x3C4: m_sequencer_index = value; break;
    case 0x3C5: store_indexed(m_sequencer, m_sequencer_index, value); break;
    case 0x3CE: m_graphics_index = value; break;
    case 0x3CF: store_indexed(m_graphics, m_graphics_index, value); break;
    default: break;
  }
}

// The attribute controller has one port for both index and data: an internal
// flip-flop says which one the next write is. After an index write (bits 4:0 = register,
// bit 5 = PAS) the next write goes to that register, then it flips back. Software
// cannot read the flip-flop, so it resets it by reading input status 1.
void VgaRegisters::write_attribute(u8 value) {
  if (!m_ac_flip_flop_data) {
    m_ac_index = value & 0x3F;
  } else {
    store_indexed(m_attribute, m_ac_index & 0x1F, value);
  }
  m_ac_flip_flop_data = !m_ac_flip_flop_data;
}

// Input status 1 has no real timing behind it here: each read flips between "in
// vertical retrace" (VRetrace and DD set) and "displaying" (both clear), starting
// with "displaying". The usual wait-for-retrace loops ("while in retrace; while not in
// retrace") then end after two reads, and the answer depends only on how many reads
// the guest made, never on the host. Reading it also resets the AC flip-flop.
u8 VgaRegisters::read_input_status_1() {
  m_ac_flip_flop_data = false;
  u8 value = m_in_retrace ? u8(IS1_VRETRACE | IS1_DD) : u8(0);
  m_in_retrace = !m_in_retrace;
  return value;
}

}  // namespace vmlab
