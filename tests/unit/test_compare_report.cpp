// `vmlab compare` without running guests: building the comparison from hand-made
// counters, re-pricing, the % of native, failed runs, the three formats, and the saved
// JSON file with everything that can be wrong with one.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "core/compare_json.h"
#include "core/compare_report.h"
#include "core/error.h"

namespace vmlab {
namespace {

// gtest alone (the unit tests do not link gmock): whether `text` holds `part`.
::testing::AssertionResult has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' is not in:\n" << text;
}

// Round prices, so that every expected figure below can be checked by hand.
CostModel test_profile() {
  CostModel m;
  m.name = "test";
  m.base_cpi = 2;
  m.native_exception = 900;
  m.native_page_fault = 1100;
  m.trap_reflect = 2300;
  m.shadow_hidden_fault_bt = 2800;
  return m;
}

struct Charge {
  CostKey key;
  u64 count;
};

// A run that exited with `status`, whose counters say it retired `instructions`, was
// halted `halted` cycles and was charged `charges`; its cycles are `cycles` as the
// virtual clock would have counted them.
GuestRunResult finished(u64 instructions, u64 halted, std::vector<Charge> charges, u64 cycles,
                        int status = 33) {
  GuestRunResult r;
  r.run.kind = RunResult::Kind::ExitPort;
  r.run.exit_value = u32(status >> 1);
  r.status = status;
  r.counters.instructions = instructions;
  r.counters.halted_cycles = halted;
  r.counters.cycles = cycles;
  for (const Charge& c : charges) r.counters.priced[std::size_t(c.key)] = c.count;
  return r;
}

// native: 1,000 instructions x 2 + 2 exceptions x 900 = 3,800 cycles.
GuestRunResult native_result() { return finished(1000, 0, {{CostKey::native_exception, 2}}, 3800); }

// tae-shadow: 2,000 + 2 x 900 + 3 x 2,300 + 500 halted = 11,200 cycles, 3 exits.
GuestRunResult tae_result() {
  GuestRunResult r = finished(1000, 500, {{CostKey::native_exception, 2}, {CostKey::trap_reflect, 3}}, 11200);
  r.counters.exits = 3;
  r.counters.exits_by_category = {{"io", 2}, {"guest-exception", 1}};
  r.counters.exits_by_reason = {{"tae.in", 2}, {"tae.reflect", 1}};
  return r;
}

GuestRunResult monitor_stop() {
  GuestRunResult r = finished(10, 0, {}, 20);
  r.run.kind = RunResult::Kind::MonitorStop;
  r.run.message = "the monitor cannot virtualize POPF at EIP 0x00100000";
  r.status = RunResult::kStatusMonitorStop;
  return r;
}

Comparison make_comparison(std::vector<std::pair<std::string, GuestRunResult>> runs) {
  Comparison c{"toy", "", test_profile(), "", {}};
  for (const auto& [mode, result] : runs) c.runs.push_back(compare_run(mode, result, c.profile));
  return c;
}

Comparison native_and_tae() {
  return make_comparison({{"native", native_result()}, {"tae-shadow", tae_result()}});
}

// ----- arithmetic -----

TEST(CompareReport, PricedCyclesFollowTheFormula) {
  Comparison c = native_and_tae();
  std::array<u64, kCostKeyCount> prices = price_list(c.profile);
  EXPECT_EQ(priced_cycles(c.runs[0], prices), 1000u * 2 + 2 * 900);
  EXPECT_EQ(priced_cycles(c.runs[1], prices), 1000u * 2 + 500 + 2 * 900 + 3 * 2300);
}

TEST(CompareReport, RepricingUnderTheRecordedProfileReproducesTheCycles) {
  Comparison c = native_and_tae();
  Comparison same = reprice_comparison(c, c.profile);
  ASSERT_EQ(same.runs.size(), 2u);
  EXPECT_EQ(same.runs[0].cycles, 3800u);
  EXPECT_EQ(same.runs[1].cycles, 11200u);
  EXPECT_EQ(same.repriced_from, "test");
}

TEST(CompareReport, ChangingOnePriceChangesCyclesByCountTimesTheDifference) {
  Comparison c = native_and_tae();
  CostModel dearer = test_profile();
  dearer.name = "dearer";
  dearer.trap_reflect += 1000;
  Comparison r = reprice_comparison(c, dearer);
  EXPECT_EQ(r.profile.name, "dearer");
  EXPECT_EQ(r.runs[0].cycles, 3800u);              // native reflected nothing
  EXPECT_EQ(r.runs[1].cycles, 11200u + 3 * 1000);  // three reflections, 1,000 dearer each

  CostModel slower = test_profile();
  slower.base_cpi = 5;
  Comparison s = reprice_comparison(c, slower);
  EXPECT_EQ(s.runs[0].cycles, 3800u + 1000 * 3);
  EXPECT_EQ(s.runs[0].base_cpi, 5u);
}

TEST(CompareReport, RepricingTwiceRemembersWhereTheRunsWereRecorded) {
  CostModel other = test_profile();
  other.name = "other";
  Comparison twice = reprice_comparison(reprice_comparison(native_and_tae(), other), test_profile());
  EXPECT_EQ(twice.repriced_from, "test");
  EXPECT_EQ(twice.runs[1].cycles, 11200u);
}

TEST(CompareReport, PercentOfNative) {
  Comparison c = native_and_tae();
  EXPECT_DOUBLE_EQ(*percent_of_native(c, c.runs[0]), 100.0);
  EXPECT_DOUBLE_EQ(*percent_of_native(c, c.runs[1]), 100.0 * 11200 / 3800);
}

TEST(CompareReport, NoPercentWithoutAPassingNativeRun) {
  Comparison without = make_comparison({{"tae-shadow", tae_result()}});
  EXPECT_FALSE(percent_of_native(without, without.runs[0]));
  Comparison failed = make_comparison({{"native", monitor_stop()}, {"tae-shadow", tae_result()}});
  EXPECT_FALSE(percent_of_native(failed, failed.runs[1]));
  Comparison failed_other = make_comparison({{"native", native_result()}, {"tae-shadow", monitor_stop()}});
  EXPECT_FALSE(percent_of_native(failed_other, failed_other.runs[1]));
}

TEST(CompareReport, ThousandsSeparators) {
  EXPECT_EQ(with_thousands(0), "0");
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(1000), "1,000");
  EXPECT_EQ(with_thousands(92110400), "92,110,400");
  EXPECT_EQ(with_thousands(18446744073709551615ull), "18,446,744,073,709,551,615");
}

// ----- failures -----

TEST(CompareReport, MonitorStopKeepsItsMessage) {
  CompareRun run = compare_run("tae-shadow", monitor_stop(), test_profile());
  EXPECT_FALSE(run.ok());
  EXPECT_EQ(describe_failure(run),
            "FAILED: status 123: the monitor cannot virtualize POPF at EIP 0x00100000");
}

TEST(CompareReport, BadExitShowsTheLastFailLine) {
  GuestRunResult r = finished(10, 0, {}, 20, 35);
  r.com1 = "start\nFAIL pgfault saw 2 faults\nFAIL ptemod wrong value\nsummary: 2 failed\n";
  EXPECT_EQ(describe_failure(compare_run("native", r, test_profile())),
            "FAILED: status 35: FAIL ptemod wrong value");
}

TEST(CompareReport, BadExitWithoutFailLineShowsTheLastOutputLine) {
  GuestRunResult r = finished(10, 0, {}, 20, 35);
  r.com1 = "start\r\nlast words\r\n\r\n";
  EXPECT_EQ(describe_failure(compare_run("native", r, test_profile())),
            "FAILED: status 35: exit value 0x11, last output line: last words");
  r.com1 = "";
  EXPECT_EQ(describe_failure(compare_run("native", r, test_profile())),
            "FAILED: status 35: exit value 0x11, no output on COM1");
}

TEST(CompareReport, RunThatNeverStarted) {
  GuestRunResult r;
  r.error = "'x.elf': not a Multiboot kernel";
  CompareRun run = compare_run("native", r, test_profile());
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(describe_failure(run), "FAILED: could not start: 'x.elf': not a Multiboot kernel");
}

// ----- text -----

TEST(CompareReport, TextTableAddsUp) {
  Comparison c = native_and_tae();
  c.append = "bench all";
  EXPECT_EQ(format_comparison(c, CompareFormat::Text),
            "toy under native, tae-shadow (cost profile test)\n"
            "command line: bench all\n"
            "                      native  tae-shadow\n"
            "  status                  ok          ok\n"
            "  instructions         1,000       1,000\n"
            "  cycles (simulated)   3,800      11,200\n"
            "  % of native          100.0       294.7\n"
            "  exits total              0           3\n"
            "\n"
            "overhead by event kind (count x price = cycles)\n"
            "                                        native              tae-shadow\n"
            "  instructions x base_cpi  1,000 x   2 = 2,000  1,000 x     2 =  2,000\n"
            "  native.exception             2 x 900 = 1,800      2 x   900 =  1,800\n"
            "  trap.reflect                               -      3 x 2,300 =  6,900\n"
            "  halted                                     -                =    500\n"
            "  total (= cycles)                     = 3,800                = 11,200\n"
            "\n"
            "exits by category\n"
            "                   native  tae-shadow\n"
            "  guest-exception       -           1\n"
            "  io                    -           2\n");
}

TEST(CompareReport, FailedRunShowsNoNumbers) {
  Comparison c = make_comparison({{"native", native_result()}, {"tae-shadow", monitor_stop()}});
  std::string text = format_comparison(c, CompareFormat::Text);
  EXPECT_TRUE(has(text, "  status                  ok  FAILED (status 123)\n"));
  EXPECT_TRUE(has(text, "  instructions         1,000                    -\n"));
  EXPECT_TRUE(has(text, "  % of native          100.0                    -\n"));
  EXPECT_TRUE(
      has(text, "  tae-shadow: FAILED: status 123: the monitor cannot virtualize POPF at EIP 0x00100000\n"));
  // The breakdown has only the run that passed: the failed run's counts are not shown.
  std::string breakdown = text.substr(text.find("overhead by event kind"));
  EXPECT_FALSE(has(breakdown, "tae-shadow"));
  EXPECT_TRUE(has(text, "exits by category: none in any mode\n"));
}

TEST(CompareReport, OnlyFailedRunsMeansNoBreakdown) {
  Comparison c = make_comparison({{"native", monitor_stop()}});
  std::string text = format_comparison(c, CompareFormat::Text);
  EXPECT_FALSE(has(text, "% of native"));
  EXPECT_FALSE(has(text, "overhead by event kind"));
}

TEST(CompareReport, RepricedHeaderNamesBothProfiles) {
  CostModel other = test_profile();
  other.name = "other";
  std::string text = format_comparison(reprice_comparison(native_and_tae(), other), CompareFormat::Text);
  EXPECT_TRUE(has(text, "(cost profile other, re-priced from a run recorded under test)\n"));
}

// ----- csv -----

TEST(CompareReport, CsvHasOneRowPerModeAndMetric) {
  Comparison c = make_comparison({{"native", native_result()}, {"tae-shadow", monitor_stop()}});
  c.runs[1].message = "says \"no\", twice";
  EXPECT_EQ(format_comparison(c, CompareFormat::Csv),
            "guest,profile,mode,metric,value\n"
            "toy,test,native,status,33\n"
            "toy,test,native,ok,1\n"
            "toy,test,native,instructions,1000\n"
            "toy,test,native,cycles,3800\n"
            "toy,test,native,halted_cycles,0\n"
            "toy,test,native,base_cpi,2\n"
            "toy,test,native,percent_of_native,100.0\n"
            "toy,test,native,exits,0\n"
            "toy,test,native,priced.native.exception,2\n"
            "toy,test,native,cycles.native.exception,1800\n"
            "toy,test,tae-shadow,status,123\n"
            "toy,test,tae-shadow,ok,0\n"
            "toy,test,tae-shadow,message,\"says \"\"no\"\", twice\"\n");
}

// The guest's own RESULT lines, per mode, with Adams & Agesen's three columns for nanobench.
TEST(CompareReport, GuestResultsSitBesideThePublishedColumns) {
  GuestRunResult native = native_result(), tae = tae_result();
  native.com1 = "RESULT pgfault iterations=10 cycles=11430 cycles_per_iteration=1143.0\n"
                "RESULT mine iterations=5 cycles=10 cycles_per_iteration=2.0\n";
  tae.com1 = "RESULT pgfault iterations=10 cycles=103430 cycles_per_iteration=10343.0\n"
             "RESULT mine iterations=5 cycles=10 cycles_per_iteration=2.0\n";
  Comparison c = make_comparison({{"native", native}, {"tae-shadow", tae}});
  ASSERT_EQ(c.runs[1].results.size(), 2u);
  EXPECT_EQ(c.runs[1].results[0], (CompareRun::Result{"pgfault", 10, 103430}));
  std::string toy = format_comparison(c, CompareFormat::Text);
  EXPECT_NE(toy.find("  pgfault  1143.0     10343.0\n"), std::string::npos) << toy;
  EXPECT_EQ(toy.find("A&A"), std::string::npos) << "published figures only for nanobench";
  c.guest = "nanobench";
  std::string text = format_comparison(c, CompareFormat::Text);
  EXPECT_NE(text.find("  pgfault  1143.0     10343.0        1093    3927     11242\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  mine        2.0         2.0\n"), std::string::npos) << text;
  EXPECT_EQ(parse_saved_comparison(comparison_to_json(c), "saved.json"), c);
  std::string csv = format_comparison(c, CompareFormat::Csv);
  EXPECT_NE(csv.find("nanobench,test,tae-shadow,result.pgfault.cycles_per_iteration,10343.0\n"), std::string::npos)
      << csv;
}

TEST(CompareReport, UnknownFormat) {
  EXPECT_EQ(parse_compare_format("csv"), CompareFormat::Csv);
  try {
    parse_compare_format("xml");
    FAIL() << "xml was accepted";
  } catch (const UserError& e) {
    EXPECT_TRUE(has(e.what(), "'xml': use text, json or csv"));
  }
}

// ----- the saved JSON -----

TEST(CompareJson, RoundTrip) {
  Comparison c =
      make_comparison({{"native", native_result()}, {"tae-shadow", tae_result()}, {"x", monitor_stop()}});
  c.append = "a \"quoted\" line";
  EXPECT_EQ(parse_saved_comparison(comparison_to_json(c), "saved.json"), c);
  Comparison repriced = reprice_comparison(c, test_profile());
  EXPECT_EQ(parse_saved_comparison(comparison_to_json(repriced), "saved.json"), repriced);
}

TEST(CompareJson, HoldsWhatAScriptNeeds) {
  nlohmann::json j = nlohmann::json::parse(comparison_to_json(native_and_tae()));
  EXPECT_EQ(j.at("guest"), "toy");
  EXPECT_EQ(j.at("profile"), "test");
  EXPECT_EQ(j.at("prices").at("trap.reflect"), 2300);
  EXPECT_FALSE(j.contains("repriced_from"));
  const nlohmann::json& tae = j.at("runs").at(1);
  EXPECT_EQ(tae.at("mode"), "tae-shadow");
  EXPECT_EQ(tae.at("status"), 33);
  EXPECT_EQ(tae.at("cycles"), 11200);
  EXPECT_EQ(tae.at("base_cpi"), 2);
  EXPECT_DOUBLE_EQ(tae.at("percent_of_native").get<double>(), 294.7);
  EXPECT_EQ(tae.at("priced"), nlohmann::json({{"native.exception", 2}, {"trap.reflect", 3}}));
  EXPECT_EQ(tae.at("exits_by_reason").at("tae.in"), 2);
}

// The saved JSON of native_and_tae() with `edit` applied to it.
std::string edited(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(comparison_to_json(native_and_tae()));
  edit(j);
  return j.dump();
}

// parse_saved_comparison's UserError for `text`, or "" if it parsed.
std::string load_error(const std::string& text) {
  try {
    parse_saved_comparison(text, "runs/saved.json");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(CompareJson, BadFilesAreOneLineErrorsNamingTheFile) {
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"RESULT callret", "runs/saved.json: not JSON: parse error at line 1, column 1"},
      {"[1, 2]", "runs/saved.json: not a saved comparison"},
      {edited([](auto& j) { j["vmlab_compare"] = 2; }),
       "saved comparison format 2 is not the one this vmlab reads"},
      {edited([](auto& j) { j.erase("guest"); }), "runs/saved.json: missing field 'guest'"},
      {edited([](auto& j) { j["runs"][1].erase("instructions"); }),
       "missing field 'instructions' in runs[1]"},
      {edited([](auto& j) { j["runs"][0]["cycles"] = -5; }), "runs[0].cycles must be a whole number >= 0"},
      {edited([](auto& j) { j["runs"][0]["mode"] = 7; }), "runs[0].mode must be a string"},
      {edited([](auto& j) { j["runs"] = nlohmann::json::array(); }),
       "runs must be an array with one entry per mode"},
      {edited([](auto& j) { j["runs"][1]["priced"]["trap.reflct"] = 1; }),
       "runs[1].priced: unknown cost key 'trap.reflct' (did you mean 'trap.reflect'?)"},
      {edited([](auto& j) { j["prices"].erase("vmx.exit_entry"); }), "prices has no 'vmx.exit_entry'"},
      {edited([](auto& j) { j["runs"][1]["exits_by_category"]["io"] = "two"; }),
       "runs[1].exits_by_category.io must be a whole number >= 0"},
      {edited([](auto& j) { j["runs"][1]["cycles"] = 11201; }),
       "run 'tae-shadow' records 11201 cycles, but its counts at the recorded prices come to 11200"},
      {edited([](auto& j) { j["runs"][0]["base_cpi"] = 3; }),
       "run 'native' has base_cpi 3 but prices.base_cpi is 2"},
  };
  for (const Case& c : cases) {
    std::string error = load_error(c.text);
    EXPECT_TRUE(has(error, c.error)) << c.text;
    EXPECT_EQ(error.rfind("runs/saved.json", 0), 0u) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(CompareJson, MissingFile) {
  try {
    load_saved_comparison("/nonexistent/saved.json");
    FAIL() << "a missing file loaded";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "cannot read saved comparison '/nonexistent/saved.json': no such file");
  }
}

}  // namespace
}  // namespace vmlab
