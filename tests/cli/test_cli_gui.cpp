// `vmlab gui --headless` end to end: it boots a bundled guest under a mode, draws frames
// without a display and writes the last one as a PNG; the same options give the same
// bytes, running changes the picture, and user errors are one line.
#include <gtest/gtest.h>
#include <zlib.h>

#include <map>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

namespace vmlab::test {
namespace {

uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

class CliGui : public Cli {
 protected:
  std::vector<uint8_t> screenshot(const std::string& name, std::vector<std::string> extra) {
    fs::path png = scratch_file(name);
    std::vector<std::string> args = {"gui", "--headless", "--screenshot", png.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildResult r = vmlab(args, 60000);
    EXPECT_EQ(r.status, 0) << r.err;
    return read_bytes(png);
  }
};

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
  fs::path script = write_file("flow.txt",
                               "# to the first hidden page fault, then one with the guest's paging on\n"
                               "print\n"
                               "run-to hidden-page-fault\n"
                               "print\n"
                               "run 3000000\n"
                               "run-to hidden-page-fault 100000000\n"
                               "print\n"
                               "tab page-walk\n"
                               "frame\n"
                               "screenshot " + shot + "\n"
                               "step\n"
                               "print\n");
  std::vector<std::string> args = {"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless",
                                   "--script", script.string()};
  ChildResult r = vmlab(args, 120000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> st = gui_states(r.out);
  ASSERT_EQ(st.size(), 4u) << r.out;
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
  EXPECT_EQ(std::stoull(st[3].at("instructions")), std::stoull(st[2].at("instructions")) + 1) << "one step";
  std::vector<uint8_t> first = read_bytes(scratch_file("walk.png"));
  ASSERT_FALSE(first.empty());
  ChildResult again = vmlab(args, 120000);
  EXPECT_EQ(again.out, r.out);
  EXPECT_EQ(read_bytes(scratch_file("walk.png")), first) << "the same script draws the same picture";
}

// A breakpoint set in the disassembly (here by the script's `break`) stops Run on the
// first instruction at that address.
TEST_F(CliGui, RunStopsAtABreakpoint) {
  fs::path first = write_file("first.txt", "run 200000\nprint\n");
  ChildResult r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--script", first.string()},
                        60000);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::map<std::string, std::string>> st = gui_states(r.out);
  ASSERT_EQ(st.size(), 1u) << r.out;
  std::string eip = st[0].at("eip");
  fs::path second = write_file("second.txt", "break " + eip + "\nrun 400000\nprint\nrun 1000000\nprint\n");
  r = vmlab({"gui", "--guest", "kernel", "--mode", "tae-shadow", "--headless", "--script", second.string()}, 60000);
  ASSERT_EQ(r.status, 0) << r.err;
  st = gui_states(r.out);
  ASSERT_EQ(st.size(), 2u) << r.out;
  EXPECT_EQ(st[0].at("eip"), eip);
  EXPECT_LE(std::stoull(st[0].at("instructions")), 200000u) << "the first time EIP reaches it";
  EXPECT_EQ(st[1].at("eip"), eip) << "and again on the next pass";
  EXPECT_GT(std::stoull(st[1].at("instructions")), std::stoull(st[0].at("instructions")));
}

// The RGBA pixels of a PNG that vmlab's encoder wrote (one IDAT, filter 0 on every row).
std::vector<uint8_t> pixels(const std::vector<uint8_t>& png, uint32_t& width, uint32_t& height) {
  width = be32(png, 16);
  height = be32(png, 20);
  size_t idat = 33;  // signature (8) + IHDR chunk (25)
  uint32_t length = be32(png, idat);
  std::vector<uint8_t> raw(size_t(height) * (width * 4 + 1));
  uLongf raw_size = uLongf(raw.size());
  EXPECT_EQ(uncompress(raw.data(), &raw_size, png.data() + idat + 8, length), Z_OK);
  std::vector<uint8_t> rgba;
  for (uint32_t y = 0; y < height; ++y)
    rgba.insert(rgba.end(), raw.begin() + long(y * (width * 4 + 1) + 1), raw.begin() + long((y + 1) * (width * 4 + 1)));
  return rgba;
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
