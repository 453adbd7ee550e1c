// Interrupt request lines: devices -> interrupt controllers.
//
// A device holds an IrqLine (a sink and a line number) and drives the line's level, as
// the pin on the ISA bus would be driven: raise() when the device wants service, lower()
// when the condition is gone; pulse() for edge-only sources. Whether the controller
// reacts to the edge or the level is the controller's business (8259A ELCR, IOAPIC
// redirection entry), exactly as on the hardware.
//
// The Machine's interrupt router is the sink that fans ISA lines 0-15 out to the 8259A
// pair and the IOAPIC; tests use a recording sink instead.
#pragma once
#include "core/types.h"

namespace vmlab {

class IrqSink {
 public:
  virtual ~IrqSink() = default;
  virtual void set_irq(unsigned line, bool level) = 0;
};

class IrqLine {
 public:
  IrqLine() = default;
  IrqLine(IrqSink* sink, unsigned line) : m_sink(sink), m_line(line) {}

  void set(bool level) {
    if (m_sink) m_sink->set_irq(m_line, level);
  }
  void raise() { set(true); }
  void lower() { set(false); }
  void pulse() {
    set(true);
    set(false);
  }
  unsigned line() const { return m_line; }
  bool connected() const { return m_sink != nullptr; }

 private:
  IrqSink* m_sink = nullptr;
  unsigned m_line = 0;
};

}  // namespace vmlab
