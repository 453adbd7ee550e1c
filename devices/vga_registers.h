// The VGA's port-side register file: misc output, CRT controller, sequencer, graphics
// controller, attribute controller and the two input status registers.
//
// Only the registers a text console uses change what is displayed (VgaText reads them);
// every other register is storage that reads back what was written, so a guest that
// saves and restores VGA state sees its own values. Names follow the IBM VGA technical
// reference (CRTC = CRT controller, GC = graphics controller, AC = attribute controller).
//
//   port          read                      write
//   0x3B4 / 0x3D4 CRTC index                CRTC index        (mono / color, see I/OAS)
//   0x3B5 / 0x3D5 CRTC data                 CRTC data
//   0x3BA / 0x3DA input status 1            feature control
//   0x3C0         AC index                  AC index or data  (flip-flop)
//   0x3C1         AC data                   -
//   0x3C2         input status 0            misc output
//   0x3C4 / 0x3C5 sequencer index / data    same
//   0x3CA         feature control           -
//   0x3CC         misc output               -
//   0x3CE / 0x3CF GC index / data           same
//
// Misc output bit 0 (I/OAS) picks the CRTC and input status 1 address: 1 = 0x3Dx
// (color), 0 = 0x3Bx (monochrome). The pair not selected is not decoded: it reads 0xFF
// and ignores writes, as on the hardware.
//
// Not modeled (read 0xFF, writes dropped): the DAC (0x3C6-0x3C9), the video subsystem
// enable register (0x3C3) and the CRTC write protection of CR00-CR07 (CR11 bit 7).
#pragma once
#include <array>

#include "core/bus.h"

namespace vmlab {

class VgaRegisters {
 public:
  static constexpr unsigned kCrtcCount = 25;       // CR00-CR18
  static constexpr unsigned kSequencerCount = 5;   // SR00-SR04
  static constexpr unsigned kGraphicsCount = 9;    // GR00-GR08
  static constexpr unsigned kAttributeCount = 21;  // AR00-AR14

  // CRTC registers the text display depends on.
  static constexpr u8 CRTC_CURSOR_START = 0x0A;
  static constexpr u8 CRTC_CURSOR_END = 0x0B;
  static constexpr u8 CRTC_START_ADDRESS_HIGH = 0x0C;
  static constexpr u8 CRTC_START_ADDRESS_LOW = 0x0D;
  static constexpr u8 CRTC_CURSOR_LOCATION_HIGH = 0x0E;
  static constexpr u8 CRTC_CURSOR_LOCATION_LOW = 0x0F;
  static constexpr u8 CURSOR_START_CD = 0x20;     // Cursor Disable
  static constexpr u8 CURSOR_SCAN_LINE = 0x1F;    // start / end scan line field

  static constexpr u8 GC_MISCELLANEOUS = 0x06;
  static constexpr u8 GC_MISC_MEMORY_MAP = 0x0C;  // bits 3:2, Memory Map Select
  static constexpr u8 MISC_OUTPUT_IOAS = 0x01;    // I/O Address Select
  static constexpr u8 AC_INDEX_PAS = 0x20;        // Palette Address Source
  static constexpr u8 IS1_DD = 0x01;              // Display Disabled
  static constexpr u8 IS1_VRETRACE = 0x08;        // Vertical Retrace

  VgaRegisters() { reset(); }

  // Power-on state: the values the IBM VGA BIOS programs for mode 3 (80x25 color
  // text), because vmlab has no video BIOS and guests expect to start in that mode.
  void reset();
  // Any access to a VGA port; 2- and 4-byte accesses act as consecutive byte accesses
  // (an `outw 0x3D4` writes the index and then the data, as an ISA bus splits it).
  void io(IoAccess& access);

  // Register values for the display side and debug views. Indices past the register
  // count read as 0xFF.
  u8 crtc(u8 index) const { return index < kCrtcCount ? m_crtc[index] : 0xFF; }
  u8 graphics(u8 index) const { return index < kGraphicsCount ? m_graphics[index] : 0xFF; }
  u8 misc_output() const { return m_misc_output; }
  u16 start_address() const { return crtc_pair(CRTC_START_ADDRESS_HIGH, CRTC_START_ADDRESS_LOW); }
  u16 cursor_location() const {
    return crtc_pair(CRTC_CURSOR_LOCATION_HIGH, CRTC_CURSOR_LOCATION_LOW);
  }
  bool attribute_flip_flop_is_data() const { return m_ac_flip_flop_data; }

 private:
  u8 read_port(u32 port);
  void write_port(u32 port, u8 value);
  bool is_crtc_block(u32 port) const;
  void write_attribute(u8 value);
  u8 read_input_status_1();
  u16 crtc_pair(u8 high, u8 low) const { return u16(m_crtc[high] << 8 | m_crtc[low]); }

  u8 m_misc_output = 0;
  u8 m_feature_control = 0;
  u8 m_crtc_index = 0, m_sequencer_index = 0, m_graphics_index = 0, m_ac_index = 0;
  bool m_ac_flip_flop_data = false;  // false: the next 0x3C0 write is an index
  bool m_in_retrace = false;         // what the last input status 1 read reported
  std::array<u8, kCrtcCount> m_crtc{};
  std::array<u8, kSequencerCount> m_sequencer{};
  std::array<u8, kGraphicsCount> m_graphics{};
  std::array<u8, kAttributeCount> m_attribute{};
};

}  // namespace vmlab
