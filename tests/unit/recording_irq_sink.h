// An IrqSink for device tests: records every level a device drives, in order.
#pragma once
#include <utility>
#include <vector>

#include "core/irq.h"

namespace vmlab {

class RecordingIrqSink : public IrqSink {
 public:
  void set_irq(unsigned line, bool level) override { changes.emplace_back(line, level); }
  // The level last driven (low when nothing was).
  bool level() const { return !changes.empty() && changes.back().second; }
  // How many times a line was raised.
  int raises() const {
    int n = 0;
    for (const auto& change : changes) n += change.second ? 1 : 0;
    return n;
  }
  std::vector<std::pair<unsigned, bool>> changes;  // (line, level)
};

}  // namespace vmlab
