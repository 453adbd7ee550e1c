#include "core/virtual_clock.h"

#include <utility>

namespace vmlab {

// Ids only grow, so among timers due at the same cycle the one scheduled first has the
// smaller id and fires first: the order never depends on heap internals.
TimerId EventQueue::schedule(u64 when, std::function<void()> callback) {
  bool earliest = when < next_deadline();
  TimerId id = m_next_id++;
  m_heap.push(Timer{when, id, std::move(callback)});
  m_pending.insert(id);
  if (earliest && on_earlier_deadline) on_earlier_deadline(when);
  return id;
}

// Cancelling only forgets the id; the heap entry is skipped when it surfaces. A device
// that keeps re-arming far-future timers would grow the heap with dead entries, so
// once they outnumber the live ones the heap is rebuilt from the live ones.
void EventQueue::cancel(TimerId id) {
  if (m_pending.erase(id) == 0) return;
  if (m_heap.size() < 64 || m_heap.size() < 2 * m_pending.size()) return;
  decltype(m_heap) live;
  while (!m_heap.empty()) {
    // Moving the callback out of top() is safe: pop() orders by (when, id) only.
    Timer& top = const_cast<Timer&>(m_heap.top());
    if (m_pending.count(top.id)) live.push(std::move(top));
    m_heap.pop();
  }
  m_heap = std::move(live);
}

// Pop cancelled entries off the top so that top() is a timer that will fire.
void EventQueue::drop_cancelled() {
  while (!m_heap.empty() && !m_pending.count(m_heap.top().id)) m_heap.pop();
}

u64 EventQueue::next_deadline() {
  drop_cancelled();
  return m_heap.empty() ? kNever : m_heap.top().when;
}

// Each timer is taken off the heap before its callback runs, so the callback can
// schedule (even itself again) and cancel freely; the loop re-reads the heap top.
void EventQueue::run_due(u64 now) {
  for (;;) {
    drop_cancelled();
    if (m_heap.empty() || m_heap.top().when > now) return;
    // Moving the callback out of top() is safe: pop() orders by (when, id) only.
    std::function<void()> callback = std::move(const_cast<Timer&>(m_heap.top()).callback);
    m_pending.erase(m_heap.top().id);
    m_heap.pop();
    callback();
  }
}

bool EventQueue::empty() {
  drop_cancelled();
  return m_heap.empty();
}

}  // namespace vmlab
