// Exceptions and interrupts: delivery through the IVT (real mode) or the IDT (protected
// mode), double and triple faults (SDM Vol. 3, chapter 6).
#include <fmt/format.h>

#include <string>

#include "core/events.h"
#include "core/virtual_clock.h"
#include "cpu/descriptors.h"
#include "cpu/memory_inl.h"

namespace vmlab {
namespace {

const char* vector_name(u8 v) {
  static const char* kNames[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vector 9",
                                 "#TS", "#NP", "#SS", "#GP", "#PF", "vector 15", "#MF", "#AC"};
  return v < 18 ? kNames[v] : "interrupt";
}

// SDM Vol. 3, Table 6-4: which exceptions push an error code.
bool pushes_error_code(u8 v) { return v == kDF || (v >= kTS && v <= kPF) || v == kAC; }

enum class Class { Benign, Contributory, PageFault };
Class classify(u8 v) {
  if (v == kDE || (v >= kTS && v <= kGP)) return Class::Contributory;
  if (v == kPF) return Class::PageFault;
  return Class::Benign;
}

// SDM Vol. 3, Table 6-5: a second fault while delivering the first.
bool makes_double_fault(u8 first, u8 second) {
  Class a = classify(first), b = classify(second);
  if (a == Class::Contributory) return b == Class::Contributory;
  if (a == Class::PageFault) return b != Class::Benign;
  return false;
}

// "#GP(0x0010)", "#DF(0x0000)", "#UD", "interrupt 32".
std::string describe(const CpuFault& f) {
  std::string s = f.vector < 18 ? fmt::format("{}", vector_name(f.vector)) : fmt::format("interrupt {}", f.vector);
  if (f.has_error_code) s += fmt::format("(0x{:04x})", f.error_code);
  return s;
}

}  // namespace

void Cpu::raise(u8 vector) { throw CpuFault{vector, false, 0}; }
void Cpu::raise(u8 vector, u32 error_code) { throw CpuFault{vector, true, error_code}; }

// Deliver `fault` for the instruction at m_eip. A fault during delivery becomes a double
// fault or is delivered in turn; a fault while delivering #DF shuts the CPU down.
void Cpu::handle_fault(const CpuFault& first) {
  CpuFault current = first;
  current.has_error_code = pushes_error_code(first.vector);
  std::string chain;  // described only once delivery itself faults
  for (int attempt = 0;; ++attempt) {
    try {
      deliver_exception(current);
      m_eip = m_next_eip;
      return;
    } catch (const CpuFault& caught) {
      CpuFault next = caught;
      next.has_error_code = pushes_error_code(caught.vector);
      if (chain.empty()) chain = describe(current);
      chain += fmt::format(" -> {}", describe(next));
      if ((current.vector == kDF && classify(next.vector) != Class::Benign) || attempt > 8) {
        m_shutdown = true;
        m_shutdown_reason = fmt::format("triple fault: {}", chain);
        m_halted = false;
        m_block_exit = true;
        return;
      }
      if (makes_double_fault(current.vector, next.vector)) {
        current = CpuFault{kDF, true, 0};
        chain += fmt::format(" -> {}", "#DF");
      } else {
        current = next;
      }
    }
  }
}

void Cpu::deliver_exception(const CpuFault& fault) {
  ++m_counters.exceptions;
  ++m_counters.exceptions_by_vector[fault.vector];
  // The cost model's native.* price of delivering an exception the CPU raised (software
  // INT n and external interrupts are not charged). Under a monitor the exit is priced
  // instead, by the monitor, once it knows what the trap was.
  if (!m_monitor_entry)
    m_clock.charge(fault.vector == kPF ? CostKey::native_page_fault : CostKey::native_exception);
  if (m_events.listening()) {
    Event e;
    e.kind = EventKind::Exception;
    e.flags = fault.has_error_code ? Event::kHasErrorCode : 0;
    e.a = fault.vector;
    e.b = fault.error_code;
    e.c = m_eip;
    m_events.emit(e);
  }
  m_next_eip = m_eip;
  interrupt(fault.vector, IntSource::Exception, fault.has_error_code, fault.error_code);
}

void Cpu::deliver_external_interrupt() {
  u8 vector = m_pic->intr_acknowledge();
  m_halted = false;
  ++m_counters.interrupts;
  ++m_counters.interrupts_by_vector[vector];
  if (m_events.listening()) {
    Event e;
    e.kind = EventKind::Interrupt;
    e.a = vector;
    e.c = m_eip;
    m_events.emit(e);
  }
  m_next_eip = m_eip;
  try {
    interrupt(vector, IntSource::External, false, 0);
    m_eip = m_next_eip;
  } catch (const CpuFault& fault) {
    handle_fault(fault);
  }
}

}  // namespace vmlab
