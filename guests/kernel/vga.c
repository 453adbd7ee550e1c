/* The VGA text screen (80x25 at physical 0xB8000) as a second console, with the
 * hardware cursor moved through the CRTC once per write. */
#include "kernel.h"
#include "platform.h"

#define COLS 80
#define ROWS 25
#define ATTR 0x0700

static volatile u16* const screen = (volatile u16*)(KERNBASE + 0xB8000);
static u32 pos;

static void set_cursor(void) {
  pv->outb(0x3D4, 0x0E);
  pv->outb(0x3D5, (u8)(pos >> 8));
  pv->outb(0x3D4, 0x0F);
  pv->outb(0x3D5, (u8)pos);
}

void vga_init(void) {
  for (u32 i = 0; i < COLS * ROWS; ++i) screen[i] = ATTR | ' ';
  pos = 0;
  set_cursor();
}

void vga_write(const char* s, u32 n) {
  for (u32 i = 0; i < n; ++i) {
    char c = s[i];
    if (c == '\n') {
      pos += COLS - pos % COLS;
    } else if (c == '\r') {
      pos -= pos % COLS;
    } else if (c == '\b') {
      if (pos % COLS) --pos;
    } else {
      screen[pos++] = ATTR | (u8)c;
    }
    if (pos >= COLS * ROWS) {
      for (u32 k = 0; k < COLS * (ROWS - 1); ++k) screen[k] = screen[k + COLS];
      for (u32 k = COLS * (ROWS - 1); k < COLS * ROWS; ++k) screen[k] = ATTR | ' ';
      pos -= COLS;
    }
  }
  set_cursor();
}
