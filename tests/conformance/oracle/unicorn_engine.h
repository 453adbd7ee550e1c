// The Unicorn oracle: runs the cases in Unicorn (QEMU's TCG translator behind a library
// API), an x86 implementation independent of both vmlab and the host processor.
//
// One Unicorn instance serves the whole batch: every case rewrites the three pages and
// the registers, and drops the translation cache of the code page, whose bytes change.
#pragma once
#include "tests/conformance/oracle/engine.h"

struct uc_struct;

namespace vmlab::conformance {

class UnicornEngine : public Engine {
 public:
  UnicornEngine();  // throws std::runtime_error if Unicorn cannot be set up
  ~UnicornEngine() override;
  UnicornEngine(const UnicornEngine&) = delete;
  UnicornEngine& operator=(const UnicornEngine&) = delete;

  std::string name() const override { return "Unicorn"; }
  std::vector<Outcome> run(const std::vector<Case>& cases) override;

 private:
  Outcome run_one(const Case& c);
  void load_case(const Case& c);

  uc_struct* m_uc = nullptr;
};

}  // namespace vmlab::conformance
