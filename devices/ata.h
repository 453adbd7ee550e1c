// ATA register names, bits and command codes, as ATA/ATAPI-4..6 (T13 1153D, 1321D,
// 1410D) name them.
//
// Command block (primary channel 1F0h-1F7h), offset from the base:
//
//   off  read                      write
//   0    Data (16 bits)            Data
//   1    Error                     Features
//   2    Sector Count              Sector Count
//   3    LBA Low  (Sector Number)  LBA Low
//   4    LBA Mid  (Cylinder Low)   LBA Mid
//   5    LBA High (Cylinder High)  LBA High
//   6    Device   (Device/Head)    Device
//   7    Status                    Command
//
// Control block (primary 3F6h): read Alternate Status, write Device Control.
//
//   Status / Alternate Status        Device register
//   7   6    5  4   3   2  1  0       7   6   5   4    3..0
//   BSY DRDY DF DSC DRQ -  -  ERR     obs LBA obs DEV  head, or LBA bits 27:24
//
//   Error                              Device Control
//   7   6   5  4    3   2    1   0     7..3  2    1    0
//   -   UNC -  IDNF -   ABRT -   -     -     SRST nIEN 0
#pragma once
#include "core/types.h"

namespace vmlab::ata {

// Command block register offsets.
constexpr unsigned REG_DATA = 0;
constexpr unsigned REG_ERROR = 1;  // read; REG_FEATURES on write
constexpr unsigned REG_FEATURES = 1;
constexpr unsigned REG_SECTOR_COUNT = 2;
constexpr unsigned REG_LBA_LOW = 3;
constexpr unsigned REG_LBA_MID = 4;
constexpr unsigned REG_LBA_HIGH = 5;
constexpr unsigned REG_DEVICE = 6;
constexpr unsigned REG_STATUS = 7;  // read; REG_COMMAND on write
constexpr unsigned REG_COMMAND = 7;

// Status register. DSC is "device seek complete" in ATA-4; ATA-6 leaves bit 4 command
// dependent. Ready devices keep it set because older drivers wait for 50h.
constexpr u8 STATUS_ERR = 0x01;
constexpr u8 STATUS_DRQ = 0x08;
constexpr u8 STATUS_DSC = 0x10;
constexpr u8 STATUS_DF = 0x20;
constexpr u8 STATUS_DRDY = 0x40;
constexpr u8 STATUS_BSY = 0x80;

// Error register (when STATUS_ERR is set; after a reset or EXECUTE DEVICE DIAGNOSTIC it
// holds a diagnostic code instead).
constexpr u8 ERROR_ABRT = 0x04;
constexpr u8 ERROR_IDNF = 0x10;
constexpr u8 ERROR_UNC = 0x40;

// Device register.
constexpr u8 DEVICE_DEV = 0x10;
constexpr u8 DEVICE_LBA = 0x40;
constexpr u8 DEVICE_HEAD_MASK = 0x0F;

// Device Control register.
constexpr u8 DEVCTL_nIEN = 0x02;
constexpr u8 DEVCTL_SRST = 0x04;

// Diagnostic codes (Error register after reset / EXECUTE DEVICE DIAGNOSTIC), as device 0
// reports them: 01h device 0 passed and device 1 passed or is absent; 81h device 0
// passed and device 1 failed. Device 1 reports 01h for itself when it passed.
constexpr u8 DIAG_PASSED = 0x01;
constexpr u8 DIAG_DEVICE1_FAILED = 0x81;

// Command codes implemented by AtaDrive. Every other code is aborted (ABRT).
constexpr u8 CMD_READ_SECTORS = 0x20;
constexpr u8 CMD_READ_SECTORS_NO_RETRY = 0x21;
constexpr u8 CMD_WRITE_SECTORS = 0x30;
constexpr u8 CMD_WRITE_SECTORS_NO_RETRY = 0x31;
constexpr u8 CMD_READ_VERIFY_SECTORS = 0x40;
constexpr u8 CMD_READ_VERIFY_SECTORS_NO_RETRY = 0x41;
constexpr u8 CMD_EXECUTE_DEVICE_DIAGNOSTIC = 0x90;
constexpr u8 CMD_INITIALIZE_DEVICE_PARAMETERS = 0x91;
constexpr u8 CMD_READ_MULTIPLE = 0xC4;
constexpr u8 CMD_WRITE_MULTIPLE = 0xC5;
constexpr u8 CMD_SET_MULTIPLE_MODE = 0xC6;
constexpr u8 CMD_STANDBY_IMMEDIATE = 0xE0;
constexpr u8 CMD_IDLE_IMMEDIATE = 0xE1;
constexpr u8 CMD_STANDBY = 0xE2;
constexpr u8 CMD_IDLE = 0xE3;
constexpr u8 CMD_CHECK_POWER_MODE = 0xE5;
constexpr u8 CMD_SLEEP = 0xE6;
constexpr u8 CMD_FLUSH_CACHE = 0xE7;
constexpr u8 CMD_IDENTIFY_DEVICE = 0xEC;
constexpr u8 CMD_SET_FEATURES = 0xEF;
// The ATA-1 codes of the power management commands, still decoded by ATA-6 devices.
constexpr u8 CMD_STANDBY_IMMEDIATE_OLD = 0x94;
constexpr u8 CMD_IDLE_IMMEDIATE_OLD = 0x95;
constexpr u8 CMD_STANDBY_OLD = 0x96;
constexpr u8 CMD_IDLE_OLD = 0x97;
constexpr u8 CMD_CHECK_POWER_MODE_OLD = 0x98;
constexpr u8 CMD_SLEEP_OLD = 0x99;

// SET FEATURES subcommands (Features register) that are accepted.
constexpr u8 FEATURE_ENABLE_WRITE_CACHE = 0x02;
constexpr u8 FEATURE_SET_TRANSFER_MODE = 0x03;
constexpr u8 FEATURE_DISABLE_READ_LOOK_AHEAD = 0x55;
constexpr u8 FEATURE_DISABLE_REVERTING_TO_DEFAULTS = 0x66;
constexpr u8 FEATURE_DISABLE_WRITE_CACHE = 0x82;
constexpr u8 FEATURE_ENABLE_READ_LOOK_AHEAD = 0xAA;
constexpr u8 FEATURE_ENABLE_REVERTING_TO_DEFAULTS = 0xCC;

// CHECK POWER MODE answers in the Sector Count register.
constexpr u8 POWER_STANDBY = 0x00;
constexpr u8 POWER_IDLE = 0x80;
constexpr u8 POWER_ACTIVE_OR_IDLE = 0xFF;

// Largest block READ/WRITE MULTIPLE may use (IDENTIFY word 47); SET MULTIPLE MODE
// accepts powers of two up to it.
constexpr u32 kMaxMultipleSectors = 16;

}  // namespace vmlab::ata
