#include "devices/typed_input.h"

namespace vmlab {

void TypedInput::type(const std::string& text) {
  for (char c : text) m_typed.push_back(u8(c));
}

std::optional<u8> TypedInput::poll() {
  ++m_polls;
  std::optional<u8> byte;
  if (!m_schedule.empty()) {
    // Replaying: a byte only at the poll that delivered it the first time.
    if (m_schedule.front().poll != m_polls) return std::nullopt;
    byte = m_schedule.front().byte;
    m_schedule.pop_front();
  } else if (!m_typed.empty()) {
    byte = m_typed.front();
    m_typed.pop_front();
  } else {
    return std::nullopt;
  }
  m_delivered.push_back({m_polls, *byte});
  return byte;
}

void TypedInput::rewind() {
  m_schedule.insert(m_schedule.begin(), m_delivered.begin(), m_delivered.end());
  m_delivered.clear();
  m_polls = 0;
}

void TypedInput::end_replay() { m_schedule.clear(); }

}  // namespace vmlab
