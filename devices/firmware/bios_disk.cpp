// INT 13h, fixed disks 80h and 81h: CHS and extended (EDD) reads and writes, geometry,
// drive parameters. Transfers drive the primary IDE channel through its PIO ports, the
// way a real BIOS does (ATA READ/WRITE SECTORS, IDENTIFY DEVICE).
#include "core/bus.h"
#include "devices/firmware/bios.h"

namespace vmlab {

using namespace bios;

namespace {

constexpr u16 kData = 0x1F0, kCount = 0x1F2, kLbaLow = 0x1F3, kLbaMid = 0x1F4, kLbaHigh = 0x1F5,
              kDevice = 0x1F6, kCommand = 0x1F7, kControl = 0x3F6;
constexpr u8 ST_ERR = 0x01, ST_DRQ = 0x08, ST_BSY = 0x80;
constexpr int kPollLimit = 100000;  // the device answers at once; this only guards a bad one

// INT 13h status codes (AH)
constexpr u8 kOk = 0x00, kBadCommand = 0x01, kSectorNotFound = 0x04, kReadError = 0x10, kNotReady = 0xAA;

void release(Bios& b);

struct Geometry {
  u32 cylinders, heads, sectors;  // per track
  u32 total;                      // LBA28 sectors
};

// Wait until BSY clears; true unless the device stays busy or reports an error.
bool wait_ready(Bios& b, bool need_drq) {
  for (int i = 0; i < kPollLimit; ++i) {
    u8 st = b.in8(kCommand);
    if (st & ST_BSY) continue;
    if (st & ST_ERR) return false;
    return !need_drq || (st & ST_DRQ);
  }
  return false;
}

void select(Bios& b, u8 drive, u32 lba) {
  b.out8(kControl, 0x02);  // nIEN: the firmware polls; no IRQ 14 for its own transfers
  b.out8(kDevice, u8(0xE0 | ((drive & 1) << 4) | ((lba >> 24) & 0x0F)));
}

// IDENTIFY DEVICE: total sectors (words 60-61) and the default geometry (words 1, 3, 6).
bool identify(Bios& b, u8 drive, Geometry& g) {
  select(b, drive, 0);
  b.out8(kCommand, 0xEC);
  if (!wait_ready(b, true)) return false;
  u16 id[256];
  for (u16& w : id) w = u16(b.m_bus.port_read(kData, 2));
  g.cylinders = id[1], g.heads = id[3], g.sectors = id[6];
  g.total = id[60] | (u32(id[61]) << 16);
  release(b);
  return g.heads && g.sectors;
}

bool transfer(Bios& b, u8 drive, u32 lba, u32 count, u32 phys, bool write) {
  while (count) {
    u32 n = std::min<u32>(count, 256);
    select(b, drive, lba);
    b.out8(kCount, u8(n)), b.out8(kLbaLow, u8(lba)), b.out8(kLbaMid, u8(lba >> 8)), b.out8(kLbaHigh, u8(lba >> 16));
    b.out8(kCommand, write ? 0x30 : 0x20);
    for (u32 s = 0; s < n; ++s, phys += 512) {
      if (!wait_ready(b, true)) return false;
      for (u32 k = 0; k < 512; k += 2) {
        if (write) b.m_bus.port_write(kData, b.read16(phys + k), 2);
        else b.write16(phys + k, u16(b.m_bus.port_read(kData, 2)));
      }
    }
    if (write && (!wait_ready(b, false))) return false;
    lba += n, count -= n;
  }
  return true;
}

// DS:SI disk address packet (EDD): size, count at +2, buffer segment:offset at +4, LBA
// at +8; a buffer of FFFF:FFFF means the 64-bit flat address at +10h.
struct Packet {
  u32 count, buffer;
  u64 lba;
};
Packet read_packet(Bios& b, u32 at) {
  Packet p;
  p.count = b.read16(at + 2);
  u16 off = b.read16(at + 4), seg = b.read16(at + 6);
  p.buffer = (off == 0xFFFF && seg == 0xFFFF && b.read8(at) >= 0x18) ? b.read32(at + 0x10)
                                                                        : Bios::Call::real(seg, off);
  p.lba = b.read32(at + 8) | (u64(b.read32(at + 12)) << 32);
  return p;
}

// After a firmware transfer the controller is left as the OS expects it: no interrupt
// pending (the status read clears it) and interrupts enabled (nIEN = 0).
void release(Bios& b) {
  b.in8(kCommand);
  b.out8(kControl, 0x00);
}

}  // namespace

bool Bios::read_sectors(u8 drive, u32 lba, u32 count, u32 phys) {
  bool ok = transfer(*this, drive, lba, count, phys, false);
  release(*this);
  return ok;
}

bool Bios::write_sectors(u8 drive, u32 lba, u32 count, u32 phys) {
  bool ok = transfer(*this, drive, lba, count, phys, true);
  release(*this);
  return ok;
}

void Bios::disk_service(Call& c) {
  u8 drive = u8(c.edx);
  auto done = [&](u8 status) {
    c.set_ah(status);
    c.carry_out = status != kOk;
    write8(BDA_HD_STATUS, status);
  };
  if (drive < 0x80 || drive >= 0x80 + m_disk_count) return done(kBadCommand);  // no such drive
  Geometry g{};
  if (!identify(*this, drive, g)) return done(kNotReady);
  u32 max_cyl = std::min<u32>(g.cylinders, 1024) - 1;
  switch (c.ah()) {
    case 0x00: case 0x0C: case 0x0D: case 0x10: case 0x11: return done(kOk);  // reset, seek, ready
    case 0x01: c.set_ah(read8(BDA_HD_STATUS)); c.carry_out = c.ah() != 0; return;
    case 0x02: case 0x03: case 0x04: {  // CHS read, write, verify
      u32 cyl = ((c.ecx >> 8) & 0xFF) | ((c.ecx & 0xC0) << 2), sector = c.ecx & 0x3F, head = (c.edx >> 8) & 0xFF;
      u32 count = c.al();
      if (sector == 0 || sector > g.sectors || head >= g.heads || count == 0) return done(kSectorNotFound);
      u32 lba = (cyl * g.heads + head) * g.sectors + sector - 1;
      if (lba + count > g.total) return done(kSectorNotFound);
      u32 buffer = Call::real(c.es, u16(c.ebx));
      bool ok = c.ah() == 0x04 || (c.ah() == 0x02 ? read_sectors(drive, lba, count, buffer)
                                                   : write_sectors(drive, lba, count, buffer));
      if (!ok) return c.set_al(0), done(kReadError);
      return done(kOk);  // AL keeps the count transferred
    }
    case 0x08:  // drive parameters
      c.ecx = (c.ecx & ~0xFFFFu) | ((max_cyl & 0xFF) << 8) | ((max_cyl >> 2) & 0xC0) | g.sectors;
      c.edx = (c.edx & ~0xFFFFu) | ((g.heads - 1) << 8) | m_disk_count;
      return done(kOk);
    case 0x15:  // disk type: fixed disk, CX:DX sectors
      c.ecx = (c.ecx & ~0xFFFFu) | (g.total >> 16), c.edx = (c.edx & ~0xFFFFu) | (g.total & 0xFFFF);
      c.set_ah(0x03);
      c.carry_out = false;
      return;
    case 0x41:  // EDD installation check
      if (u16(c.ebx) != 0x55AA) return done(kBadCommand);
      c.ebx = (c.ebx & ~0xFFFFu) | 0xAA55;
      c.ecx = (c.ecx & ~0xFFFFu) | 0x0001;  // extended disk access functions (42h-44h, 47h, 48h)
      c.set_ah(0x21);                        // EDD 1.1
      c.carry_out = false;
      return;
    case 0x42: case 0x43: case 0x44: {  // extended read, write, verify
      u32 at = Call::real(c.ds, u16(c.esi));
      Packet p = read_packet(*this, at);
      if (p.lba + p.count > g.total) return write16(at + 2, 0), done(kSectorNotFound);
      bool ok = c.ah() == 0x44 || (c.ah() == 0x42 ? read_sectors(drive, u32(p.lba), p.count, p.buffer)
                                                   : write_sectors(drive, u32(p.lba), p.count, p.buffer));
      if (!ok) return write16(at + 2, 0), done(kReadError);
      return done(kOk);
    }
    case 0x48: {  // extended drive parameters
      u32 at = Call::real(c.ds, u16(c.esi));
      if (read16(at) < 0x1A) return done(kBadCommand);
      write16(at, 0x1A), write16(at + 2, 0x0002);  // geometry valid
      write32(at + 4, g.cylinders), write32(at + 8, g.heads), write32(at + 12, g.sectors);
      write32(at + 16, g.total), write32(at + 20, 0), write16(at + 24, 512);
      return done(kOk);
    }
    default:
      return done(kBadCommand);
  }
}

}  // namespace vmlab
