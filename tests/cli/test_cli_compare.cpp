// `vmlab compare` end to end: the bundled nanobench under native and tae-shadow (about
// a second for both), its saved JSON re-priced, and the errors a user can make. Runs
// that fail use the probe guest, whose command line picks how it exits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

namespace vmlab::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The words of the line of `text` that starts with `label` (after the indent), with
// the label removed; empty if there is no such line.
std::vector<std::string> table_row(const std::string& text, const std::string& label) {
  for (const std::string& line : split_lines(text)) {
    if (line.rfind("  " + label + " ", 0) != 0) continue;
    std::vector<std::string> words;
    std::string word;
    for (char c : line.substr(label.size() + 2) + " ") {
      if (c != ' ')
        word += c;
      else if (!word.empty())
        words.push_back(std::move(word)), word.clear();
    }
    return words;
  }
  return {};
}

// "2,802,132,658" -> 2802132658
std::uint64_t number(const std::string& cell) {
  std::string digits;
  for (char c : cell)
    if (c != ',') digits += c;
  return std::stoull(digits);
}

// cycles = instructions x base_cpi + halted_cycles + sum of priced[k] x prices[k], from
// the saved file's own fields: the formula the report promises, checked independently.
std::uint64_t cycles_by_formula(const nlohmann::json& doc, const nlohmann::json& run) {
  std::uint64_t cycles =
      run.at("instructions").get<std::uint64_t>() * run.at("base_cpi").get<std::uint64_t>() +
      run.at("halted_cycles").get<std::uint64_t>();
  for (const auto& [key, count] : run.at("priced").items())
    cycles += count.get<std::uint64_t>() * doc.at("prices").at(key).get<std::uint64_t>();
  return cycles;
}

class CliCompare : public Cli {
 protected:
  // `vmlab compare nanobench --format json` (both default modes), saved as saved.json.
  fs::path save_nanobench(ChildResult& r) {
    r = vmlab({"compare", "nanobench", "--format", "json"}, 60000);
    return write_file("saved.json", r.out);
  }
};

TEST_F(CliCompare, NanobenchUnderNativeAndTaeShadow) {
  ChildResult r = vmlab({"compare", "--modes", "native,tae-shadow", "nanobench"}, 60000);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");  // no progress line: stderr is not a terminal
  EXPECT_THAT(r.out, StartsWith("nanobench under native, tae-shadow (cost profile p4-2006)\n"));
  EXPECT_EQ(table_row(r.out, ""), (std::vector<std::string>{"native", "tae-shadow"}));
  EXPECT_EQ(table_row(r.out, "status"), (std::vector<std::string>{"ok", "ok"}));

  std::vector<std::string> cycles = table_row(r.out, "cycles (simulated)");
  ASSERT_EQ(cycles.size(), 2u) << r.out;
  EXPECT_GT(number(cycles[1]), number(cycles[0]));
  std::vector<std::string> exits = table_row(r.out, "exits total");
  ASSERT_EQ(exits.size(), 2u) << r.out;
  EXPECT_EQ(exits[0], "0");
  EXPECT_GT(number(exits[1]), 0u);
  std::vector<std::string> percent = table_row(r.out, "% of native");
  ASSERT_EQ(percent.size(), 2u) << r.out;
  EXPECT_EQ(percent[0], "100.0");
  EXPECT_GT(std::stod(percent[1]), 100.0);

  // The guest's own rows line up with Adams & Agesen's three published columns.
  std::vector<std::string> pgfault = table_row(r.out, "pgfault");
  ASSERT_EQ(pgfault.size(), 5u) << r.out;
  EXPECT_EQ(pgfault[0], "1167.0")
      << "1,100 for the fault, 24 for the page walk (2 references at 12), the handler's instructions";
  EXPECT_GT(std::stod(pgfault[1]), 3927.0) << "trap-and-emulate costs more than A&A's BT";
  EXPECT_EQ((std::vector<std::string>{pgfault[2], pgfault[3], pgfault[4]}),
            (std::vector<std::string>{"1093", "3927", "11242"}));
  std::vector<std::string> pushf = table_row(r.out, "pushfpopf");
  ASSERT_EQ(pushf.size(), 2u) << r.out;
  EXPECT_EQ(pushf[0], pushf[1]) << "POPF does not trap: the same cost in both modes";

  // The breakdown: tae-shadow reflects traps, native does not, and each total is the cycles.
  EXPECT_THAT(r.out, HasSubstr("overhead by event kind (count x price = cycles)\n"));
  std::vector<std::string> reflect = table_row(r.out, "trap.reflect");
  ASSERT_GE(reflect.size(), 6u) << r.out;
  EXPECT_EQ(reflect[0], "-");
  EXPECT_EQ(reflect[2], "x");
  EXPECT_EQ(reflect[3], "2,300");
  EXPECT_EQ(number(reflect[1]) * 2300, number(reflect[5]));
  std::vector<std::string> total = table_row(r.out, "total (= cycles)");
  EXPECT_EQ(total, (std::vector<std::string>{"=", cycles[0], "=", cycles[1]}));
  EXPECT_THAT(r.out, HasSubstr("exits by category\n"));
}

TEST_F(CliCompare, JsonIsDeterministicAndRepricesExactly) {
  ChildResult first;
  fs::path saved = save_nanobench(first);
  ASSERT_EQ(first.status, 0) << first.err;
  ChildResult second = vmlab({"compare", "nanobench", "--format", "json"}, 60000);
  EXPECT_EQ(first.out, second.out) << "two runs of the same guest and modes differ";

  nlohmann::json doc = nlohmann::json::parse(first.out);
  EXPECT_EQ(doc.at("guest"), "nanobench");
  EXPECT_EQ(doc.at("profile"), "p4-2006");
  ASSERT_EQ(doc.at("runs").size(), 2u);
  const nlohmann::json& tae = doc.at("runs").at(1);
  EXPECT_EQ(tae.at("mode"), "tae-shadow");
  EXPECT_EQ(tae.at("status"), 33);
  EXPECT_GT(tae.at("exits").get<std::uint64_t>(), 0u);
  EXPECT_GT(tae.at("priced").at("trap.reflect").get<std::uint64_t>(), 0u);
  for (const nlohmann::json& run : doc.at("runs"))
    EXPECT_EQ(run.at("cycles").get<std::uint64_t>(), cycles_by_formula(doc, run)) << run.at("mode");

  // Under the profile it was recorded with, re-pricing gives back every cycle count.
  ChildResult same = vmlab({"compare", "--reprice", "p4-2006", saved.string(), "--format", "json"});
  ASSERT_EQ(same.status, 0) << same.err;
  nlohmann::json same_doc = nlohmann::json::parse(same.out);
  EXPECT_EQ(same_doc.at("repriced_from"), "p4-2006");
  for (std::size_t i = 0; i < 2; ++i)
    EXPECT_EQ(same_doc.at("runs").at(i).at("cycles"), doc.at("runs").at(i).at("cycles"));

  // Under modern: other prices, the same counts, cycles by the formula.
  ChildResult modern = vmlab({"compare", "--reprice", "modern", saved.string(), "--format", "json"});
  ASSERT_EQ(modern.status, 0) << modern.err;
  nlohmann::json modern_doc = nlohmann::json::parse(modern.out);
  EXPECT_EQ(modern_doc.at("profile"), "modern");
  EXPECT_NE(modern_doc.at("prices"), doc.at("prices"));
  for (std::size_t i = 0; i < 2; ++i) {
    const nlohmann::json& run = modern_doc.at("runs").at(i);
    EXPECT_EQ(run.at("priced"), doc.at("runs").at(i).at("priced"));
    EXPECT_EQ(run.at("cycles").get<std::uint64_t>(), cycles_by_formula(modern_doc, run));
    EXPECT_NE(run.at("cycles"), doc.at("runs").at(i).at("cycles"));
  }

  ChildResult text = vmlab({"compare", "--reprice", "modern", saved.string()});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_THAT(text.out,
              StartsWith("nanobench under native, tae-shadow (cost profile modern, re-priced from a run "
                         "recorded under p4-2006)\n"));
  EXPECT_EQ(table_row(text.out, "status"), (std::vector<std::string>{"ok", "ok"}));
}

TEST_F(CliCompare, CsvHasAHeaderAndARowPerMetric) {
  ChildResult r = vmlab({"compare", "--modes", "native", "--format", "csv", "--append", "print hi", kProbe});
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> lines = split_lines(r.out);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "guest,profile,mode,metric,value");
  EXPECT_EQ(lines[1], kProbe + ",p4-2006,native,status,33");
  EXPECT_EQ(lines[2], kProbe + ",p4-2006,native,ok,1");
}

TEST_F(CliCompare, AFailedRunIsReportedAndTheStatusIsOne) {
  ChildResult r = vmlab(
      {"compare", "--append", "print starting|FAIL ptemod wrong value|bye", "--modes", "native", kProbe});
  EXPECT_EQ(r.status, 1) << "a FAIL line is a failure even with status 33: " << r.out;
  EXPECT_THAT(r.out, HasSubstr("  native: FAILED: status 33: FAIL ptemod wrong value\n"));

  // A guest that relies on the sensitive instructions: fine natively, fails under tae.
  r = vmlab({"compare", "--append", "strict", "sensitive"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(table_row(r.out, "status"), (std::vector<std::string>{"ok", "FAILED", "(status", "35)"}));
  EXPECT_THAT(r.out,
              HasSubstr("tae-shadow: FAILED: status 35: FAIL sensitive 15 instructions do not behave as on bare metal\n"));

  r = vmlab({"compare", "--append", "exit 0x11", kProbe});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(table_row(r.out, "status"),
            (std::vector<std::string>{"FAILED", "(status", "35)", "FAILED", "(status", "35)"}));
  EXPECT_EQ(table_row(r.out, "cycles (simulated)"), (std::vector<std::string>{"-", "-"}));
  EXPECT_THAT(r.out, HasSubstr("  native: FAILED: status 35: exit value 0x11, no output on COM1\n"));
  EXPECT_EQ(split_lines(r.err).size(), 2u) << r.err;  // one line per failed mode
  EXPECT_THAT(r.err, HasSubstr("(tae-shadow) FAILED: status 35"));

  r = vmlab({"compare", "--append", "spin", "--max-insns", "100000", "--modes", "native", kProbe});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("native: FAILED: status 124: instruction budget of 100000 exhausted"));
}

TEST_F(CliCompare, UnknownMode) {
  expect_user_error(vmlab({"compare", "--modes", "native,bogus", "nanobench"}), "unknown mode 'bogus'");
}

TEST_F(CliCompare, ModeNotBuiltYet) {
  expect_user_error(vmlab({"compare", "--modes", "vtx-ept", "nanobench"}), "not built yet");
}

TEST_F(CliCompare, MissingGuest) {
  expect_user_error(vmlab({"compare"}), "name a GUEST to compare");
  expect_user_error(vmlab({"compare", "nanobenc"}),
                    "no bundled guest 'nanobenc' (did you mean 'nanobench'?)");
  expect_user_error(vmlab({"compare", scratch_file("absent.elf").string()}), "no kernel file");
  expect_user_error(vmlab({"compare", "--guest", "nanobench", kProbe}), "not both");
}

TEST_F(CliCompare, FileThatIsNotAKernel) {
  fs::path junk = write_file("junk.elf", "not a kernel");
  expect_user_error(vmlab({"compare", junk.string()}), "not a Multiboot kernel");
}

TEST_F(CliCompare, BadProfileAndFormat) {
  expect_user_error(vmlab({"compare", "--profile", "p5-2099", "nanobench"}), "p5-2099");
  expect_user_error(vmlab({"compare", "--format", "xml", "nanobench"}), "'xml': use text, json or csv");
}

TEST_F(CliCompare, RepriceRejectsBadSavedFiles) {
  fs::path garbage = write_file("garbage.json", "RESULT callret iterations=1");
  expect_user_error(vmlab({"compare", "--reprice", "modern", garbage.string()}),
                    garbage.string() + ": not JSON");
  fs::path other = write_file("other.json", "{\"counters\": {}}");
  expect_user_error(vmlab({"compare", "--reprice", "modern", other.string()}),
                    other.string() + ": not a saved comparison");
  expect_user_error(vmlab({"compare", "--reprice", "modern", scratch_file("none.json").string()}),
                    "no such file");
  expect_user_error(vmlab({"compare", "--reprice", "modern"}), "needs the saved run");
}

TEST_F(CliCompare, RepriceTakesNoRunOptions) {
  fs::path saved = write_file("saved.json", "{}");
  expect_user_error(vmlab({"compare", "--reprice", "modern", "--modes", "native", saved.string()}),
                    "--modes does not go with --reprice");
}

}  // namespace
}  // namespace vmlab::test
