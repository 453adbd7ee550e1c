/* The primary IDE channel's master disk, PIO with interrupts: READ SECTORS and WRITE
 * SECTORS (LBA28), one IRQ 14 per sector, the data moved by the interrupt handler. One
 * request at a time; the caller sleeps until its request completes. */
#include "kernel.h"
#include "platform.h"
#include "proc.h"

#define DATA 0x1F0
#define COUNT 0x1F2
#define LBA_LOW 0x1F3
#define LBA_MID 0x1F4
#define LBA_HIGH 0x1F5
#define DRIVE 0x1F6
#define STATUS 0x1F7 /* read: status (acknowledges the interrupt); write: command */
#define CONTROL 0x3F6

#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DF 0x20
#define ST_BSY 0x80

#define CMD_READ 0x20
#define CMD_WRITE 0x30
#define CMD_IDENTIFY 0xEC

static struct {
  u8* buf;
  u32 remaining;
  int write, error, done, active;
} req;
static int present;
static u32 sectors;

static u8 wait_not_busy(void) {
  u8 st;
  while ((st = pv->inb(STATUS)) & ST_BSY) {
  }
  return st;
}

int ide_present(void) { return present; }
u32 ide_sectors(void) { return sectors; }

void ide_init(void) {
  u8 st = pv->inb(STATUS);
  if (st == 0xFF) return; /* floating bus: no controller or no drive */
  pv->outb(DRIVE, 0xA0);
  pv->outb(CONTROL, 0x02); /* nIEN while identifying by polling */
  pv->outb(STATUS, CMD_IDENTIFY);
  st = pv->inb(STATUS);
  if (!st) return; /* no master drive */
  st = wait_not_busy();
  if ((st & ST_ERR) || !(st & ST_DRQ)) return; /* an ATAPI or absent device */
  u16 id[256];
  pv->insw(DATA, id, 256);
  sectors = id[60] | ((u32)id[61] << 16);
  present = sectors != 0;
  pv->outb(CONTROL, 0x00); /* interrupts on */
  pic_unmask(IRQ_IDE);
  kprintf("kernel: disk0: %u sectors (%u KiB)\n", sectors, sectors / 2);
}

void ide_interrupt(void) {
  u8 st = pv->inb(STATUS);
  if (!req.active) return;
  if (st & (ST_ERR | ST_DF)) {
    req.error = 1;
  } else if (!req.write) {
    pv->insw(DATA, req.buf, 256);
    req.buf += 512;
    if (--req.remaining) return;
  } else if (req.remaining) {
    pv->outsw(DATA, req.buf, 256);
    req.buf += 512;
    --req.remaining;
    return;
  }
  req.done = 1;
  req.active = 0;
  wakeup(&req);
}

int ide_transfer(u32 lba, u32 count, void* buf, int write) {
  if (!present) return -ENODEV;
  if (!count || count > 255 || lba + count > sectors || lba + count < lba) return -EINVAL;
  u32 flags = irq_save();
  wait_not_busy();
  req.buf = buf;
  req.remaining = count;
  req.write = write;
  req.error = req.done = 0;
  req.active = 1;
  pv->outb(DRIVE, (u8)(0xE0 | ((lba >> 24) & 0x0F)));
  pv->outb(COUNT, (u8)count);
  pv->outb(LBA_LOW, (u8)lba);
  pv->outb(LBA_MID, (u8)(lba >> 8));
  pv->outb(LBA_HIGH, (u8)(lba >> 16));
  pv->outb(STATUS, write ? CMD_WRITE : CMD_READ);
  if (write) {
    /* The first sector goes out when the drive asks (DRQ); each interrupt after it asks
     * for the next one, and the last one reports completion. */
    u8 st;
    while (((st = pv->inb(STATUS)) & ST_BSY) || !(st & (ST_DRQ | ST_ERR))) {
    }
    if (st & ST_ERR) {
      req.active = 0;
      irq_restore(flags);
      return -EIO;
    }
    pv->outsw(DATA, req.buf, 256);
    req.buf += 512;
    --req.remaining;
  }
  while (!req.done) sleep_on(&req);
  int err = req.error ? -EIO : 0;
  irq_restore(flags);
  return err;
}
