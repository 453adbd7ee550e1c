// The event stream: what happened, when, in guest virtual time.
//
// Emitters build an Event and call EventStream::emit(). When nobody listens, emit()
// is one predictable branch on a bool; emitters that must do work to build an event
// test listening() first. Listeners are subscribers (called synchronously, in
// subscription order) and the history ring, which keeps the last N events for the GUI
// and for tests.
//
// Event payload by kind (a, b, c are u32; fields unused by a kind are 0):
//   Exception    a=vector b=error code c=EIP of the faulting instruction  flags: kHasErrorCode
//   Interrupt    a=vector (external, from the interrupt controller)       c=EIP
//   SoftwareInt  a=vector c=EIP
//   PageWalk     a=linear address b=physical address of the entry c=entry value
//                level=2 (PDE) or 1 (PTE)  table=PageTableKind
//   TlbFill      a=linear page b=physical page c=PTE flags
//   TlbFlush     a=linear page (kInvlpg) or 0  flags: kGlobalToo when global pages went too
//   PortIo       a=port b=value  size=1/2/4  flags: kWrite
//   Mmio         a=physical address b=value size flags: kWrite
//   Halt         c=EIP
//   TaskSwitch   a=old TSS selector b=new TSS selector c=reason (0 jmp, 1 call/int, 2 iret)
//   Exit         a=exit reason b=qualification c=guest EIP d=cost in cycles (saturated)
//                size_or_level=ExitCategory table=CpuStrategy of the mode (modes/exit.h)
//   RunEnd       a=RunResult::Kind
//   IrqLine      a=ISA interrupt line b=new level (devices raising or lowering a line)
#pragma once
#include <functional>
#include <vector>

#include "core/types.h"

namespace vmlab {

enum class EventKind : u8 {
  Exception,
  Interrupt,
  SoftwareInt,
  PageWalk,
  TlbFill,
  TlbFlush,
  PortIo,
  Mmio,
  Halt,
  TaskSwitch,
  Exit,
  RunEnd,
  IrqLine,
};

enum class PageTableKind : u8 { Guest = 0, Shadow = 1, Ept = 2 };

const char* event_kind_name(EventKind kind);
// SDM mnemonic of an exception vector ("#PF" for 14), or nullptr for vectors that have
// none on an i386-class CPU (9 and 15 are reserved; 18 and up are not exceptions here).
const char* exception_mnemonic(u32 vector);

struct Event {
  static constexpr u8 kHasErrorCode = 1;
  static constexpr u8 kWrite = 1;
  static constexpr u8 kInvlpg = 1;
  static constexpr u8 kGlobalToo = 2;

  u64 time = 0;  // virtual cycles; EventStream::emit fills it in
  EventKind kind{};
  u8 size_or_level = 0;
  u8 flags = 0;
  u8 table = 0;
  u32 a = 0, b = 0, c = 0;
  u32 d = 0;
};

class VirtualClock;

class EventStream {
 public:
  using Subscriber = std::function<void(const Event&)>;

  explicit EventStream(const VirtualClock& clock) : m_clock(clock) {}

  bool listening() const { return m_listening; }
  void emit(Event e) {
    if (VMLAB_UNLIKELY(m_listening)) publish(e);
  }

  // Returns a handle for unsubscribe(). Both are safe to call from inside a subscriber:
  // a subscriber added during an emit() first sees the next event, and one removed
  // during an emit() is not called again (removal is deferred until emit() returns).
  int subscribe(Subscriber subscriber);
  void unsubscribe(int handle);

  // Keep the last `capacity` events (0 turns the history off). Events already in the
  // history are kept, newest first, as far as they fit.
  void set_history_capacity(size_t capacity);
  // Events in the history, oldest first.
  std::vector<Event> history() const;
  u64 total_emitted() const { return m_total; }

 private:
  void publish(Event& e);
  void update_listening() { m_listening = !m_subscribers.empty() || !m_ring.empty(); }
  void settle_subscribers();

  const VirtualClock& m_clock;
  bool m_listening = false;
  // Handle 0 marks a subscriber removed during publish(), erased once it returns.
  std::vector<std::pair<int, Subscriber>> m_subscribers;
  std::vector<std::pair<int, Subscriber>> m_added_while_publishing;
  int m_publish_depth = 0;  // > 0 while subscribers run (emit() may nest)
  int m_next_handle = 1;
  std::vector<Event> m_ring;  // capacity = size(); m_ring_next is where the next event goes
  size_t m_ring_next = 0;
  size_t m_ring_count = 0;    // valid events in m_ring; once full, m_ring_next is the oldest
  u64 m_total = 0;
};

}  // namespace vmlab
