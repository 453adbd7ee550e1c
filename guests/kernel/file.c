/* Open files and pipes. User buffers have been checked (uaccess) by the system call
 * layer; reads and writes here copy in bounded chunks and may sleep. */
#include "file.h"

#include "kernel.h"
#include "platform.h"
#include "proc.h"
#include "vm.h"

enum file_type { F_FREE, F_CONSOLE, F_INITRD, F_PIPE, F_DISK };

#define PIPE_SIZE (PAGE_SIZE - 4 * sizeof(u32))
struct pipe {
  u32 read_count, write_count; /* bytes ever read and written: their difference is queued */
  u32 readers, writers;
  u8 data[PIPE_SIZE];
};

struct file {
  enum file_type type;
  u32 refs;
  int readable, writable;
  u32 offset;
  const struct initrd_file* initrd;
  struct pipe* pipe;
};

#define NFILE 256
static struct file files[NFILE];

static struct file* file_alloc(enum file_type type, int readable, int writable) {
  u32 flags = irq_save();
  struct file* f = 0;
  for (int i = 0; i < NFILE && !f; ++i)
    if (files[i].type == F_FREE) f = &files[i];
  if (f) *f = (struct file){.type = type, .refs = 1, .readable = readable, .writable = writable};
  irq_restore(flags);
  return f;
}

struct file* file_open_console(void) { return file_alloc(F_CONSOLE, 1, 1); }

int file_open(const char* path, int flags, struct file** out) {
  int readable = (flags & 3) != O_WRONLY, writable = (flags & 3) != O_RDONLY;
  if ((flags & 3) == 3) return -EINVAL;
  struct file* f;
  if (!strcmp(path, "/dev/console")) {
    f = file_alloc(F_CONSOLE, readable, writable);
  } else if (!strcmp(path, "/dev/disk0")) {
    if (!ide_present()) return -ENODEV;
    f = file_alloc(F_DISK, readable, writable);
  } else {
    if (path[0] == '/') ++path;
    const struct initrd_file* entry = initrd_find(path);
    if (!entry) return -ENOENT;
    if (writable) return -EPERM; /* the initrd is read-only */
    f = file_alloc(F_INITRD, 1, 0);
    if (f) f->initrd = entry;
  }
  if (!f) return -EMFILE;
  *out = f;
  return 0;
}

int file_pipe(struct file** read_end, struct file** write_end) {
  u32 page = page_alloc();
  if (!page) return -ENOMEM;
  struct pipe* pipe = P2V(page);
  pipe->readers = pipe->writers = 1;
  *read_end = file_alloc(F_PIPE, 1, 0);
  *write_end = file_alloc(F_PIPE, 0, 1);
  if (!*read_end || !*write_end) {
    if (*read_end) (*read_end)->type = F_FREE;
    if (*write_end) (*write_end)->type = F_FREE;
    page_free(page);
    return -EMFILE;
  }
  (*read_end)->pipe = (*write_end)->pipe = pipe;
  return 0;
}

struct file* file_dup(struct file* f) {
  u32 flags = irq_save();
  ++f->refs;
  if (f->type == F_PIPE) f->readable ? ++f->pipe->readers : ++f->pipe->writers;
  irq_restore(flags);
  return f;
}

void file_close(struct file* f) {
  u32 flags = irq_save();
  if (f->type == F_PIPE) {
    struct pipe* pipe = f->pipe;
    f->readable ? --pipe->readers : --pipe->writers;
    wakeup(pipe);
    if (!pipe->readers && !pipe->writers) page_free(V2P(pipe));
  }
  if (--f->refs == 0) f->type = F_FREE;
  irq_restore(flags);
}

static int pipe_read(struct pipe* pipe, u8* dst, u32 n) {
  u32 flags = irq_save();
  while (pipe->read_count == pipe->write_count && pipe->writers) sleep_on(pipe);
  u32 got = 0;
  while (got < n && pipe->read_count != pipe->write_count)
    dst[got++] = pipe->data[pipe->read_count++ % PIPE_SIZE];
  wakeup(pipe);
  irq_restore(flags);
  return (int)got;
}

static int pipe_write(struct pipe* pipe, const u8* src, u32 n) {
  u32 flags = irq_save();
  u32 put = 0;
  while (put < n) {
    if (!pipe->readers) {
      irq_restore(flags);
      return put ? (int)put : -EPIPE;
    }
    if (pipe->write_count - pipe->read_count == PIPE_SIZE) {
      wakeup(pipe);
      sleep_on(pipe);
      continue;
    }
    pipe->data[pipe->write_count++ % PIPE_SIZE] = src[put++];
  }
  wakeup(pipe);
  irq_restore(flags);
  return (int)put;
}

/* The raw disk: any offset and length, a sector at a time where they are not aligned,
 * whole runs of sectors through a bounce buffer where they are. */
#define BOUNCE_SECTORS 64
static u8 bounce[BOUNCE_SECTORS * 512];
static int bounce_busy;

static int disk_io(struct file* f, u8* user, u32 n, int write) {
  u64 size = (u64)ide_sectors() * 512;
  if (f->offset >= size) return 0;
  if (n > size - f->offset) n = (u32)(size - f->offset);
  u32 flags = irq_save();
  while (bounce_busy) sleep_on(&bounce_busy);
  bounce_busy = 1;
  irq_restore(flags);
  u32 done = 0;
  int err = 0;
  while (done < n && !err) {
    u32 lba = f->offset / 512, skip = f->offset % 512;
    u32 sectors = (skip + (n - done) + 511) / 512;
    if (sectors > BOUNCE_SECTORS) sectors = BOUNCE_SECTORS;
    u32 bytes = sectors * 512 - skip;
    if (bytes > n - done) bytes = n - done;
    int partial = skip || (bytes % 512);
    if (!write || partial) err = ide_transfer(lba, sectors, bounce, 0);
    if (!err && write) {
      memcpy(bounce + skip, user + done, bytes);
      err = ide_transfer(lba, sectors, bounce, 1);
    } else if (!err) {
      memcpy(user + done, bounce + skip, bytes);
    }
    if (!err) done += bytes, f->offset += bytes;
  }
  flags = irq_save();
  bounce_busy = 0;
  wakeup(&bounce_busy);
  irq_restore(flags);
  return done ? (int)done : err;
}

int file_read(struct file* f, u32 uaddr, u32 n) {
  if (!f->readable) return -EBADF;
  u8* dst = (u8*)uaddr;
  switch (f->type) {
    case F_CONSOLE: return console_read((char*)dst, n);
    case F_PIPE: return pipe_read(f->pipe, dst, n);
    case F_DISK: return disk_io(f, dst, n, 0);
    case F_INITRD: {
      if (f->offset >= f->initrd->size) return 0;
      if (n > f->initrd->size - f->offset) n = f->initrd->size - f->offset;
      memcpy(dst, f->initrd->data + f->offset, n);
      f->offset += n;
      return (int)n;
    }
    default: return -EBADF;
  }
}

int file_write(struct file* f, u32 uaddr, u32 n) {
  if (!f->writable) return -EBADF;
  switch (f->type) {
    case F_CONSOLE: console_write((const char*)uaddr, n); return (int)n;
    case F_PIPE: return pipe_write(f->pipe, (const u8*)uaddr, n);
    case F_DISK: return disk_io(f, (u8*)uaddr, n, 1);
    default: return -EBADF;
  }
}

int file_seek(struct file* f, i32 offset, int whence) {
  if (f->type != F_DISK && f->type != F_INITRD) return -ESPIPE;
  i64 end = f->type == F_DISK ? (i64)ide_sectors() * 512 : (i64)f->initrd->size;
  i64 base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (i64)f->offset : whence == SEEK_END ? end : -1;
  if (base < 0) return -EINVAL;
  i64 target = base + offset;
  if (target < 0 || target > 0x7FFFFFFF) return -EINVAL;
  f->offset = (u32)target;
  return (int)target;
}
