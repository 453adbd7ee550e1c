// `vmlab run --guest` and `vmlab bench` end to end.
//
// The build's own catalog (build/guests/guests.toml, found beside the binary) holds the
// demo. Every other test writes a manifest of its own into the scratch directory and
// points VMLAB_GUESTS_DIR at it; its guests are the probe, whose "print TEXT" command
// stands in for a benchmark guest's RESULT and FAIL lines.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

namespace vmlab::test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct FakeGuest {
  std::string name;
  std::string kernel = kProbe;
  std::string append;
  std::vector<std::string> initrd = {};
  std::string summary = "a fake guest";
};

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? std::string{'\\', c} : std::string{c};
  return out + "\"";
}

// A manifest in the format guests/CMakeLists.txt writes.
std::string manifest(const std::vector<FakeGuest>& guests) {
  std::string text = "# test manifest\n\n";
  for (const FakeGuest& g : guests) {
    std::string initrd;
    for (const std::string& path : g.initrd) initrd += (initrd.empty() ? "" : ", ") + toml_string(path);
    text += "[[guest]]\nname = " + toml_string(g.name) + "\nsummary = " + toml_string(g.summary) +
            "\nkernel = " + toml_string(g.kernel) + "\ninitrd = [" + initrd +
            "]\ndisks = []\nappend = " + toml_string(g.append) + "\n\n";
  }
  return text;
}

// The "print" command line that makes the probe print these lines.
std::string prints(const std::vector<std::string>& lines) {
  std::string text = "print ";
  for (std::size_t i = 0; i < lines.size(); ++i) text += (i ? "|" : "") + lines[i];
  return text;
}

const std::string kCallret = "RESULT callret iterations=1000 cycles=11000 cycles_per_iteration=11.0";
const std::string kSyscall = "RESULT syscall iterations=10 cycles=1234 cycles_per_iteration=123.4 note=x";
const std::string kFork = "RESULT fork iterations=5 cycles=500 cycles_per_iteration=100.0";

class CliGuests : public Cli {
 protected:
  // Write `guests` as scratch/guests/guests.toml and use that catalog.
  void use_manifest(const std::vector<FakeGuest>& guests) {
    fs::path manifest_path = write_file("guests/guests.toml", manifest(guests));
    use_guests_dir(manifest_path.parent_path());
  }

  // Both benchmark guests, each printing `lines` (or running `append` when given).
  void use_bench_guests(const std::string& nanobench_append, const std::string& kernel_append) {
    use_manifest({{"nanobench", kProbe, nanobench_append}, {"kernel", kProbe, kernel_append}});
  }
};

// The row of `table` whose first word is `name`, split into words.
std::vector<std::string> row(const std::string& table, const std::string& name) {
  for (const std::string& line : split_lines(table)) {
    std::vector<std::string> words;
    std::string word;
    for (char c : line + " ") {
      if (c != ' ' && c != '\t')
        word += c;
      else if (!word.empty())
        words.push_back(std::move(word)), word.clear();
    }
    if (!words.empty() && words[0] == name) return words;
  }
  return {};
}

// ----- run --guest -----

TEST_F(CliGuests, ListShowsTheBuildsOwnGuests) {
  ChildResult r = vmlab({"run", "--guest", "list"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // Names are padded to the longest, so only the start and the summary are fixed.
  EXPECT_THAT(split_lines(r.out), Contains(::testing::MatchesRegex("demo  +prints what the CPU.*")));
}

TEST_F(CliGuests, ListPadsNamesAndMarksGuestsNotBuilt) {
  use_manifest({{"a", kProbe, "", {}, "first summary"},
                {"longer-name", scratch_file("absent.elf").string(), "", {}, "second summary"}});
  ChildResult r = vmlab({"run", "--guest", "list"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "a            first summary\n"
            "longer-name  second summary (not built: run the build)\n");
}

TEST_F(CliGuests, DemoBootsByName) {
  ChildResult r = vmlab({"run", "--guest", "demo"});
  EXPECT_EQ(r.status, 33) << r.err;
  EXPECT_THAT(r.out, HasSubstr("vmlab demo guest: hello from a Multiboot kernel\n"));
  EXPECT_EQ(r.err, "");
}

TEST_F(CliGuests, UnknownGuestSuggestsTheClosestName) {
  ChildResult r = vmlab({"run", "--guest", "demi"});
  expect_user_error(r, "no bundled guest 'demi' (did you mean 'demo'?)");
  EXPECT_THAT(r.err, HasSubstr("vmlab run --guest list"));
}

TEST_F(CliGuests, GuestAndKernelTogetherAreRefused) {
  expect_user_error(vmlab({"run", "--guest", "demo", kDemo}), "not both");
}

TEST_F(CliGuests, MissingManifestSaysWhereItLookedAndWhatToDo) {
  fs::path dir = scratch_file("no-such-dir");
  use_guests_dir(dir);
  ChildResult r = vmlab({"run", "--guest", "demo"});
  expect_user_error(r, (dir / "guests.toml").string());
  EXPECT_THAT(r.err, HasSubstr("VMLAB_GUESTS_DIR"));
  EXPECT_THAT(r.err, HasSubstr("build"));
}

TEST_F(CliGuests, MalformedManifestNamesFileAndLine) {
  fs::path path = write_file("guests/guests.toml", "[[guest]]\nname = \"x\"\nkernel = 5\n");
  use_guests_dir(path.parent_path());
  expect_user_error(vmlab({"run", "--guest", "x"}), path.string() + ":3: 'kernel' must be a string");
}

TEST_F(CliGuests, GuestWhoseKernelIsMissingIsNotBuilt) {
  fs::path kernel = scratch_file("guests/x/x.elf");
  use_manifest({{"x", "x/x.elf", ""}});
  expect_user_error(vmlab({"run", "--guest", "x"}),
                    "guest 'x' is not built: " + kernel.string() + " is missing");
}

// The guest's modules come first (its relative paths resolved against the manifest's
// directory), then the user's --initrd; the guest's command line is used unless
// --append replaces it.
TEST_F(CliGuests, UserModulesFollowTheGuestsAndAppendReplacesItsCommandLine) {
  fs::path own = write_file("guests/own.bin", std::string(100, 'g'));
  fs::path extra = write_file("extra.bin", std::string(50, 'u'));
  use_manifest({{"p", kProbe, "modules", {"own.bin"}}});
  ChildResult r = vmlab({"run", "--guest", "p", "--initrd", extra.string()});
  EXPECT_EQ(r.status, 33) << r.err;
  std::vector<std::string> lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0], "mods_count 2");
  EXPECT_THAT(lines[1], HasSubstr("size 100 "));
  EXPECT_THAT(lines[1], HasSubstr(" string " + own.string()));
  EXPECT_THAT(lines[2], HasSubstr(" string " + extra.string()));

  EXPECT_EQ(vmlab({"run", "--guest", "p", "--append", "exit 5"}).status, (5 << 1) | 1);
}

// ----- bench -----

TEST_F(CliGuests, BenchPrintsOneTablePerGuestWithThePublishedColumn) {
  use_bench_guests(prints({"nanobench starting", kCallret, kSyscall}), prints({kFork}));
  ChildResult r = vmlab({"bench"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");  // no progress line: stderr is not a terminal
  EXPECT_THAT(r.out, HasSubstr("nanobench: cycles per iteration"));
  EXPECT_THAT(r.out, HasSubstr("kernel: cycles per iteration"));
  EXPECT_EQ(row(r.out, "benchmark"),
            (std::vector<std::string>{"benchmark", "iterations", "native", "P4", "native", "[1]"}));
  EXPECT_EQ(row(r.out, "callret"), (std::vector<std::string>{"callret", "1000", "11.0", "11"}));
  EXPECT_EQ(row(r.out, "syscall"), (std::vector<std::string>{"syscall", "10", "123.4", "-"}));
  EXPECT_EQ(row(r.out, "fork"), (std::vector<std::string>{"fork", "5", "100.0"}));
  EXPECT_THAT(r.out,
              HasSubstr("[1] K. Adams and O. Agesen, \"A Comparison of Software and Hardware Techniques"));
  EXPECT_LT(r.out.find("callret"), r.out.find("kernel:"));
}

TEST_F(CliGuests, BenchAsJson) {
  use_bench_guests(prints({kCallret, kSyscall}), prints({kFork}));
  ChildResult r = vmlab({"bench", "--format", "json"});
  EXPECT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("modes"), nlohmann::json::array({"native"}));
  const nlohmann::json& nano = j.at("guests").at(0);
  EXPECT_EQ(nano.at("name"), "nanobench");
  EXPECT_EQ(nano.at("runs").at(0).at("status"), 33);
  EXPECT_TRUE(nano.at("runs").at(0).at("ok").get<bool>());
  const nlohmann::json& callret = nano.at("benchmarks").at(0);
  EXPECT_EQ(callret.at("name"), "callret");
  EXPECT_EQ(callret.at("published_p4_native").at("cycles"), 11);
  EXPECT_EQ(callret.at("results").at("native").at("cycles"), 11000);
  EXPECT_DOUBLE_EQ(callret.at("results").at("native").at("cycles_per_iteration").get<double>(), 11.0);
  const nlohmann::json& syscall = nano.at("benchmarks").at(1);
  EXPECT_TRUE(syscall.at("published_p4_native").is_null());
  EXPECT_EQ(syscall.at("results").at("native").at("extra").at("note"), "x");
  EXPECT_EQ(j.at("guests").at(1).at("benchmarks").at(0).at("name"), "fork");
}

TEST_F(CliGuests, BenchAsCsv) {
  use_bench_guests(prints({kCallret}), prints({kFork}));
  ChildResult r = vmlab({"bench", "--format", "csv"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "guest,benchmark,mode,iterations,cycles,cycles_per_iteration,published_p4_native,extra\n"
            "nanobench,callret,native,1000,11000,11.0,11,\n"
            "kernel,fork,native,5,500,100.0,,\n");
}

TEST_F(CliGuests, BenchFailsOnAFailLineAndShowsIt) {
  use_bench_guests(prints({kCallret, "FAIL pgfault expected 3 faults, saw 2"}), prints({kFork}));
  ChildResult r = vmlab({"bench"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(row(r.out, "callret"), Contains("11.0"));  // the table is still printed
  EXPECT_THAT(r.err, HasSubstr("vmlab bench: nanobench (native) failed"));
  EXPECT_THAT(r.err, HasSubstr("FAIL pgfault expected 3 faults, saw 2"));
  EXPECT_THAT(r.err, Not(HasSubstr("kernel")));
}

TEST_F(CliGuests, BenchFailsOnABadExitAndShowsTheLastOutput) {
  use_bench_guests(prints({kCallret}), "exit 5");
  ChildResult r = vmlab({"bench"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err,
              HasSubstr("vmlab bench: kernel (native) failed: the guest exited with value 0x5 (status 11"));
  EXPECT_THAT(r.err, HasSubstr("no RESULT line"));
}

TEST_F(CliGuests, BenchFailsOnAMalformedResultLine) {
  use_bench_guests(prints({kCallret, "RESULT broken iterations=10 cycles_per_iteration=1.0"}),
                   prints({kFork}));
  ChildResult r = vmlab({"bench"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("malformed line 2 (cycles= is missing): RESULT broken"));
  EXPECT_THAT(r.err, HasSubstr("| RESULT broken iterations=10"));  // the output's tail
}

TEST_F(CliGuests, BenchFailsWhenABudgetRunsOut) {
  use_bench_guests(prints({kCallret}), "spin");
  ChildResult r = vmlab({"bench", "--max-insns", "100000"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("kernel (native) failed: instruction budget of 100000 exhausted"));
  EXPECT_THAT(r.err, HasSubstr("(status 124)"));
}

TEST_F(CliGuests, BenchWithoutTheKernelGuestRunsTheRestAndFails) {
  use_manifest({{"nanobench", kProbe, prints({kCallret})}});
  ChildResult r = vmlab({"bench"});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(row(r.out, "callret"), Contains("11.0"));
  EXPECT_THAT(r.out, HasSubstr("kernel: not run: this build has no bundled guest 'kernel'"));
  EXPECT_THAT(r.err, HasSubstr("vmlab bench: kernel: not run: this build has no bundled guest 'kernel'"));
}

TEST_F(CliGuests, BenchModeNotBuiltYet) {
  use_bench_guests(prints({kCallret}), prints({kFork}));
  expect_user_error(vmlab({"bench", "--modes", "vtx-ept"}), "not built yet");
}

TEST_F(CliGuests, BenchModeListedTwice) {
  use_bench_guests(prints({kCallret}), prints({kFork}));
  expect_user_error(vmlab({"bench", "--modes", "native", "cpu=none"}), "given twice");
}

TEST_F(CliGuests, BenchUnknownFormat) { expect_user_error(vmlab({"bench", "--format", "xml"}), "xml"); }

TEST_F(CliGuests, BenchZeroBudget) { expect_user_error(vmlab({"bench", "--max-insns", "0"}), "--max-insns"); }

TEST_F(CliGuests, BenchWithoutManifest) {
  use_guests_dir(scratch_file("nowhere"));
  expect_user_error(vmlab({"bench"}), "no guest manifest");
}

}  // namespace
}  // namespace vmlab::test
