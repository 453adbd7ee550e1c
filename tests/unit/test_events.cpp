// EventStream: the one-branch fast path when nobody listens, subscription order,
// time stamping, the history ring, and subscribe / unsubscribe from inside callbacks.
#include "core/events.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/virtual_clock.h"

namespace vmlab {
namespace {

class EventsTest : public ::testing::Test {
 protected:
  void emit_a(u32 a) { events.emit(Event{.kind = EventKind::Halt, .a = a}); }

  std::vector<u32> history_a() const {
    std::vector<u32> out;
    for (const Event& e : events.history()) out.push_back(e.a);
    return out;
  }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
};

TEST_F(EventsTest, NotListeningByDefaultAndEmitIsDropped) {
  EXPECT_FALSE(events.listening());
  emit_a(1);
  EXPECT_EQ(events.total_emitted(), 0u);
  EXPECT_TRUE(events.history().empty());
}

TEST_F(EventsTest, SubscribersRunInSubscriptionOrderWithVirtualTime) {
  std::vector<std::string> calls;
  events.subscribe([&](const Event& e) { calls.push_back("first " + std::to_string(e.time)); });
  events.subscribe([&](const Event& e) { calls.push_back("second " + std::to_string(e.a)); });
  EXPECT_TRUE(events.listening());
  clock.set_cpi(3);
  instructions = 10;
  clock.charge(7);
  emit_a(99);
  EXPECT_EQ(calls, (std::vector<std::string>{"first 37", "second 99"}));
  EXPECT_EQ(events.total_emitted(), 1u);
}

TEST_F(EventsTest, UnsubscribeStopsDeliveryAndListening) {
  int count = 0;
  int handle = events.subscribe([&](const Event&) { ++count; });
  emit_a(1);
  events.unsubscribe(handle);
  EXPECT_FALSE(events.listening());
  emit_a(2);
  EXPECT_EQ(count, 1);
  events.unsubscribe(handle);  // twice is harmless
  events.unsubscribe(12345);   // so is a handle never given out
}

TEST_F(EventsTest, HistoryKeepsLastEventsOldestFirst) {
  events.set_history_capacity(3);
  EXPECT_TRUE(events.listening());
  emit_a(0);
  emit_a(1);
  EXPECT_EQ(history_a(), (std::vector<u32>{0, 1}));
  for (u32 a = 2; a < 8; ++a) emit_a(a);
  EXPECT_EQ(history_a(), (std::vector<u32>{5, 6, 7}));
  EXPECT_EQ(events.total_emitted(), 8u);
}

TEST_F(EventsTest, ResizingHistoryKeepsNewestEvents) {
  events.set_history_capacity(4);
  for (u32 a = 0; a < 6; ++a) emit_a(a);  // ring has wrapped: 2 3 4 5
  events.set_history_capacity(2);
  EXPECT_EQ(history_a(), (std::vector<u32>{4, 5}));
  events.set_history_capacity(5);
  emit_a(6);
  emit_a(7);
  emit_a(8);
  emit_a(9);
  EXPECT_EQ(history_a(), (std::vector<u32>{5, 6, 7, 8, 9}));
  events.set_history_capacity(0);
  EXPECT_FALSE(events.listening());
  EXPECT_TRUE(events.history().empty());
}

TEST_F(EventsTest, SubscriberMayUnsubscribeItselfDuringCallback) {
  int self_calls = 0, other_calls = 0;
  int self = 0;
  self = events.subscribe([&](const Event&) {
    ++self_calls;
    events.unsubscribe(self);
  });
  events.subscribe([&](const Event&) { ++other_calls; });
  emit_a(1);
  emit_a(2);
  EXPECT_EQ(self_calls, 1);
  EXPECT_EQ(other_calls, 2);  // the later subscriber still saw the first event
}

TEST_F(EventsTest, SubscriberRemovedDuringCallbackIsNotCalledAgain) {
  int later_calls = 0;
  int later = 0;
  events.subscribe([&](const Event&) { events.unsubscribe(later); });
  later = events.subscribe([&](const Event&) { ++later_calls; });
  emit_a(1);
  EXPECT_EQ(later_calls, 0);
  EXPECT_TRUE(events.listening());  // the first subscriber is still there
}

TEST_F(EventsTest, SubscriberAddedDuringCallbackSeesOnlyLaterEvents) {
  std::vector<u32> seen;
  bool added = false;
  events.subscribe([&](const Event&) {
    if (added) return;
    added = true;
    events.subscribe([&](const Event& e) { seen.push_back(e.a); });
  });
  emit_a(1);
  emit_a(2);
  EXPECT_EQ(seen, (std::vector<u32>{2}));
}

TEST_F(EventsTest, LastSubscriberLeavingDuringCallbackStopsListening) {
  int handle = 0;
  handle = events.subscribe([&](const Event&) { events.unsubscribe(handle); });
  emit_a(1);
  EXPECT_FALSE(events.listening());
}

TEST_F(EventsTest, SubscriberMayEmitNestedEvents) {
  std::vector<u32> seen;
  events.subscribe([&](const Event& e) {
    seen.push_back(e.a);
    if (e.a == 1) emit_a(2);
  });
  emit_a(1);
  EXPECT_EQ(seen, (std::vector<u32>{1, 2}));
  EXPECT_EQ(events.total_emitted(), 2u);
}

TEST_F(EventsTest, ThrowingSubscriberLeavesStreamConsistent) {
  int handle = 0;
  handle = events.subscribe([&](const Event&) {
    events.unsubscribe(handle);
    throw std::runtime_error("subscriber failed");
  });
  EXPECT_THROW(emit_a(1), std::runtime_error);
  EXPECT_FALSE(events.listening());
  int count = 0;
  events.subscribe([&](const Event&) { ++count; });
  emit_a(2);
  EXPECT_EQ(count, 1);
}

TEST(EventNames, KindsAndExceptionMnemonics) {
  EXPECT_STREQ(event_kind_name(EventKind::PageWalk), "PageWalk");
  EXPECT_STREQ(event_kind_name(EventKind::RunEnd), "RunEnd");
  EXPECT_STREQ(exception_mnemonic(0), "#DE");
  EXPECT_STREQ(exception_mnemonic(2), "NMI");
  EXPECT_STREQ(exception_mnemonic(8), "#DF");
  EXPECT_STREQ(exception_mnemonic(13), "#GP");
  EXPECT_STREQ(exception_mnemonic(14), "#PF");
  EXPECT_STREQ(exception_mnemonic(17), "#AC");
  EXPECT_EQ(exception_mnemonic(9), nullptr);
  EXPECT_EQ(exception_mnemonic(15), nullptr);
  EXPECT_EQ(exception_mnemonic(18), nullptr);
  EXPECT_EQ(exception_mnemonic(0x80), nullptr);
}

}  // namespace
}  // namespace vmlab
