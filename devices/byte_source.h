// Host input for character devices: where the bytes a guest "receives" come from.
//
// A device (the UART) polls its ByteSource on its own virtual-time schedule; the
// source never blocks and never calls back. poll() answers "is there a byte right
// now?"; at_end() says no byte will ever come again, so the device can stop polling
// (and the Machine can tell a guest waiting for input that none will come).
//
//   StdinSource   a host file descriptor (stdin by default): pipe, file or terminal
//   StringSource  a fixed string, for tests and scripted input
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/types.h"

namespace vmlab {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // The next byte if one is available now, else nullopt. Never blocks.
  virtual std::optional<u8> poll() = 0;
  // True once the source has ended and every byte it had has been returned.
  virtual bool at_end() const = 0;
};

// Reads a host file descriptor without blocking and without setting O_NONBLOCK.
//
// O_NONBLOCK is a property of the open file description, which a terminal or pipe
// shares with the shell and every other process holding it; setting it would leak
// into them (a shell whose terminal suddenly returns EAGAIN misbehaves). Instead
// poll() asks ::poll() with a zero timeout whether a read would block and reads
// only when it would not. What one read() returns (up to 4 KiB: a line from a
// terminal, a chunk from a pipe or file) is buffered and handed out a byte at a time.
//
// The descriptor is borrowed: StdinSource never closes it.
class StdinSource : public ByteSource {
 public:
  explicit StdinSource(int fd = 0) : m_fd(fd), m_eof(fd < 0) {}
  std::optional<u8> poll() override;
  bool at_end() const override { return m_eof && m_next == m_buffer.size(); }

 private:
  void refill();

  int m_fd;
  bool m_eof;                   // read() returned 0, or the descriptor is unusable
  std::vector<u8> m_buffer;     // bytes read but not yet handed out
  size_t m_next = 0;            // index of the next byte in m_buffer
};

// Hands out the bytes of a string, one per poll(), then ends.
class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string text) : m_text(std::move(text)) {}
  std::optional<u8> poll() override;
  bool at_end() const override { return m_next == m_text.size(); }

 private:
  std::string m_text;
  size_t m_next = 0;
};

}  // namespace vmlab
