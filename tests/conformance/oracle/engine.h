// An execution engine the conformance cases run on: the host CPU (host_engine.h),
// Unicorn (unicorn_engine.h) or vmlab's own CPU (vmlab_engine.h). The comparison
// (compare.h) only ever sees Outcomes, so any two engines can be checked against each other.
#pragma once
#include <string>
#include <vector>

#include "tests/conformance/oracle/case.h"

namespace vmlab::conformance {

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;
  // Run every case; one Outcome per case, in order. A case the engine cannot finish is
  // an Outcome with completed = false. Throws std::runtime_error only when the engine
  // itself cannot run at all (a missing runner, a library that will not initialise).
  virtual std::vector<Outcome> run(const std::vector<Case>& cases) = 0;
};

}  // namespace vmlab::conformance
