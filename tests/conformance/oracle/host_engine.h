// The host oracle: runs the cases natively on the machine's own x86 processor, through the
// freestanding 32-bit runner in tests/conformance/host_runner (one process per batch).
#pragma once
#include <string>

#include "tests/conformance/oracle/engine.h"

namespace vmlab::conformance {

class HostEngine : public Engine {
 public:
  explicit HostEngine(std::string runner_path) : m_runner_path(std::move(runner_path)) {}
  std::string name() const override { return "host CPU"; }
  std::vector<Outcome> run(const std::vector<Case>& cases) override;

  // Why the host oracle cannot run on this machine, or "" when it can: the runner maps
  // pages below 64 KiB, which vm.mmap_min_addr may forbid, and the kernel must run
  // 32-bit programs. Anything else wrong (a missing runner) is left to fail loudly.
  std::string unavailable_reason() const;

 private:
  std::string m_runner_path;
};

}  // namespace vmlab::conformance
