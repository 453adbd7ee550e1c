// `vmlab gui --headless` end to end: it boots a bundled guest under a mode, draws frames
// without a display and writes the last one as a PNG; the same options give the same
// bytes, running changes the picture, and user errors are one line.
#include <gtest/gtest.h>

#include <algorithm>

#include <map>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

namespace vmlab::test {
namespace {

TEST_F(CliGui, HeadlessScreenshotsArePngsAndDeterministic) {
  std::vector<std::string> run = {"--guest", "nanobench", "--mode", "tae-shadow", "--append", "clisti=100 pgfault=50",
                                  "--run", "--frames", "3", "--size", "800x600"};
  std::vector<uint8_t> first = screenshot("a.png", run);
  std::vector<uint8_t> second = screenshot("b.png", run);
  ASSERT_GT(first.size(), 33u);
  EXPECT_EQ(std::vector<uint8_t>(first.begin(), first.begin() + 8),
            (std::vector<uint8_t>{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}));
  EXPECT_EQ(std::string(first.begin() + 12, first.begin() + 16), "IHDR");
  EXPECT_EQ(be32(first, 16), 800u);
  EXPECT_EQ(be32(first, 20), 600u);
  EXPECT_EQ(first, second) << "same guest, mode and frames: same bytes";

  std::vector<uint8_t> paused = screenshot("paused.png", {"--guest", "nanobench", "--mode", "tae-shadow",
                                                          "--frames", "3", "--size", "800x600"});
  EXPECT_NE(paused, first) << "running moved the counters, exits and registers on screen";
}

// The inspector's tabs draw different pictures of the same moment, and each is
// deterministic.
TEST_F(CliGui, EachInspectorTabDrawsItsOwnPicture) {
  std::vector<std::string> base = {"--guest", "kernel", "--mode", "tae-shadow", "--run", "--frames", "2",
                                   "--insns-per-frame", "500000", "--size", "800x600"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  std::vector<uint8_t> exits = screenshot("exits.png", with({"--tab", "exits"}));
  std::vector<uint8_t> walk = screenshot("walk.png", with({"--tab", "page-walk", "--walk-address", "c0100000"}));
  std::vector<uint8_t> walk_again = screenshot("walk2.png", with({"--tab", "page-walk", "--walk-address", "c0100000"}));
  std::vector<uint8_t> other = screenshot("walk3.png", with({"--tab", "page-walk", "--walk-address", "08048000"}));
  std::vector<uint8_t> console = screenshot("console.png", with({"--tab", "console"}));
  std::vector<uint8_t> memory = screenshot("memory.png", with({"--tab", "memory"}));
  std::vector<uint8_t> code = screenshot("code.png", with({"--tab", "disassembly"}));
  EXPECT_NE(exits, walk);
  EXPECT_NE(walk, console);
  EXPECT_NE(memory, console);
  EXPECT_NE(code, memory);
  EXPECT_EQ(walk, walk_again);
  EXPECT_NE(walk, other) << "another address, another walk";
}

// What a student does first: boot the kernel under tae-shadow, run to the first hidden
// page fault, look at both walks, step, and see the counters move, here from a script.
TEST_F(CliGui, TheTeachingFlowRunsHeadless) {
  const std::string shot = scratch_file("walk.png").string();
  const std::string trap_shot = scratch_file("handling-trap.png").string();
  const std::string all_shot = scratch_file("handling-all.png").string();
  fs::path script = write_file("flow.txt",
                               "# to the first hidden page fault, then one with the guest's paging on\n"
                               "print\n"
                               "run-to hidden-page-fault\n"
                               "print\n"
                               "run 3000000\n"
                               "run-to hidden-page-fault 100000000\n"
                               "print\n"
                               "# the monitor's handling of it, one step at a time\n"
                               "tab handling\n"
                               "frame\n"
                               "screenshot " + trap_shot + "\n"
                               "monitor-step 2\n"
                               "print\n"
                               "monitor-step all\n"
                               "print\n"
                               "frame\n"
                               "screenshot " + all_shot + "\n"
                               "tab page-walk\n"
                               "frame\n"
                               "screenshot " + shot + "\n"
                               "step\n"
                               "print\n");
  std::vector<std::string> args = {"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless",
                                   "--script", script.string()};
  ChildResult r = vmlab(args, 120000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> st = states(r.out);
  ASSERT_EQ(st.size(), 6u) << r.out;
  EXPECT_EQ(st[0].at("exits"), "0");
  // Paging is off at the kernel's entry: the shadow maps it identity, filled silently.
  EXPECT_EQ(st[1].at("last_exit"), "tae.hidden-page-fault");
  EXPECT_EQ(st[1].at("guest_walk"), "-") << "the guest's paging is still off";
  EXPECT_EQ(st[1].at("real_walk"), st[1].at("address")) << "the shadow maps it 1:1 now";
  // Later the guest's tables and the shadow's both translate the faulting address, to
  // the same place: guest-physical RAM is host-physical 0 upwards (one memslot).
  EXPECT_EQ(st[2].at("last_exit"), "tae.hidden-page-fault");
  EXPECT_NE(st[2].at("guest_walk"), "not-mapped");
  EXPECT_EQ(st[2].at("real_walk"), st[2].at("guest_walk"));
  EXPECT_GT(std::stoull(st[2].at("exits")), std::stoull(st[1].at("exits")));
  // The handling starts at the trap; two steps on, the monitor is walking the guest's
  // tables; at the end the guest resumes. The shadow entry names this exit as its filler.
  const std::string& handling = st[2].at("handling");
  EXPECT_EQ(handling.substr(0, 2), "1/") << handling;
  EXPECT_EQ(handling.substr(handling.find(':')), ":trap");
  std::string total = handling.substr(2, handling.find(':') - 2);
  EXPECT_GE(std::stoul(total), 8u) << "trap, guest walk, memslot, shadow entry, verdict, classify, account, resume";
  EXPECT_EQ(st[3].at("handling"), "3/" + total + ":guest");
  EXPECT_EQ(st[4].at("handling"), total + "/" + total + ":resume");
  EXPECT_EQ(st[4].at("shadow_origin"), "hidden#" + st[2].at("exits"));
  EXPECT_EQ(st[4].at("instructions"), st[2].at("instructions")) << "stepping the monitor runs no guest instruction";
  EXPECT_NE(read_bytes(trap_shot), read_bytes(all_shot)) << "the steps appear one by one";
  EXPECT_EQ(std::stoull(st[5].at("instructions")), std::stoull(st[2].at("instructions")) + 1) << "one step";
  std::vector<uint8_t> first = read_bytes(scratch_file("walk.png"));
  ASSERT_FALSE(first.empty());
  ChildResult again = vmlab(args, 120000);
  EXPECT_EQ(again.out, r.out);
  EXPECT_EQ(read_bytes(scratch_file("walk.png")), first) << "the same script draws the same picture";
}

// Going back to an earlier exit re-executes the guest from its start to it: the state is
// the one the first pass had there (instructions, EIP, the handling's steps), and
// stepping from it goes where the first pass went.
TEST_F(CliGui, GoingBackToAnExitReExecutesToTheSameState) {
  fs::path script = write_file("back.txt",
                               "run 3000000\n"
                               "run-to hidden-page-fault 100000000\n"
                               "print\n"
                               "step\n"
                               "print\n"
                               "run 2000000\n"
                               "print\n");
  ChildResult r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--script",
                         script.string()}, 120000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> first = states(r.out);
  ASSERT_EQ(first.size(), 3u) << r.out;
  const std::string exit = first[0].at("exits");

  fs::path back = write_file("back2.txt", "run 3000000\nrun 3000000\ngoto-exit " + exit + "\nprint\nstep\nprint\n"
                                          "goto-exit 999999999\nprint\n");
  r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--script", back.string()}, 120000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> again = states(r.out);
  ASSERT_EQ(again.size(), 3u) << r.out;
  for (const char* key : {"instructions", "eip", "exits", "last_exit", "address", "real_walk", "handling"})
    EXPECT_EQ(again[0].at(key), first[0].at(key)) << key;
  for (const char* key : {"instructions", "eip", "exits"}) EXPECT_EQ(again[1].at(key), first[1].at(key)) << key;
  // An exit the guest never reaches: the guest ran to its end, and says so.
  EXPECT_NE(r.err.find("the guest ended after"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("before exit #999,999,999"), std::string::npos) << r.err;
}

// The console's input line goes to COM1: the UART receives the bytes (and a carriage
// return) only after they are typed, and going back to a later exit replays them at
// the same moments, so the re-executed run receives them too.
TEST_F(CliGui, TypedInputReachesCom1AndIsReplayed) {
  fs::path script = write_file("type.txt",
                               "run 1000000\nprint\ntype hello\nrun 2000000\nrun-to exit\nprint\n");
  ChildResult r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--script",
                         script.string()}, 120000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> st = states(r.out);
  ASSERT_EQ(st.size(), 2u) << r.out;
  EXPECT_EQ(st[0].at("com1_rx"), "0");
  EXPECT_EQ(st[1].at("com1_rx"), "6") << "h e l l o and the carriage return";

  fs::path back = write_file("type-back.txt", "run 1000000\ntype hello\nrun 2000000\nrun-to exit\nrun 1000000\n"
                                              "goto-exit " + st[1].at("exits") + "\nprint\n");
  r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--script", back.string()}, 120000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> again = states(r.out);
  ASSERT_EQ(again.size(), 1u) << r.out;
  for (const char* key : {"instructions", "eip", "exits", "com1_rx"}) EXPECT_EQ(again[0].at(key), st[1].at(key)) << key;
}

// The Counters panel's comparison runs the guest to its end in every mode and draws one
// bar per mode on a shared scale: the numbers are the runs' own (the same guest, so the
// same work; the monitor's exits make tae-shadow longer), and the bars are drawn.
TEST_F(CliGui, CompareModesRunsTheGuestInEveryModeAndDrawsBars) {
  fs::path script = write_file("compare.txt", "compare\nframe 2\n");
  const std::string with_bars = scratch_file("bars.png").string();
  ChildResult r = vmlab({"gui", "--guest", "nanobench", "--mode", "tae-shadow", "--append", "clisti=200 pgfault=100",
                         "--headless", "--script", script.string(), "--screenshot", with_bars}, 120000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::map<std::string, std::map<std::string, std::string>> modes;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("compare ", 0) != 0) continue;
    std::map<std::string, std::string> kv;
    std::istringstream words(line.substr(8));
    for (std::string word; words >> word;) kv[word.substr(0, word.find('='))] = word.substr(word.find('=') + 1);
    modes[kv.at("mode")] = kv;
  }
  ASSERT_EQ(modes.size(), 2u) << r.out;
  EXPECT_EQ(modes.at("native").at("ok"), "1");
  EXPECT_EQ(modes.at("tae-shadow").at("ok"), "1");
  EXPECT_EQ(modes.at("native").at("exits"), "0");
  EXPECT_GT(std::stoull(modes.at("tae-shadow").at("exits")), 300u) << "each CLI, STI and page fault traps";
  EXPECT_GT(std::stoull(modes.at("tae-shadow").at("cycles")), std::stoull(modes.at("native").at("cycles")));
  // vmlab compare gives the same figures: one implementation of a run.
  ChildResult cli = vmlab({"compare", "--format", "csv", "--append", "clisti=200 pgfault=100", "nanobench"}, 120000);
  ASSERT_EQ(cli.status, 0) << cli.err;
  EXPECT_NE(cli.out.find(modes.at("tae-shadow").at("cycles")), std::string::npos) << cli.out;
  fs::path none = write_file("none.txt", "frame 2\n");
  const std::string without = scratch_file("nobars.png").string();
  r = vmlab({"gui", "--guest", "nanobench", "--mode", "tae-shadow", "--append", "clisti=200 pgfault=100", "--headless",
             "--script", none.string(), "--screenshot", without}, 120000);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(read_bytes(with_bars), read_bytes(without));
}

// Clicks through ImGui's input, as a person's arrive: the buttons themselves do what
// the script verbs do. Step steps; Run runs a frame's slice (2,000,000 headless) and
// turns into Pause; a right-click on a disassembly line walks its address.
TEST_F(CliGui, ClicksOnTheButtonsDriveTheGuest) {
  // The default 1280x800 layout: the Control panel's buttons along y=36, the first
  // disassembly line (EIP) at y=115 in the inspector.
  fs::path script = write_file("clicks.txt",
                               "run 3000000\nprint\n"
                               "click 62 36\nprint\n"           // Step
                               "click 22 36\nprint\n"           // Run: one frame runs
                               "click 22 36\nframe\nprint\n"   // Pause: frames run nothing
                               "tab disassembly\nframe\nclick 700 115 right\nprint\n");
  ChildResult r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--script",
                         script.string()}, 120000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> st = states(r.out);
  ASSERT_EQ(st.size(), 5u) << r.out;
  auto insns = [&](size_t i) { return std::stoull(st[i].at("instructions")); };
  EXPECT_EQ(insns(1), insns(0) + 1) << "Step";
  EXPECT_EQ(insns(2), insns(1) + 2'000'000) << "Run, then one frame";
  EXPECT_EQ(insns(3), insns(2)) << "Pause";
  // The first line is the first of the instructions listed before EIP.
  const std::string& before = st[4].at("listed_before");
  EXPECT_EQ(st[4].at("address"), "0x" + before.substr(0, before.find(','))) << "the right-clicked line is walked";
}

// The disassembly lists a few instructions before EIP, decoded forwards from the kernel
// symbol's start (x86 does not decode backwards). The CPU is the oracle: after a step
// along straight-line code, the instruction just executed is the last one listed before
// the new EIP.
TEST_F(CliGui, TheInstructionsListedBeforeEipAreTheOnesThatRan) {
  std::string text = "run 3000000\nprint\n";
  for (int i = 0; i < 12; ++i) text += "step\nprint\n";
  fs::path script = write_file("before.txt", text);
  ChildResult r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--script",
                         script.string()}, 120000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> st = states(r.out);
  ASSERT_EQ(st.size(), 13u) << r.out;
  int straight = 0;
  for (size_t i = 1; i < st.size(); ++i) {
    uint32_t previous = uint32_t(std::stoul(st[i - 1].at("eip"), nullptr, 16));
    uint32_t now = uint32_t(std::stoul(st[i].at("eip"), nullptr, 16));
    if (now != previous + std::stoul(st[i - 1].at("insn_len"))) continue;  // a taken branch
    const std::string& before = st[i].at("listed_before");
    ASSERT_NE(before, "-") << st[i].at("eip");
    EXPECT_EQ(std::stoul(before.substr(before.rfind(',') + 1), nullptr, 16), previous) << before;
    EXPECT_EQ(std::count(before.begin(), before.end(), ',') + 1, 6) << "six lines above EIP";
    ++straight;
  }
  EXPECT_GE(straight, 6) << "enough straight-line steps to check";
}

// Single-stepping (here forced by a breakpoint that is never reached) must not change
// what the guest does: the same instructions, virtual time, TLB misses and interrupts as
// one free run. A run cut into pieces resumes inside the block it stopped in and keeps
// the timers' plan (cpu/cpu.cpp Resume, Machine::run), natively and under tae-shadow.
TEST_F(CliGui, SteppingOneInstructionAtATimeDoesNotChangeTheRun) {
  fs::path free_run = write_file("free.txt", "run 5000000\nprint\n");
  fs::path stepped = write_file("stepped.txt", "break 00000010\nrun 5000000\nprint\n");
  for (const char* mode : {"native", "tae-shadow"}) {
    SCOPED_TRACE(mode);
    std::vector<std::map<std::string, std::string>> runs[2];
    for (int k = 0; k < 2; ++k) {
      ChildResult r = vmlab({"gui", "--guest", "kernel", "--mode", mode, "--headless", "--script",
                             (k ? stepped : free_run).string()}, 120000);
      ASSERT_EQ(r.status, 0) << r.err;
      runs[k] = states(r.out);
      ASSERT_EQ(runs[k].size(), 1u) << r.out;
    }
    for (const char* key : {"instructions", "cycles", "tlb_misses", "eip", "esp", "interrupts", "page_faults", "exits"})
      EXPECT_EQ(runs[1][0].at(key), runs[0][0].at(key)) << key;
  }
}

// A guest that dies (here the probe's triple fault) is a line in the window, not a
// crash: the Control panel says how it ended, the controls do nothing more, and the
// process ends normally with the picture drawn.
TEST_F(CliGui, AGuestThatDiesIsAMessageInTheWindow) {
  const std::string dead = scratch_file("dead.png").string();
  fs::path script = write_file("dies.txt", "run 100000\nprint\nstep\nstep-over\nrun-to interrupt\nprint\nframe\n"
                                           "screenshot " + dead + "\n");
  ChildResult r = vmlab({"gui", kProbe, "--append", "triple", "--headless", "--script", script.string()}, 60000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> st = states(r.out);
  ASSERT_EQ(st.size(), 2u) << r.out;
  EXPECT_EQ(st[0].at("ended"), "triple-fault");
  EXPECT_EQ(st[1].at("instructions"), st[0].at("instructions")) << "nothing runs after the end";
  EXPECT_FALSE(read_bytes(dead).empty());
}

// A breakpoint set in the disassembly (here by the script's `break`) stops Run on the
// first instruction at that address.
TEST_F(CliGui, RunStopsAtABreakpoint) {
  fs::path first = write_file("first.txt", "run 200000\nprint\n");
  ChildResult r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--script", first.string()},
                        60000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> st = states(r.out);
  ASSERT_EQ(st.size(), 1u) << r.out;
  std::string eip = st[0].at("eip");
  fs::path second = write_file("second.txt", "break " + eip + "\nrun 400000\nprint\nrun 1000000\nprint\n");
  r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--script", second.string()}, 60000);
  ASSERT_EQ(r.status, 0) << r.err;
  st = states(r.out);
  ASSERT_EQ(st.size(), 2u) << r.out;
  EXPECT_EQ(st[0].at("eip"), eip);
  EXPECT_LE(std::stoull(st[0].at("instructions")), 200000u) << "the first time EIP reaches it";
  EXPECT_EQ(st[1].at("eip"), eip) << "and again on the next pass";
  EXPECT_GT(std::stoull(st[1].at("instructions")), std::stoull(st[0].at("instructions")));
}

// Pixels in the Registers panel (the left part below Control) drawn in the "changed" yellow.
size_t yellow_register_pixels(const std::vector<uint8_t>& png) {
  uint32_t w, h;
  std::vector<uint8_t> rgba = pixels(png, w, h);
  size_t count = 0;
  for (uint32_t y = 160; y < h; ++y)
    for (uint32_t x = 0; x < uint32_t(w * 0.45); ++x) {
      const uint8_t* p = &rgba[(size_t(y) * w + x) * 4];
      if (p[0] > 230 && p[1] > 190 && p[1] < 235 && p[2] < 90) ++count;
    }
  return count;
}

// The registers a step changed are drawn highlighted; before any step nothing is.
TEST_F(CliGui, RegistersThatAStepChangedAreHighlighted) {
  std::vector<std::string> base = {"--guest", "kernel", "--mode", "tae-shadow"};
  fs::path before = write_file("before.txt", "frame\nscreenshot " + scratch_file("before.png").string() + "\n");
  fs::path after = write_file("after.txt", "step\nframe\nscreenshot " + scratch_file("after.png").string() + "\n");
  for (const fs::path& script : {before, after}) {
    std::vector<std::string> args = {"gui", "--headless", "--script", script.string()};
    args.insert(args.end(), base.begin(), base.end());
    ChildResult r = vmlab(args, 60000);
    ASSERT_EQ(r.status, 0) << r.err;
  }
  EXPECT_EQ(yellow_register_pixels(read_bytes(scratch_file("before.png"))), 0u);
  EXPECT_GT(yellow_register_pixels(read_bytes(scratch_file("after.png"))), 20u) << "at least EIP changed";
}

// The test machines have no display: a window would wait forever for a close button that
// nobody can click, so the command says to use --headless instead.
TEST_F(CliGui, WithoutADisplayTheWindowIsRefused) {
  ChildResult r = vmlab({"gui", "--guest", "demo"}, 30000);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("use --headless"), std::string::npos) << r.err;
}

TEST_F(CliGui, UserErrorsAreOneLine) {
  expect_user_error(vmlab({"gui", "--guest", "demo", "--screenshot", "x.png"}), "--screenshot needs --headless");
  expect_user_error(vmlab({"gui", "--guest", "demo", "--headless", "--size", "big"}), "--size 'big'");
  expect_user_error(vmlab({"gui", "--guest", "demo", "--headless", "--frames", "0"}), "--frames must be at least 1");
  expect_user_error(vmlab({"gui", "--guest", "no-such-guest", "--headless"}), "no-such-guest");
  expect_user_error(vmlab({"gui", "--guest", "demo", "--headless", "--tab", "registers"}), "--tab 'registers'");
  fs::path bad_break = write_file("bad-break.txt", "break here\n");
  expect_user_error(vmlab({"gui", "--guest", "demo", "--headless", "--script", bad_break.string()}),
                    "bad-break.txt line 1: 'break' takes a hexadecimal address");
  expect_user_error(vmlab({"gui", "--guest", "demo", "--headless", "--walk-address", "zz"}), "--walk-address 'zz'");
  fs::path bad = write_file("bad.txt", "step\nfly to the moon\n");
  expect_user_error(vmlab({"gui", "--guest", "demo", "--headless", "--script", bad.string()}),
                    "bad.txt line 2: unknown command 'fly'");
  expect_user_error(vmlab({"gui", "--guest", "demo", "--script", bad.string()}), "--script needs --headless");
}

}  // namespace
}  // namespace vmlab::test
