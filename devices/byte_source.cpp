#include "devices/byte_source.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace vmlab {

// Return a buffered byte, refilling the buffer first when it is empty and the
// descriptor has data now. nullopt means "nothing yet" until at_end() says "never".
std::optional<u8> StdinSource::poll() {
  if (m_next == m_buffer.size() && !m_eof) refill();
  if (m_next == m_buffer.size()) return std::nullopt;
  return m_buffer[m_next++];
}

// One non-blocking look at the descriptor. A zero-timeout ::poll() that reports
// POLLIN or POLLHUP means read() will not block: it returns data, or 0 at end of
// file (a pipe whose writers all closed, the end of a regular file, Ctrl-D on a
// terminal). POLLNVAL (not an open descriptor) and hard read errors end the source
// so that a bad descriptor cannot make the device poll it forever. EINTR and EAGAIN
// (another reader got there first) just mean "try again later".
void StdinSource::refill() {
  pollfd request{m_fd, POLLIN, 0};
  int ready = ::poll(&request, 1, 0);
  if (ready <= 0) return;  // nothing now, or interrupted: ask again at the next poll
  if (request.revents & POLLNVAL) {
    m_eof = true;
    return;
  }
  m_buffer.resize(4096);
  m_next = 0;
  ssize_t got = ::read(m_fd, m_buffer.data(), m_buffer.size());
  if (got > 0) {
    m_buffer.resize(size_t(got));
    return;
  }
  m_buffer.clear();
  if (got == 0 || (errno != EINTR && errno != EAGAIN)) m_eof = true;
}

std::optional<u8> StringSource::poll() {
  if (m_next == m_text.size()) return std::nullopt;
  return u8(m_text[m_next++]);
}

}  // namespace vmlab
