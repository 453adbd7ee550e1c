#include "core/events.h"

#include <algorithm>

#include "core/virtual_clock.h"

namespace vmlab {

const char* event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::Exception: return "Exception";
    case EventKind::Interrupt: return "Interrupt";
    case EventKind::SoftwareInt: return "SoftwareInt";
    case EventKind::PageWalk: return "PageWalk";
    case EventKind::TlbFill: return "TlbFill";
    case EventKind::TlbFlush: return "TlbFlush";
    case EventKind::PortIo: return "PortIo";
    case EventKind::Mmio: return "Mmio";
    case EventKind::Halt: return "Halt";
    case EventKind::TaskSwitch: return "TaskSwitch";
    case EventKind::Exit: return "Exit";
    case EventKind::RunEnd: return "RunEnd";
    case EventKind::IrqLine: return "IrqLine";
  }
  return "?";
}

// SDM Vol. 3, Table 6-1 (Protected-Mode Exceptions and Interrupts), vectors 0-17.
const char* exception_mnemonic(u32 vector) {
  static const char* const kNames[] = {
      "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
      nullptr,  // 9: coprocessor segment overrun, reserved after the i386
      "#TS", "#NP", "#SS", "#GP", "#PF",
      nullptr,  // 15: reserved
      "#MF", "#AC",
  };
  return vector < std::size(kNames) ? kNames[vector] : nullptr;
}

int EventStream::subscribe(Subscriber subscriber) {
  int handle = m_next_handle++;
  // Growing m_subscribers while one of its elements is executing would move that
  // std::function out from under its own call, so additions wait for publish() to end.
  if (m_publish_depth > 0) {
    m_added_while_publishing.emplace_back(handle, std::move(subscriber));
  } else {
    m_subscribers.emplace_back(handle, std::move(subscriber));
  }
  update_listening();
  return handle;
}

// Unknown handles are ignored, so unsubscribing twice is harmless.
void EventStream::unsubscribe(int handle) {
  if (handle <= 0) return;
  auto same = [handle](const auto& entry) { return entry.first == handle; };
  std::erase_if(m_added_while_publishing, same);
  if (m_publish_depth > 0) {
    // The subscriber may be the one running now: mark it and erase it later.
    auto it = std::find_if(m_subscribers.begin(), m_subscribers.end(), same);
    if (it != m_subscribers.end()) it->first = 0;
    return;
  }
  std::erase_if(m_subscribers, same);
  update_listening();
}

// Apply the subscribes and unsubscribes deferred while subscribers were running.
void EventStream::settle_subscribers() {
  std::erase_if(m_subscribers, [](const auto& entry) { return entry.first == 0; });
  for (auto& entry : m_added_while_publishing) m_subscribers.push_back(std::move(entry));
  m_added_while_publishing.clear();
  update_listening();
}

void EventStream::set_history_capacity(size_t capacity) {
  std::vector<Event> kept = history();
  if (kept.size() > capacity) kept.erase(kept.begin(), kept.end() - capacity);
  m_ring.assign(capacity, Event{});
  std::copy(kept.begin(), kept.end(), m_ring.begin());
  m_ring_count = kept.size();
  m_ring_next = capacity == 0 ? 0 : m_ring_count % capacity;
  update_listening();
}

std::vector<Event> EventStream::history() const {
  std::vector<Event> out;
  out.reserve(m_ring_count);
  if (m_ring_count < m_ring.size()) {
    out.assign(m_ring.begin(), m_ring.begin() + m_ring_count);
  } else {
    out.assign(m_ring.begin() + m_ring_next, m_ring.end());
    out.insert(out.end(), m_ring.begin(), m_ring.begin() + m_ring_next);
  }
  return out;
}

// Stamp the event with the virtual time, record it, and hand it to every subscriber
// in subscription order. A subscriber may emit() in turn (nested publish) and may
// subscribe or unsubscribe; the guard settles those changes even if a subscriber throws.
void EventStream::publish(Event& e) {
  e.time = m_clock.now();
  ++m_total;
  if (!m_ring.empty()) {
    m_ring[m_ring_next] = e;
    m_ring_next = (m_ring_next + 1) % m_ring.size();
    m_ring_count = std::min(m_ring_count + 1, m_ring.size());
  }
  struct DepthGuard {
    EventStream& stream;
    ~DepthGuard() {
      if (--stream.m_publish_depth == 0) stream.settle_subscribers();
    }
  };
  ++m_publish_depth;
  DepthGuard guard{*this};
  for (const auto& [handle, subscriber] : m_subscribers) {
    if (handle != 0) subscriber(e);
  }
}

}  // namespace vmlab
