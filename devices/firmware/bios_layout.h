// Layout of vmlab's firmware ROM: 64 KiB at F000:0000 (physical 0xF0000), also visible
// at the top of the 4 GiB space (0xFFFF0000) where the CPU fetches its reset vector.
//
//   F000:0000  MP floating pointer and MP configuration table   (mp_table.h)
//   F000:0800  system configuration table (INT 15h AH=C0h)
//   F000:0900  fixed disk parameter tables (INT 41h, INT 46h)
//   F000:0FF0  default handler: IRET
//   F000:1000  one 16-byte stub per vector (vector * 16 + 0x1000): BIOS services and
//              hardware-interrupt handlers
//   F000:E05B  POST entry
//   F000:FFF0  reset vector: JMP F000:E05B
//   F000:FFF5  BIOS date "11/21/26", F000:FFFE model byte FC (AT)
//
// A service stub enters the host through the firmware service port:
//
//   push ax ; mov al, VECTOR ; out 0xEB, al ; pop ax ; jc wait ; iret
//   wait: sti ; hlt ; jmp start
//
// so the host sees the caller's registers, finds the caller's AX at SS:SP and the IRET
// frame (IP, CS, FLAGS) above it, returns AX and FLAGS by writing them there, and asks
// for "wait for an interrupt, then try again" (INT 16h with an empty buffer) by setting
// the live carry flag.
#pragma once
#include "core/types.h"

namespace vmlab::bios {

constexpr u16 kSegment = 0xF000;
constexpr u32 kBase = 0xF0000;
constexpr u32 kSize = 0x10000;
constexpr u32 kTopAlias = 0xFFFF0000;

constexpr u16 kServicePort = 0xEB;
constexpr u8 kPostService = 0xFF;

constexpr u16 kMpOffset = 0x0000;
constexpr u16 kConfigTableOffset = 0x0800;
constexpr u16 kDiskParamOffset = 0x0900;
constexpr u16 kDefaultHandler = 0x0FF0;
constexpr u16 kStubBase = 0x1000;
constexpr u16 kPostEntry = 0xE05B;
constexpr u16 kResetVector = 0xFFF0;

constexpr u16 stub_offset(u8 vector) { return u16(kStubBase + vector * 16u); }

// Stack frame of a service call, offsets from SS:SP at the OUT.
constexpr u16 kFrameAx = 0;
constexpr u16 kFrameIp = 2;
constexpr u16 kFrameCs = 4;
constexpr u16 kFrameFlags = 6;

// The BIOS data area (segment 0x40) fields the firmware keeps.
constexpr u32 kBda = 0x400;
constexpr u32 BDA_COM1 = 0x400;
constexpr u32 BDA_EBDA_SEGMENT = 0x40E;
constexpr u32 BDA_EQUIPMENT = 0x410;
constexpr u32 BDA_BASE_MEMORY_KB = 0x413;
constexpr u32 BDA_SHIFT_FLAGS = 0x417;
constexpr u32 BDA_KBD_HEAD = 0x41A;
constexpr u32 BDA_KBD_TAIL = 0x41C;
constexpr u32 BDA_KBD_BUFFER = 0x41E;   // 16 words
constexpr u32 BDA_DISK_STATUS = 0x441;  // diskette; fixed disks at 0x474
constexpr u32 BDA_VIDEO_MODE = 0x449;
constexpr u32 BDA_COLUMNS = 0x44A;
constexpr u32 BDA_PAGE_SIZE = 0x44C;
constexpr u32 BDA_CURSOR_POS = 0x450;   // page 0: column, row
constexpr u32 BDA_CURSOR_SHAPE = 0x460;
constexpr u32 BDA_ACTIVE_PAGE = 0x462;
constexpr u32 BDA_CRTC_BASE = 0x463;
constexpr u32 BDA_TICKS = 0x46C;
constexpr u32 BDA_MIDNIGHT = 0x470;
constexpr u32 BDA_HD_STATUS = 0x474;
constexpr u32 BDA_HD_COUNT = 0x475;
constexpr u32 BDA_KBD_START = 0x480;
constexpr u32 BDA_KBD_END = 0x482;
constexpr u32 BDA_ROWS_MINUS_1 = 0x484;

constexpr u32 kEbda = 0x9FC00;        // 1 KiB extended BIOS data area below 640 KiB
constexpr u32 kBaseMemoryKb = 639;

}  // namespace vmlab::bios
