// The Machine's run loop: time, HLT, timers, an interrupt controller, budgets, and the
// ways a run ends. Guests here are a few hand-assembled real-mode bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/machine.h"
#include "devices/typed_input.h"

namespace vmlab {
namespace {

// A stand-in for the PIC: one pending vector, raised by a timer.
class FakeInterruptController : public InterruptController {
 public:
  bool intr_pending() const override { return pending; }
  u8 intr_acknowledge() override {
    pending = false;
    ++acknowledged;
    return vector;
  }
  bool pending = false;
  u8 vector = 0x20;
  int acknowledged = 0;
};

struct RealModeMachine {
  std::string debugcon;
  Machine machine;

  RealModeMachine() : machine(config(debugcon)) {
    machine.cpu().reset();
    machine.cpu().load_segment_real(CS, 0);
    machine.cpu().set_eip(0x7C00);
    machine.cpu().load_segment_real(SS, 0);
    machine.cpu().set_reg(ESP, 0x7000);
  }
  static MachineConfig config(std::string& out) {
    MachineConfig c;
    c.mem_mib = 2;
    c.debugcon_output = [&out](u8 b) { out.push_back(char(b)); };
    return c;
  }
  void load(u32 addr, std::vector<u8> bytes) { machine.memory().write(addr, bytes.data(), u32(bytes.size())); }
  // IVT entry `vector` -> 0000:offset
  void set_vector(u8 vector, u16 offset) { load(vector * 4u, {u8(offset), u8(offset >> 8), 0, 0}); }
};

// Handler at 0x600: print 'I' on port 0xE9, exit with 0x10 through port 0xF4.
const std::vector<u8> kPrintAndExit = {0xB0, 'I', 0xE6, 0xE9, 0xB0, 0x10, 0xE6, 0xF4, 0xCF};

TEST(Machine, TimerInterruptWakesHlt) {
  RealModeMachine m;
  FakeInterruptController pic;
  m.machine.cpu().set_interrupt_controller(&pic);
  m.load(0x7C00, {0xFB, 0xF4, 0xEB, 0xFD});  // sti; hlt; jmp hlt
  m.load(0x600, kPrintAndExit);
  m.set_vector(0x20, 0x600);
  m.machine.timers().schedule(5000, [&] {
    pic.pending = true;
    m.machine.cpu().notify_interrupt();
  });
  RunResult r = m.machine.run(0);
  EXPECT_EQ(r.kind, RunResult::Kind::ExitPort);
  EXPECT_EQ(r.exit_value, 0x10u);
  EXPECT_EQ(r.process_status(), 33);
  EXPECT_EQ(m.debugcon, "I");
  EXPECT_EQ(pic.acknowledged, 1);
  EXPECT_GE(m.machine.clock().now(), 5000u);
  EXPECT_GT(m.machine.counters().halted_cycles, 4000u);
  EXPECT_EQ(m.machine.counters().interrupts_by_vector[0x20], 1u);
}

TEST(Machine, HltWithInterruptsDisabledEndsTheRun) {
  RealModeMachine m;
  m.load(0x7C00, {0xFA, 0xF4});  // cli; hlt
  RunResult r = m.machine.run(0);
  EXPECT_EQ(r.kind, RunResult::Kind::HaltedForever);
  EXPECT_EQ(r.process_status(), RunResult::kStatusHaltedForever);
  EXPECT_NE(r.message.find("interrupts disabled"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("EIP 0x00007c02"), std::string::npos) << r.message;
}

TEST(Machine, HltWithNothingToWakeItEndsTheRun) {
  RealModeMachine m;
  m.load(0x7C00, {0xFB, 0xF4});  // sti; hlt
  RunResult r = m.machine.run(0);
  EXPECT_EQ(r.kind, RunResult::Kind::HaltedForever);
  EXPECT_NE(r.message.find("no interrupt"), std::string::npos) << r.message;
}

TEST(Machine, BudgetStopsAtExactlyThatManyInstructions) {
  RealModeMachine m;
  m.load(0x7C00, {0x40, 0xEB, 0xFD});  // inc ax; jmp back
  RunResult r = m.machine.run(1001);
  EXPECT_EQ(r.kind, RunResult::Kind::BudgetExhausted);
  EXPECT_EQ(r.process_status(), RunResult::kStatusBudgetExhausted);
  EXPECT_EQ(m.machine.counters().instructions, 1001u);
  EXPECT_EQ(m.machine.cpu().reg(EAX) & 0xFFFF, 501u);  // inc, jmp, inc, ... ends on an inc
  EXPECT_NE(r.message.find("1001"), std::string::npos) << r.message;
}

TEST(Machine, TripleFaultNamesTheFaults) {
  RealModeMachine m;
  m.machine.cpu().set_idtr(DescriptorTableReg{0, 0});  // IVT limit 0: INT3 cannot be delivered
  m.load(0x7C00, {0xCC});
  RunResult r = m.machine.run(0);
  EXPECT_EQ(r.kind, RunResult::Kind::TripleFault);
  EXPECT_EQ(r.process_status(), RunResult::kStatusTripleFault);
  EXPECT_NE(r.message.find("triple fault"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("#GP"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("#DF"), std::string::npos) << r.message;
}

TEST(Machine, SameGuestGivesIdenticalCounters) {
  auto run_once = [] {
    RealModeMachine m;
    FakeInterruptController pic;
    m.machine.cpu().set_interrupt_controller(&pic);
    m.load(0x7C00, {0xFB, 0x40, 0xEB, 0xFD});  // sti; inc ax; jmp back
    m.load(0x600, kPrintAndExit);
    m.set_vector(0x20, 0x600);
    m.machine.timers().schedule(777, [&] {
      pic.pending = true;
      m.machine.cpu().notify_interrupt();
    });
    m.machine.run(0);
    return std::make_pair(m.machine.counters().instructions, m.machine.cpu().reg(EAX) & 0xFFFF);
  };
  auto a = run_once(), b = run_once();
  EXPECT_EQ(a, b);
  EXPECT_GT(a.first, 700u);
}

TEST(Machine, ExitPortStopsAtTheInstructionBoundary) {
  RealModeMachine m;
  m.load(0x7C00, {0xB0, 0x07, 0xE6, 0xF4, 0x40, 0x40});  // mov al,7; out 0xF4,al; inc ax; inc ax
  RunResult r = m.machine.run(0);
  EXPECT_EQ(r.process_status(), (7 << 1) | 1);
  EXPECT_EQ(m.machine.cpu().reg(EAX) & 0xFFFF, 7u);  // nothing after the OUT ran
  EXPECT_EQ(m.machine.counters().instructions, 2u);
}

// Machine::step() is run(1) without the run-end description: the same instructions,
// the same time, and a budget result with no message.
TEST(Machine, StepRunsOneInstructionAsRunDoes) {
  RealModeMachine stepped, ran;
  for (RealModeMachine* m : {&stepped, &ran}) m->load(0x7C00, {0x40, 0xEB, 0xFD});  // inc ax; jmp back
  for (int i = 0; i < 501; ++i) {
    RunResult r = stepped.machine.step();
    ASSERT_EQ(r.kind, RunResult::Kind::BudgetExhausted);
    EXPECT_TRUE(r.message.empty());
  }
  ran.machine.run(501);
  EXPECT_EQ(stepped.machine.counters().instructions, 501u);
  EXPECT_EQ(stepped.machine.cpu().reg(EAX), ran.machine.cpu().reg(EAX));
  EXPECT_EQ(stepped.machine.cpu().eip(), ran.machine.cpu().eip());
  EXPECT_EQ(stepped.machine.clock().now(), ran.machine.clock().now());
}

// A subscriber that sees what it waits for (here the second port write) asks for a
// pause: the run returns right after that instruction, and the next run goes on.
TEST(Machine, APauseRequestedByASubscriberStopsRightAfterTheEvent) {
  RealModeMachine m;
  m.load(0x7C00, {0x40, 0x40, 0xE6, 0x80, 0x40, 0xE6, 0x80, 0x40, 0xB0, 0x10, 0xE6, 0xF4});
  // inc ax; inc ax; out 0x80, al; inc ax; out 0x80, al; inc ax; mov al, 0x10; out 0xF4, al
  int writes = 0;
  m.machine.events().subscribe([&](const Event& e) {
    if (e.kind == EventKind::PortIo && e.a == 0x80 && ++writes == 2) m.machine.request_pause();
  });
  RunResult r = m.machine.run(0);
  EXPECT_EQ(r.kind, RunResult::Kind::Paused);
  EXPECT_EQ(m.machine.counters().instructions, 5u) << "the second OUT is the fifth instruction";
  EXPECT_EQ(m.machine.cpu().eip(), 0x7C07u);
  r = m.machine.run(0);
  EXPECT_EQ(r.kind, RunResult::Kind::ExitPort) << "a pause is one stop, not a state";
}

// With an input wait limit, a guest halted with nothing but host input to wake it ends
// each run with Waiting (front ends draw and poll again); without one the CLI's wait
// goes on until input comes.
TEST(Machine, AnInputWaitLimitEndsTheRunWithWaiting) {
  TypedInput typed;
  MachineConfig c;
  c.mem_mib = 2;
  c.com1_input = &typed;
  c.input_wait_limit = kVirtualHz / 100;
  Machine machine(c);
  machine.cpu().reset();
  machine.cpu().load_segment_real(CS, 0);
  machine.cpu().set_eip(0x7C00);
  std::vector<u8> code = {0xFB, 0xF4, 0xEB, 0xFD};  // sti; hlt; jmp hlt
  machine.memory().write(0x7C00, code.data(), u32(code.size()));
  u64 before = machine.clock().now();
  RunResult r = machine.run(0);
  EXPECT_EQ(r.kind, RunResult::Kind::Waiting) << r.message;
  EXPECT_NE(r.message.find("waiting for input"), std::string::npos) << r.message;
  EXPECT_GE(machine.clock().now() - before, kVirtualHz / 200) << "it waited, about one limit";
  EXPECT_LE(machine.clock().now() - before, kVirtualHz / 50) << "one wait limit, not more";
  EXPECT_EQ(machine.run(0).kind, RunResult::Kind::Waiting) << "and again on the next call";
}

// Timers fire when they are due, and at the same instruction whether the machine runs
// freely or one instruction at a time, even when the guest's instructions cost more than
// the CPI (here each OUT to the debug console charges 1,000 cycles, as priced events do):
// the clock's alarm stops the CPU after the instruction whose charge reaches the
// deadline, and the run loop's plan for the next look at the timers outlives run().
TEST(Machine, TimersFireAtTheSameInstructionHoweverTheRunIsCut) {
  u64 fired_at[2] = {};
  for (int stepped = 0; stepped < 2; ++stepped) {
    std::string out;
    MachineConfig c = RealModeMachine::config(out);
    Machine* self = nullptr;
    c.debugcon_output = [&self](u8) { self->clock().charge(1000); };
    Machine machine(c);
    self = &machine;
    machine.cpu().reset();
    machine.cpu().load_segment_real(CS, 0);
    machine.cpu().set_eip(0x7C00);
    std::vector<u8> code = {0xE6, 0xE9, 0x40, 0xEB, 0xFB};  // out 0xE9, al; inc ax; jmp back
    machine.memory().write(0x7C00, code.data(), u32(code.size()));
    machine.timers().schedule(50'000, [&] { fired_at[stepped] = machine.counters().instructions; });
    if (stepped)
      for (int i = 0; i < 60'000 && !fired_at[1]; ++i) machine.run(1);
    else
      machine.run(60'000);
    ASSERT_NE(fired_at[stepped], 0u);
  }
  EXPECT_EQ(fired_at[1], fired_at[0]);
  // 50 passes of the loop (3 instructions, 1,003 cycles) reach 50,000 cycles: the timer
  // fires right after the OUT that crossed it, not when 50,000 instructions at the CPI
  // would have.
  EXPECT_EQ(fired_at[0], 148u);
}

}  // namespace
}  // namespace vmlab
