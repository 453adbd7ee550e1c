// VirtualClock arithmetic and the EventQueue: deterministic (time, scheduling order)
// firing, cancellation, and callbacks that schedule or cancel while run_due() runs.
#include "core/virtual_clock.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace vmlab {
namespace {

TEST(VirtualClock, NowIsInstructionsTimesCpiPlusCharged) {
  u64 instructions = 0;
  VirtualClock clock(instructions);
  EXPECT_EQ(clock.now(), 0u);
  instructions = 100;
  EXPECT_EQ(clock.now(), 100u);  // CPI starts at 1
  clock.set_cpi(4);
  clock.charge(30);
  clock.charge(12);
  EXPECT_EQ(clock.cpi(), 4u);
  EXPECT_EQ(clock.now(), 442u);
}

TEST(EventQueue, EmptyQueueHasNoDeadline) {
  EventQueue queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.next_deadline(), EventQueue::kNever);
  queue.run_due(1000);  // nothing to do, nothing breaks
}

TEST(EventQueue, FiresByTimeThenSchedulingOrder) {
  EventQueue queue;
  std::string order;
  queue.schedule(300, [&] { order += 'c'; });
  queue.schedule(100, [&] { order += 'a'; });
  queue.schedule(200, [&] { order += 'b'; });
  queue.schedule(100, [&] { order += 'A'; });
  queue.schedule(200, [&] { order += 'B'; });
  EXPECT_EQ(queue.next_deadline(), 100u);
  queue.run_due(99);
  EXPECT_EQ(order, "");
  queue.run_due(200);
  EXPECT_EQ(order, "aAbB");
  EXPECT_EQ(queue.next_deadline(), 300u);
  EXPECT_FALSE(queue.empty());
  queue.run_due(300);
  EXPECT_EQ(order, "aAbBc");
  EXPECT_TRUE(queue.empty());
}

TEST(EventQueue, CancelledTimersNeverFire) {
  EventQueue queue;
  std::string order;
  TimerId first = queue.schedule(10, [&] { order += '1'; });
  queue.schedule(20, [&] { order += '2'; });
  TimerId third = queue.schedule(30, [&] { order += '3'; });
  queue.cancel(first);
  EXPECT_EQ(queue.next_deadline(), 20u);
  queue.cancel(third);
  queue.run_due(100);
  EXPECT_EQ(order, "2");
  EXPECT_TRUE(queue.empty());
}

TEST(EventQueue, CancellingFiredOrUnknownTimersIsHarmless) {
  EventQueue queue;
  int fired = 0;
  TimerId id = queue.schedule(5, [&] { ++fired; });
  queue.run_due(5);
  queue.cancel(id);
  queue.cancel(id);
  queue.cancel(987654);
  TimerId later = queue.schedule(6, [&] { ++fired; });
  EXPECT_NE(later, id);  // ids are never reused, so an old id cannot cancel a new timer
  queue.run_due(6);
  EXPECT_EQ(fired, 2);
}

TEST(EventQueue, PeriodicTimerReschedulesItself) {
  EventQueue queue;
  std::vector<u64> ticks;
  u64 now = 0;
  std::function<void()> tick = [&] {
    ticks.push_back(now);
    queue.schedule(now + 100, tick);
  };
  queue.schedule(100, tick);
  for (now = 0; now <= 350; now += 50) queue.run_due(now);
  EXPECT_EQ(ticks, (std::vector<u64>{100, 200, 300}));
  EXPECT_EQ(queue.next_deadline(), 400u);
}

TEST(EventQueue, TimerScheduledAlreadyDueFiresInSameRun) {
  EventQueue queue;
  std::string order;
  queue.schedule(10, [&] {
    order += 'a';
    queue.schedule(10, [&] { order += 'c'; });
  });
  queue.schedule(10, [&] { order += 'b'; });
  queue.run_due(10);
  EXPECT_EQ(order, "abc");  // same time: scheduling order, the late one last
}

TEST(EventQueue, CallbackMayCancelAnotherDueTimer) {
  EventQueue queue;
  std::string order;
  TimerId victim = 0;
  queue.schedule(10, [&] {
    order += 'a';
    queue.cancel(victim);
  });
  victim = queue.schedule(10, [&] { order += 'x'; });
  queue.schedule(11, [&] { order += 'b'; });
  queue.run_due(20);
  EXPECT_EQ(order, "ab");
}

TEST(EventQueue, ManyCancellationsKeepOrderAndLiveTimers) {
  EventQueue queue;
  std::vector<int> fired;
  std::vector<TimerId> ids;
  for (int i = 0; i < 300; ++i)
    ids.push_back(queue.schedule(1000 - i, [&, i] { fired.push_back(i); }));
  for (int i = 0; i < 300; ++i) {
    if (i % 3 != 0) queue.cancel(ids[i]);
  }
  EXPECT_EQ(queue.next_deadline(), 1000u - 297u);
  queue.run_due(1000);
  ASSERT_EQ(fired.size(), 100u);
  for (size_t k = 0; k < fired.size(); ++k) EXPECT_EQ(fired[k], 297 - 3 * static_cast<int>(k));
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace vmlab

namespace vmlab {
namespace {

TEST(EventQueueEarlierDeadline, ReportsOnlyANewEarliestTimer) {
  EventQueue q;
  std::vector<u64> reported;
  q.on_earlier_deadline = [&](u64 when) { reported.push_back(when); };
  q.schedule(100, [] {});
  q.schedule(200, [] {});  // later than 100: not reported
  q.schedule(50, [] {});   // earlier: reported
  EXPECT_EQ(reported, (std::vector<u64>{100, 50}));
}

}  // namespace
}  // namespace vmlab
