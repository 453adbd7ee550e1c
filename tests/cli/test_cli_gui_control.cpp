// `vmlab gui`'s debugger controls end to end, through headless scripts (the same Session
// calls the window's buttons make): Step over and Step out, Run to next event of a kind
// (exits and the events that are not exits), the speed slider's slow motion, following
// a jump in the disassembly, the "break at" message, and --stats. Each script prints
// `state key=value ...` lines; the Control panel's message lines go to stderr.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

namespace vmlab::test {
namespace {

using State = std::map<std::string, std::string>;

uint64_t number(const State& s, const std::string& key) { return std::stoull(s.at(key)); }
uint32_t hex(const State& s, const std::string& key) { return uint32_t(std::stoul(s.at(key), nullptr, 16)); }

std::string repeat(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

class CliGuiControl : public Cli {
 protected:
  struct Run {
    ChildResult result;
    std::vector<State> states;
  };

  // `script` run headless on a bundled guest under `mode`; what it printed.
  Run script(const std::string& guest, const std::string& mode, const std::string& text,
             std::vector<std::string> extra = {}) {
    fs::path file = write_file("script-" + std::to_string(m_scripts++) + ".txt", text);
    std::vector<std::string> args = {"gui", "--guest", guest, "--mode", mode, "--headless", "--script", file.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    Run run{vmlab(args, 120000), {}};
    EXPECT_EQ(run.result.status, 0) << run.result.err;
    run.states = states(run.result.out);
    return run;
  }

  // How many single steps after `run 300000` bring the kernel to its next CALL: the
  // tests step over and into that call without hard-coding the kernel's code.
  int steps_to_next_call(const std::string& mode) {
    Run run = script("kernel", mode, "run 300000\n" + repeat("step\nprint\n", 300));
    for (size_t i = 0; i < run.states.size(); ++i)
      if (run.states[i].at("insn") == "call") return int(i) + 1;
    ADD_FAILURE() << "no CALL within 300 instructions under " << mode;
    return 1;
  }

 private:
  int m_scripts = 0;
};

// Step over a CALL: the next instruction after it, with the call's work done (more than
// one instruction ran) and the stack as it was.
TEST_F(CliGuiControl, StepOverRunsACallToTheInstructionAfterIt) {
  for (const std::string mode : {"native", "tae-shadow"}) {
    SCOPED_TRACE(mode);
    int k = steps_to_next_call(mode);
    Run run = script("kernel", mode, "run 300000\nstep " + std::to_string(k) + "\nprint\nstep-over\nprint\n");
    ASSERT_EQ(run.states.size(), 2u) << run.result.out;
    const State &at_call = run.states[0], &after = run.states[1];
    ASSERT_EQ(at_call.at("insn"), "call");
    EXPECT_EQ(hex(after, "eip"), hex(at_call, "eip") + number(at_call, "insn_len"));
    EXPECT_EQ(after.at("esp"), at_call.at("esp")) << "the callee returned: its return address is popped";
    EXPECT_GT(number(after, "instructions"), number(at_call, "instructions") + 1) << "the callee ran";
    EXPECT_NE(run.result.err.find("line 4: step over: at " + after.at("eip")), std::string::npos) << run.result.err;
  }
}

// On anything but a CALL, INT or REP string instruction Step over is one step.
TEST_F(CliGuiControl, StepOverElsewhereIsOneStep) {
  Run run = script("kernel", "tae-shadow", "run 300000\nprint\nstep-over\nprint\n");
  ASSERT_EQ(run.states.size(), 2u) << run.result.out;
  ASSERT_NE(run.states[0].at("insn"), "call");
  EXPECT_EQ(number(run.states[1], "instructions"), number(run.states[0], "instructions") + 1);
}

// Step into a call, then Step out: back right after the CALL, the return address popped,
// so ESP is above where the callee started.
TEST_F(CliGuiControl, StepOutReturnsToTheCaller) {
  for (const std::string mode : {"native", "tae-shadow"}) {
    SCOPED_TRACE(mode);
    int k = steps_to_next_call(mode);
    Run run = script("kernel", mode,
                     "run 300000\nstep " + std::to_string(k) + "\nprint\nstep\nprint\nstep-out\nprint\n");
    ASSERT_EQ(run.states.size(), 3u) << run.result.out;
    const State &at_call = run.states[0], &inside = run.states[1], &out = run.states[2];
    ASSERT_EQ(at_call.at("insn"), "call");
    EXPECT_EQ(hex(inside, "esp"), hex(at_call, "esp") - 4) << "the CALL pushed its return address";
    EXPECT_EQ(hex(out, "eip"), hex(at_call, "eip") + number(at_call, "insn_len"));
    EXPECT_GT(hex(out, "esp"), hex(inside, "esp"));
    EXPECT_NE(run.result.err.find("step out: returned to " + out.at("eip")), std::string::npos) << run.result.err;
  }
}

// A breakpoint inside the callee still stops Step over, there.
TEST_F(CliGuiControl, ABreakpointStopsStepOver) {
  int k = steps_to_next_call("tae-shadow");
  Run into = script("kernel", "tae-shadow", "run 300000\nstep " + std::to_string(k + 1) + "\nprint\n");
  ASSERT_EQ(into.states.size(), 1u) << into.result.out;
  std::string callee = into.states[0].at("eip");
  Run run = script("kernel", "tae-shadow",
                   "run 300000\nstep " + std::to_string(k) + "\nbreak " + callee + "\nstep-over\nprint\n");
  ASSERT_EQ(run.states.size(), 1u) << run.result.out;
  EXPECT_EQ(run.states[0].at("eip"), callee);
  EXPECT_NE(run.result.err.find("line 4: paused: breakpoint at " + callee), std::string::npos) << run.result.err;
}

// Run to the next port write, interrupt or page fault stops right after one: the counter
// is one higher than before. The same script gives the same stops on every run.
TEST_F(CliGuiControl, RunToACountedEventStopsRightAfterIt) {
  const std::string text = "print\nrun-to port-write\nprint\nrun-to interrupt 100000000\nprint\n";
  for (const std::string mode : {"native", "tae-shadow"}) {
    SCOPED_TRACE(mode);
    Run run = script("kernel", mode, text);
    ASSERT_EQ(run.states.size(), 3u) << run.result.out;
    EXPECT_EQ(number(run.states[1], "port_writes"), number(run.states[0], "port_writes") + 1);
    EXPECT_EQ(number(run.states[2], "interrupts"), number(run.states[1], "interrupts") + 1);
    EXPECT_GT(number(run.states[2], "instructions"), number(run.states[1], "instructions"));
    EXPECT_NE(run.result.err.find("run to next interrupt: 0 -> 1 after"), std::string::npos) << run.result.err;
    EXPECT_EQ(script("kernel", mode, text).result.out, run.result.out);
  }
  // Natively a page fault is the #PF counter: nanobench's pgfault loop takes one each time.
  Run faults = script("nanobench", "native", "print\nrun-to page-fault 100000000\nprint\nrun-to page-fault\nprint\n",
                      {"--append", "pgfault=50"});
  ASSERT_EQ(faults.states.size(), 3u) << faults.result.out;
  EXPECT_EQ(number(faults.states[0], "page_faults"), 0u);
  EXPECT_EQ(number(faults.states[1], "page_faults"), 1u);
  EXPECT_EQ(number(faults.states[2], "page_faults"), 2u);
  EXPECT_GT(number(faults.states[2], "instructions"), number(faults.states[1], "instructions"));
}

// Under a monitor a page fault is any page-fault exit, and an exit can be chosen by reason.
TEST_F(CliGuiControl, RunToAnExitByReasonOrAsAPageFault) {
  Run run = script("kernel", "tae-shadow",
                   "run-to page-fault\nprint\nrun-to reason:tae.port-io 10000000\nprint\nrun-to io\nprint\n");
  ASSERT_EQ(run.states.size(), 3u) << run.result.out;
  EXPECT_EQ(run.states[0].at("last_exit"), "tae.hidden-page-fault") << "the kernel's first fetch, paging off";
  EXPECT_EQ(run.states[1].at("last_exit"), "tae.port-io");
  EXPECT_EQ(run.states[2].at("last_exit"), "tae.port-io");
  EXPECT_GT(number(run.states[2], "exits"), number(run.states[1], "exits"));
}

// Native mode has no exits: an exit kind is refused in one line and nothing runs.
TEST_F(CliGuiControl, ExitKindsAreRefusedNatively) {
  Run run = script("kernel", "native", "run 1000\nrun-to io\nprint\nrun-to reason:tae.cli\nrun-to exit\nprint\n");
  ASSERT_EQ(run.states.size(), 2u) << run.result.out;
  EXPECT_EQ(number(run.states[0], "instructions"), 1000u);
  EXPECT_EQ(number(run.states[1], "instructions"), 1000u);
  for (const std::string line : {"line 2: run to next io: native mode has no exits",
                                 "line 4: run to next reason:tae.cli: native mode has no exits",
                                 "line 5: run to next exit: native mode has no exits"})
    EXPECT_NE(run.result.err.find(line), std::string::npos) << run.result.err;
}

// A limit that runs out stops the run there and says so.
TEST_F(CliGuiControl, ARunToLimitSaysSo) {
  Run run = script("kernel", "native", "run-to page-fault 5000\nprint\n");
  ASSERT_EQ(run.states.size(), 1u) << run.result.out;
  EXPECT_EQ(number(run.states[0], "instructions"), 5000u);
  EXPECT_NE(run.result.err.find("line 1: run to next page-fault: none within 5,000 instructions"), std::string::npos)
      << run.result.err;
}

// speed 1/N: slow motion, exactly one instruction every N frames; speed N: N a frame.
TEST_F(CliGuiControl, SlowMotionRunsOneInstructionEveryNFrames) {
  Run run = script("kernel", "tae-shadow",
                   "speed 1/8\nprint\nframe 7\nprint\nframe\nprint\nframe 8\nprint\nspeed 3\nframe 2\nprint\n",
                   {"--run", "--tab", "disassembly"});
  ASSERT_EQ(run.states.size(), 5u) << run.result.out;
  std::vector<uint64_t> expected = {0, 0, 1, 2, 8};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(number(run.states[i], "instructions"), expected[i]) << i;
}

// Following a jump starts the disassembly at its target (another picture); `follow eip`
// brings back the same picture, and so does the next step.
TEST_F(CliGuiControl, FollowMovesTheListingAndEipBringsItBack) {
  auto shot = [this](const std::string& name) { return "frame 2\nscreenshot " + scratch_file(name).string() + "\n"; };
  Run run = script("kernel", "tae-shadow",
                   "run 2000000\ntab disassembly\n" + shot("eip.png") + "follow c0100000\nprint\n" +
                       shot("followed.png") + "follow eip\nprint\n" + shot("back.png") +
                       "follow 0xc0100000\nstep\nprint\n");
  ASSERT_EQ(run.states.size(), 3u) << run.result.out;
  EXPECT_EQ(run.states[0].at("listing"), "0xc0100000");
  EXPECT_EQ(run.states[1].at("listing"), "eip");
  EXPECT_EQ(run.states[2].at("listing"), "eip") << "a step follows EIP again";
  std::vector<uint8_t> at_eip = read_bytes(scratch_file("eip.png"));
  ASSERT_FALSE(at_eip.empty());
  EXPECT_NE(read_bytes(scratch_file("followed.png")), at_eip);
  EXPECT_EQ(read_bytes(scratch_file("back.png")), at_eip);
}

// "break at" an address the guest's tables do not map sets a pending breakpoint and says
// so in one line; a mapped one just says it is set.
TEST_F(CliGuiControl, ABreakpointAtAnUnmappedAddressSaysItIsPending) {
  Run first = script("kernel", "tae-shadow", "run 300000\nwalk 40000000\nprint\n");
  ASSERT_EQ(first.states.size(), 1u) << first.result.out;
  ASSERT_EQ(first.states[0].at("guest_walk"), "not-mapped");
  std::string eip = first.states[0].at("eip");
  Run run = script("kernel", "tae-shadow", "run 300000\nbreak 40000000\nbreak " + eip + "\nbreak " + eip + "\n");
  std::vector<std::string> lines = split_lines(run.result.err);
  ASSERT_EQ(lines.size(), 3u) << run.result.err;
  EXPECT_NE(lines[0].find("line 2: breakpoint at 0x40000000 is pending: the guest's page tables do not map it"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("line 3: breakpoint at " + eip + " set"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("line 4: breakpoint at " + eip + " cleared"), std::string::npos) << lines[2];
}

TEST_F(CliGuiControl, MistakesInTheNewCommandsAreOneLine) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"run-to fish\n", "line 1: 'fish' is not a kind to run to"},
      {"step\nrun-to reason:tae.fly\n", "line 2: 'reason:tae.fly' is not a kind to run to"},
      {"speed 0\n", "line 1: 'speed' takes"},
      {"speed 1/0\n", "line 1: 'speed' takes"},
      {"follow zz\n", "line 1: 'follow' takes a hexadecimal address or 'eip'"},
      {"step-over 3\n", "line 1: 'step-over' takes nothing"},
      {"break 123456789\n", "line 1: 'break' takes a hexadecimal address"},
  };
  for (const auto& [text, message] : cases) {
    fs::path file = write_file("bad.txt", text);
    expect_user_error(vmlab({"gui", "--guest", "demo", "--headless", "--script", file.string()}), "bad.txt " + message);
  }
  expect_user_error(vmlab({"gui", "--guest", "demo", "--headless", "--insns-per-frame", "0"}),
                    "--insns-per-frame must be at least 1");
}

// --stats: one line with the frames drawn, their times and the guest's speed.
TEST_F(CliGuiControl, StatsPrintOneLine) {
  ChildResult r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--run", "--frames", "3",
                         "--insns-per-frame", "100000", "--stats"},
                        60000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  EXPECT_THAT(lines[0], ::testing::MatchesRegex("stats frames=3 running_frames=3 frame_ms_median=[0-9.]+ "
                                                "frame_ms_p95=[0-9.]+ frame_ms_max=[0-9.]+ guest_ips=[1-9][0-9]*"));
}

}  // namespace
}  // namespace vmlab::test
