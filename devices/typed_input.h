// Input a person types into a front end's console (the visualizer's COM1 box), kept so
// that a re-execution of the guest sees every byte at the same virtual moment.
//
// The UART polls its source on its own virtual-time schedule (byte_source.h), so "the
// n-th poll" is a point in the guest's time. TypedInput hands out typed bytes in order
// and records the poll that delivered each. rewind() turns that record into a schedule
// for the next run of the same guest: byte b at poll n again, and nothing typed since is
// delivered until the schedule is used up or dropped (end_replay(): the timeline forks
// where the re-execution stopped).
#pragma once
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "devices/byte_source.h"

namespace vmlab {

class TypedInput : public ByteSource {
 public:
  struct Delivery {
    u64 poll = 0;  // 1 = the first poll of this run
    u8 byte = 0;
  };

  // Queue bytes for the guest: delivered one per poll, after any replay schedule.
  void type(const std::string& text);
  std::optional<u8> poll() override;
  // A person may always type more.
  bool at_end() const override { return false; }

  // The guest starts again from its first instruction: replay what was delivered.
  void rewind();
  // Stop replaying: what the earlier run received after this point is forgotten.
  void end_replay();

  const std::vector<Delivery>& delivered() const { return m_delivered; }
  size_t pending() const { return m_typed.size(); }

 private:
  u64 m_polls = 0;
  std::vector<Delivery> m_delivered;
  std::deque<Delivery> m_schedule;  // replay: bytes at their recorded polls
  std::deque<u8> m_typed;
};

}  // namespace vmlab
