// The visualizer's inspection panels end to end, driven by headless scripts: a watchpoint
// stops the run right after the guest's write, the memory tab highlights the bytes that
// changed, the exits table sorts, filters and selects deterministically, and the
// Registers panel decodes the segment descriptor caches.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

namespace vmlab::test {
namespace {

using State = std::map<std::string, std::string>;

class CliGuiPanels : public CliGui {
 protected:
  // Run `script` headless on the kernel under `mode`; its status must be 0.
  ChildResult script(const std::string& name, const std::string& text, const std::string& mode = "tae-shadow") {
    fs::path file = write_file(name, text);
    ChildResult r = vmlab({"gui", "--guest", "kernel", "--mode", mode, "--headless", "--script", file.string()}, 120000);
    EXPECT_EQ(r.status, 0) << r.err;
    return r;
  }
  std::string png(const std::string& name) const { return scratch_file(name).string(); }
};

// The `message ...` lines a script's `print` writes after its state line.
std::vector<std::string> messages(const std::string& out) {
  std::vector<std::string> result;
  for (const std::string& line : split_lines(out))
    if (line.rfind("message ", 0) == 0) result.push_back(line.substr(8));
  return result;
}

// A 32-bit value as the four bytes memory holds it (little-endian), in hex.
std::string le_hex(uint32_t v) {
  char text[9];
  std::snprintf(text, sizeof text, "%02x%02x%02x%02x", v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24);
  return text;
}

std::string hex(uint32_t v) {
  char text[9];
  std::snprintf(text, sizeof text, "%x", v);
  return text;
}

// Pixels in a rectangle of the picture drawn in the "changed" yellow.
size_t yellow_pixels(const std::vector<uint8_t>& png, double x0, double y0, double x1, double y1) {
  uint32_t w, h;
  std::vector<uint8_t> rgba = pixels(png, w, h);
  size_t count = 0;
  for (uint32_t y = uint32_t(y0 * h); y < uint32_t(y1 * h); ++y)
    for (uint32_t x = uint32_t(x0 * w); x < uint32_t(x1 * w); ++x) {
      const uint8_t* p = &rgba[(size_t(y) * w + x) * 4];
      if (p[0] > 230 && p[1] > 190 && p[1] < 235 && p[2] < 90) ++count;
    }
  return count;
}

// The kernel increments `ticks` in its timer interrupt. A watchpoint on it stops the run
// with the old and new value, at the EIP right after the store: the five bytes before
// that EIP are the store's opcode and the variable's address. Natively and under the
// monitor alike (natively the first tick comes later in the instruction count).
TEST_F(CliGuiPanels, AWatchpointStopsRightAfterTheInstructionThatWroteTheVariable) {
  std::map<std::string, std::string> eip_by_mode;
  for (auto [mode, head_start] : {std::pair<std::string, int>{"tae-shadow", 3000000}, {"native", 12000000}}) {
    SCOPED_TRACE(mode);
    std::string run = "run " + std::to_string(head_start) + "\nwatch ticks\nrun 30000000\nprint\n";
    ChildResult r = script("watch.txt", run, mode);
    std::vector<State> st = states(r.out);
    std::vector<std::string> said = messages(r.out);
    ASSERT_EQ(st.size(), 1u) << r.out;
    ASSERT_EQ(said.size(), 1u) << r.out;
    std::smatch m;
    std::regex stop("paused: watchpoint (0x[0-9a-f]{8}) \\(4 bytes\\): (0x[0-9a-f]{8}) -> (0x[0-9a-f]{8}) at EIP "
                    "(0x[0-9a-f]{8})");
    ASSERT_TRUE(std::regex_match(said[0], m, stop)) << said[0];
    std::string address = m[1], old_value = m[2], new_value = m[3], eip = m[4];
    EXPECT_EQ(std::stoul(new_value, nullptr, 16), std::stoul(old_value, nullptr, 16) + 1) << "++ticks";
    EXPECT_EQ(st[0].at("eip"), eip) << "the run paused where the message says";
    EXPECT_EQ(st[0].at("watch_" + address), new_value);
    EXPECT_LT(std::stoull(st[0].at("instructions")), uint64_t(head_start) + 30000000u) << "it stopped early";

    uint32_t before_eip = uint32_t(std::stoul(eip, nullptr, 16)) - 5;
    r = script("code.txt", run + "memory guest-virtual " + hex(before_eip) + "\nprint\n", mode);
    st = states(r.out);
    ASSERT_EQ(st.size(), 2u) << r.out;
    std::string code = st[1].at("memory").substr(0, 10);
    EXPECT_EQ(code.substr(2), le_hex(uint32_t(std::stoul(address, nullptr, 16))))
        << "the instruction that ends at EIP names the variable: " << code;
    eip_by_mode[mode] = eip;
  }
  EXPECT_EQ(eip_by_mode["native"], eip_by_mode["tae-shadow"]) << "the same store in both modes";
}

// A watchpoint on guest-physical or host-physical bytes: the kernel's `ticks` seen
// through its physical address (the kernel maps 0xc0000000 at 0) stops at the same store
// as the guest-virtual watchpoint; an address with no RAM behind it is refused.
TEST_F(CliGuiPanels, PhysicalWatchpointsStopAtTheSameStore) {
  std::map<std::string, std::string> eip;
  for (std::string space : {"guest-virtual c019cfa8", "guest-physical 0019cfa8", "host-physical 0019cfa8"}) {
    SCOPED_TRACE(space);
    ChildResult r = script("physical.txt", "run 3000000\nwatch " + space + "\nrun 30000000\nprint\n");
    std::vector<State> st = states(r.out);
    std::vector<std::string> said = messages(r.out);
    ASSERT_EQ(st.size(), 1u) << r.out;
    ASSERT_EQ(said.size(), 1u) << r.out;
    std::string name = space.rfind("guest-virtual", 0) == 0 ? "0xc019cfa8" : space.substr(0, space.find(' ')) + " 0x0019cfa8";
    EXPECT_EQ(said[0].rfind("paused: watchpoint " + name + " (4 bytes): ", 0), 0u) << said[0];
    eip[space] = st[0].at("eip");
  }
  EXPECT_EQ(eip["guest-physical 0019cfa8"], eip["guest-virtual c019cfa8"]);
  EXPECT_EQ(eip["host-physical 0019cfa8"], eip["guest-virtual c019cfa8"]) << "guest RAM is host-physical 0 upwards";
  ChildResult r = script("nothing.txt", "watch host-physical fff00000\nprint\n");
  std::vector<std::string> said = messages(r.out);
  ASSERT_EQ(said.size(), 1u) << r.out;
  EXPECT_EQ(said[0], "cannot watch host-physical 0xfff00000: there is no RAM there");
}

// A watch address the guest's tables do not map is refused in one line, and so is an
// unknown symbol; `watch` again on the same address removes the watchpoint.
TEST_F(CliGuiPanels, AWatchOnAnUnmappedAddressIsAMessageNotAWatchpoint) {
  ChildResult r = script("unmapped.txt",
                         "run 3000000\nwatch 402000\nprint\nwatch no_such_symbol 2\nprint\n"
                         "watch c019cfa8 1\nprint\nwatch c019cfa8 1\nprint\n");
  std::vector<State> st = states(r.out);
  std::vector<std::string> said = messages(r.out);
  ASSERT_EQ(st.size(), 4u) << r.out;
  ASSERT_GE(said.size(), 2u) << r.out;
  EXPECT_EQ(said[0], "cannot watch 0x00402000: the guest's page tables do not map it to RAM");
  EXPECT_EQ(said[1], "cannot watch 'no_such_symbol': the kernel has no symbol of that name");
  EXPECT_EQ(st[0].count("watch_0x00402000"), 0u);
  EXPECT_EQ(st[2].count("watch_0xc019cfa8"), 1u) << "a kernel address is mapped: watched";
  EXPECT_EQ(st[2].at("watch_0xc019cfa8").size(), 4u) << "one byte: 0x and two digits";
  EXPECT_EQ(st[3].count("watch_0xc019cfa8"), 0u) << "the second `watch` removed it";
}

// The memory tab, at an address that does not map, says so in a sentence instead of a
// hex dump: a different picture from a mapped address, and no bytes for `print`.
TEST_F(CliGuiPanels, TheMemoryTabExplainsAnAddressThatDoesNotMap) {
  ChildResult r = script("memory.txt",
                         "run 3000000\ntab memory\nmemory guest-virtual 402000\nframe\nscreenshot " + png("none.png") +
                             "\nprint\nmemory guest-virtual c019cfa8\nframe\nscreenshot " + png("some.png") + "\nprint\n");
  std::vector<State> st = states(r.out);
  ASSERT_EQ(st.size(), 2u) << r.out;
  EXPECT_EQ(st[0].at("memory"), "-");
  EXPECT_EQ(st[1].at("memory").size(), 32u) << "16 bytes";
  EXPECT_NE(read_bytes(png("none.png")), read_bytes(png("some.png")));
}

// The bytes the last run changed are yellow in the memory tab: none before the guest
// ran with the tab's address set, some once the watchpoint stopped it after a write.
TEST_F(CliGuiPanels, TheMemoryTabHighlightsTheBytesTheLastRunChanged) {
  script("highlight.txt", "run 3000000\ntab memory\nmemory guest-virtual c019cfa8\nframe\nscreenshot " +
                              png("before.png") + "\nwatch ticks\nrun 30000000\nframe\nscreenshot " + png("after.png") +
                              "\n");
  // The inspector: the right-hand part above the Counters panel.
  EXPECT_EQ(yellow_pixels(read_bytes(png("before.png")), 0.46, 0.0, 1.0, 0.6), 0u);
  EXPECT_GT(yellow_pixels(read_bytes(png("after.png")), 0.46, 0.0, 1.0, 0.6), 10u) << "the tick's byte changed";
}

// Sorting and filtering the exits table change its picture, the same way on every run;
// the text and category filters count the same exits.
TEST_F(CliGuiPanels, SortingAndFilteringTheExitsAreDeterministic) {
  std::string text = "run 3000000\ntab exits\nframe\nscreenshot " + png("plain.png") + "\nprint\n" +
                     "sort-exits cost ascending\nframe\nscreenshot " + png("by-cost.png") + "\n" +
                     "sort-exits reason\nframe\nscreenshot " + png("by-reason.png") + "\nsort-exits time\n" +
                     "filter-exits-category software-interrupt\nframe\nscreenshot " + png("category.png") + "\nprint\n" +
                     "filter-exits-category all\nfilter-exits -software-interrupt\nframe\nscreenshot " +
                     png("text.png") + "\nprint\nfilter-exits no-such-exit\nprint\n";
  ChildResult r = script("exits.txt", text);
  std::vector<State> st = states(r.out);
  ASSERT_EQ(st.size(), 4u) << r.out;
  uint64_t all = std::stoull(st[0].at("exits_listed")), syscalls = std::stoull(st[1].at("exits_listed")),
           others = std::stoull(st[2].at("exits_listed"));
  EXPECT_GT(syscalls, 0u);
  EXPECT_GT(others, 0u);
  EXPECT_EQ(syscalls + others, all) << "a category, and the text filter leaving it out, split the list";
  EXPECT_EQ(st[3].at("exits_listed"), "0");
  std::map<std::string, std::vector<uint8_t>> first;
  for (const char* name : {"plain.png", "by-cost.png", "by-reason.png", "category.png", "text.png"})
    first[name] = read_bytes(png(name));
  EXPECT_NE(first["plain.png"], first["by-cost.png"]);
  EXPECT_NE(first["by-cost.png"], first["by-reason.png"]);
  EXPECT_NE(first["plain.png"], first["category.png"]);
  EXPECT_NE(first["category.png"], first["text.png"]);
  ChildResult again = script("exits.txt", text);
  EXPECT_EQ(again.out, r.out);
  for (const auto& [name, bytes] : first) EXPECT_EQ(read_bytes(png(name)), bytes) << name << " is the same again";
}

// Selecting an exit (a click on its row; here `select-exit`) stores its number and
// highlights it; an exit that does not exist is a message.
TEST_F(CliGuiPanels, SelectingAnExitHighlightsIt) {
  ChildResult r = script("count.txt", "run 3000000\nprint\n");
  std::vector<State> st = states(r.out);
  ASSERT_EQ(st.size(), 1u) << r.out;
  uint64_t exits = std::stoull(st[0].at("exits"));
  ASSERT_GT(exits, 10u);
  std::string head = "run 3000000\ntab exits\n";
  script("plain.txt", head + "frame\nscreenshot " + png("plain.png") + "\n");
  r = script("select.txt", head + "select-exit " + std::to_string(exits - 3) + "\nframe\nscreenshot " +
                              png("selected.png") + "\nprint\nselect-exit " + std::to_string(exits + 1) + "\nprint\n");
  st = states(r.out);
  ASSERT_EQ(st.size(), 2u) << r.out;
  EXPECT_EQ(st[0].at("selected_exit"), std::to_string(exits - 3));
  EXPECT_EQ(st[1].at("selected_exit"), std::to_string(exits - 3)) << "a bad number changes nothing";
  std::vector<std::string> said = messages(r.out);
  ASSERT_EQ(said.size(), 1u) << r.out;
  EXPECT_EQ(said[0], "there is no exit " + std::to_string(exits + 1) + ": the run has had " + std::to_string(exits) +
                        " exits so far");
  EXPECT_NE(read_bytes(png("selected.png")), read_bytes(png("plain.png"))) << "the row and its tick are highlighted";
}

// The Registers panel's Segments tab: a picture of its own, and under the monitor another
// one than natively (the guest's descriptors beside the compressed caches).
TEST_F(CliGuiPanels, TheSegmentsTabDrawsTheDescriptorCaches) {
  auto shots = [&](const std::string& mode) {
    std::string text = "run 3000000\nframe\nscreenshot " + png(mode + "-cpu.png") + "\nregisters segments\nframe\n" +
                       "screenshot " + png(mode + "-segments.png") + "\n";
    script(mode + ".txt", text, mode);
    return std::pair{read_bytes(png(mode + "-cpu.png")), read_bytes(png(mode + "-segments.png"))};
  };
  auto [tae_cpu, tae_segments] = shots("tae-shadow");
  auto [native_cpu, native_segments] = shots("native");
  EXPECT_NE(tae_cpu, tae_segments);
  EXPECT_NE(native_cpu, native_segments);
  EXPECT_NE(native_segments, tae_segments);
  EXPECT_EQ(shots("tae-shadow").second, tae_segments) << "deterministic";
}

// `vmlab run --state` prints the same rows: CR4 with its bits named in both columns.
TEST_F(CliGuiPanels, RunStateNamesTheCr4Bits) {
  ChildResult r = vmlab({"run", "--guest", "kernel", "--mode", "tae-shadow", "--max-insns", "3000000", "--state"});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("\nCR4 +(0x[0-9a-f]{8}) +(0x[0-9a-f]{8}[^\n]*)\n"))) << r.err;
  EXPECT_EQ(m[1], "0x00000000") << "the shadow tables use no large pages";
  EXPECT_EQ(m[2], "0x00000090 PSE PGE") << "the guest's CR4";
}

TEST_F(CliGuiPanels, ScriptMistakesAreOneLineNamingTheLine) {
  auto bad = [&](const std::string& line, const std::string& why) {
    fs::path file = write_file("bad.txt", "step\n" + line + "\n");
    expect_user_error(vmlab({"gui", "--guest", "demo", "--headless", "--script", file.string()}),
                      "bad.txt line 2: " + why);
  };
  bad("watch 1000 3", "'watch' takes an optional space (guest-virtual, guest-physical, host-physical), a "
                      "hexadecimal address or (guest-virtual) a kernel symbol, and optionally a size of 1, 2 or 4");
  bad("watch", "'watch' takes an optional space");
  bad("watch guest-physical ticks", "'watch' takes an optional space");  // symbols are guest-virtual
  bad("registers fpu", "'registers' takes cpu or segments");
  bad("sort-exits speed", "'sort-exits' takes number, time, reason, category, qualification, eip or cost");
  bad("sort-exits time upwards", "'sort-exits' takes");
  bad("filter-exits-category nope", "'filter-exits-category' takes an exit category");
  bad("select-exit 0", "'select-exit' takes an exit's number (1 is the run's first exit) or 'none'");
}

}  // namespace
}  // namespace vmlab::test
