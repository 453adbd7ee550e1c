// Nothing a guest does may crash the host: random code on the whole platform (real
// mode and flat protected mode, every device attached, interrupts possible) must end
// every run in one of the defined ways. The sanitizer build runs this too.
#include <gtest/gtest.h>

#include <random>

#include "core/machine.h"

namespace vmlab {
namespace {

RunResult run_random_code(u32 seed, bool protected_mode) {
  MachineConfig config;
  config.mem_mib = 8;
  Machine machine(config);
  std::mt19937 rng(seed);
  std::vector<u8> code(64 * 1024);
  for (u8& b : code) b = u8(rng());
  u32 at = protected_mode ? 0x100000 : 0x10000;
  machine.memory().write(at, code.data(), u32(code.size()));
  Cpu& cpu = machine.cpu();
  if (protected_mode) {
    cpu.enter_flat_protected_mode();
    cpu.set_eip(at);
  } else {
    cpu.load_segment_real(CS, u16(at >> 4));
    cpu.set_eip(0);
  }
  cpu.set_reg(ESP, protected_mode ? 0x80000 : 0x8000);
  return machine.run(200'000);
}

bool defined_end(const RunResult& r) {
  switch (r.kind) {
    case RunResult::Kind::ExitPort:
    case RunResult::Kind::BudgetExhausted:
    case RunResult::Kind::HaltedForever:
    case RunResult::Kind::TripleFault:
    case RunResult::Kind::GuestReset:
      return true;
    case RunResult::Kind::MonitorStop:  // no monitor in these runs
    case RunResult::Kind::ExitHandled:  // nor a stop after each exit
    case RunResult::Kind::Waiting:      // nor an input wait limit
    case RunResult::Kind::Paused:       // nor a debugger asking for a pause
      return false;
  }
  return false;
}

TEST(Chaos, RandomRealModeCodeEndsEveryRunCleanly) {
  for (u32 seed = 1; seed <= 40; ++seed) {
    RunResult r = run_random_code(seed, false);
    EXPECT_TRUE(defined_end(r)) << "seed " << seed;
  }
}

TEST(Chaos, RandomProtectedModeCodeEndsEveryRunCleanly) {
  for (u32 seed = 1; seed <= 40; ++seed) {
    RunResult r = run_random_code(seed, true);
    EXPECT_TRUE(defined_end(r)) << "seed " << seed;
  }
}

// The same seed gives the same run: determinism holds for garbage too.
TEST(Chaos, RandomCodeIsDeterministic) {
  for (u32 seed : {7u, 8u, 9u}) {
    RunResult a = run_random_code(seed, true), b = run_random_code(seed, true);
    EXPECT_EQ(a.kind, b.kind) << "seed " << seed;
    EXPECT_EQ(a.message, b.message) << "seed " << seed;
  }
}

}  // namespace
}  // namespace vmlab
