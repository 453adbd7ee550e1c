/* Open files: the console, initrd files (read-only), pipes, and the raw disk. */
#ifndef KERNEL_FILE_H
#define KERNEL_FILE_H

#include "types.h"

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

struct file;

struct file* file_open_console(void);
int file_open(const char* path, int flags, struct file** out); /* 0 or -errno */
int file_pipe(struct file** read_end, struct file** write_end);
struct file* file_dup(struct file* f);
void file_close(struct file* f);
int file_read(struct file* f, u32 uaddr, u32 n);  /* bytes or -errno; may sleep */
int file_write(struct file* f, u32 uaddr, u32 n);
int file_seek(struct file* f, i32 offset, int whence);

#endif
