// The bench table: one row per benchmark, one column per mode, the published Pentium 4
// column for nanobench, and what a failed run looks like.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/bench_report.h"
#include "core/error.h"

namespace vmlab {
namespace {

// A finished run that exited with `status` after printing `com1`.
BenchRun make_run(const std::string& mode, const std::string& com1, int status = 33) {
  BenchRun run;
  run.mode = mode;
  run.result.run.kind = RunResult::Kind::ExitPort;
  run.result.run.exit_value = u32(status >> 1);
  run.result.status = status;
  run.result.com1 = com1;
  run.output = parse_bench_output(com1);
  return run;
}

const std::string kNano =
    "RESULT callret iterations=100 cycles=1100 cycles_per_iteration=11.0\n"
    "RESULT syscall iterations=10 cycles=12345 cycles_per_iteration=1234.5\n";

BenchReport two_guests() {
  BenchReport report{{"native"}, "p4-2006", {}};
  report.guests.push_back({"nanobench", "", {make_run("native", kNano)}});
  report.guests.push_back(
      {"kernel", "", {make_run("native", "RESULT fork iterations=5 cycles=50 cycles_per_iteration=10.0\n")}});
  return report;
}

TEST(BenchReport, PublishedFigures) {
  EXPECT_EQ(published_native_p4("callret")->cycles, 11u);
  EXPECT_FALSE(published_native_p4("callret")->approximate);
  EXPECT_EQ(published_native_p4("tprwr")->cycles, 140u);
  EXPECT_TRUE(published_native_p4("tprwr")->approximate);
  EXPECT_EQ(published_native_p4("pgfault")->cycles, 1093u);
  EXPECT_EQ(published_native_p4("divzero")->cycles, 889u);
  EXPECT_EQ(published_native_p4("in")->cycles, 3209u);
  EXPECT_TRUE(published_native_p4("ptemod")->approximate);
  EXPECT_FALSE(published_native_p4("syscall"));
}

TEST(BenchReport, TextTable) {
  EXPECT_EQ(format_bench_report(two_guests(), BenchFormat::Text),
            "nanobench: cycles per iteration (virtual cycles, cost profile p4-2006)\n"
            "  benchmark  iterations  native  P4 native [1]\n"
            "  callret           100    11.0             11\n"
            "  syscall            10  1234.5              -\n"
            "\n"
            "kernel: cycles per iteration (virtual cycles, cost profile p4-2006)\n"
            "  benchmark  iterations  native\n"
            "  fork                5    10.0\n"
            "\n"
            "[1] " +
                std::string(published_source()) + "\n" +
                "    (tprwr is their cr8wr; ~ marks a derived or approximate figure, - one the paper does "
                "not give)\n");
}

// One column per mode; a benchmark one mode did not print shows '-'.
TEST(BenchReport, OneColumnPerMode) {
  BenchReport report{{"native", "vtx-ept"}, "p4-2006", {}};
  report.guests.push_back({"kernel",
                           "",
                           {make_run("native", "RESULT a iterations=1 cycles=1 cycles_per_iteration=1.0\n"),
                            make_run("vtx-ept",
                                     "RESULT b iterations=2 cycles=4 cycles_per_iteration=2.0\n"
                                     "RESULT a iterations=1 cycles=3 cycles_per_iteration=3.0\n")}});
  EXPECT_EQ(format_bench_report(report, BenchFormat::Text),
            "kernel: cycles per iteration (virtual cycles, cost profile p4-2006)\n"
            "  benchmark  iterations  native  vtx-ept\n"
            "  a                   1     1.0      3.0\n"
            "  b                   2       -      2.0\n");
}

TEST(BenchReport, GuestNotRunAndFailedRunInTheText) {
  BenchReport report{{"native"}, "p4-2006", {}};
  report.guests.push_back({"nanobench", "", {make_run("native", kNano + "FAIL pgfault wrong count\n")}});
  report.guests.push_back({"kernel", "not in this build", {}});
  std::string text = format_bench_report(report, BenchFormat::Text);
  EXPECT_NE(text.find("  native: FAILED (details on stderr)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kernel: not run: not in this build\n"), std::string::npos) << text;
}

TEST(BenchReport, Json) {
  nlohmann::json j = nlohmann::json::parse(format_bench_report(two_guests(), BenchFormat::Json));
  EXPECT_EQ(j.at("cost_profile"), "p4-2006");
  const nlohmann::json& syscall = j.at("guests").at(0).at("benchmarks").at(1);
  EXPECT_EQ(syscall.at("name"), "syscall");
  EXPECT_DOUBLE_EQ(syscall.at("results").at("native").at("cycles_per_iteration").get<double>(), 1234.5);
  EXPECT_TRUE(syscall.at("published_p4_native").is_null());
  EXPECT_TRUE(j.at("guests").at(1).at("benchmarks").at(0).at("published_p4_native").is_null());
  EXPECT_TRUE(j.at("guests").at(1).at("not_run").is_null());
}

TEST(BenchReport, Csv) {
  EXPECT_EQ(format_bench_report(two_guests(), BenchFormat::Csv),
            "guest,benchmark,mode,iterations,cycles,cycles_per_iteration,published_p4_native,extra\n"
            "nanobench,callret,native,100,1100,11.0,11,\n"
            "nanobench,syscall,native,10,12345,1234.5,,\n"
            "kernel,fork,native,5,50,10.0,,\n");
}

TEST(BenchReport, CsvQuotesExtraPairsWithCommas) {
  BenchReport report{{"native"}, "p4-2006", {}};
  report.guests.push_back(
      {"kernel",
       "",
       {make_run("native", "RESULT a iterations=1 cycles=1 cycles_per_iteration=1.0 k=1,2 j=3\n")}});
  EXPECT_NE(format_bench_report(report, BenchFormat::Csv).find("kernel,a,native,1,1,1.0,,\"k=1,2 j=3\"\n"),
            std::string::npos);
}

TEST(BenchReport, ParseFormat) {
  EXPECT_EQ(parse_bench_format("csv"), BenchFormat::Csv);
  EXPECT_THROW(parse_bench_format("xml"), UserError);
}

TEST(BenchReport, WhatCountsAsSuccess) {
  EXPECT_TRUE(bench_run_ok(make_run("native", kNano)));
  EXPECT_FALSE(bench_run_ok(make_run("native", kNano, 35)));                            // exit value 0x11
  EXPECT_FALSE(bench_run_ok(make_run("native", kNano + "FAIL x y\n")));                 // a FAIL line
  EXPECT_FALSE(bench_run_ok(make_run("native", kNano + "RESULT bad iterations=1\n")));  // malformed
  EXPECT_FALSE(bench_run_ok(make_run("native", "hello\n")));                            // no RESULT
  BenchRun not_started = make_run("native", kNano);
  not_started.result.error = "cannot open disk";
  EXPECT_FALSE(bench_run_ok(not_started));
}

TEST(BenchReport, DescribesAFailedRun) {
  BenchGuest guest{"nanobench", "", {make_run("native", "line 1\nline 2\nFAIL pgfault wrong count\n", 35)}};
  EXPECT_EQ(describe_bench_failures(guest),
            "vmlab bench: nanobench (native) failed: the guest exited with value 0x11 (status 35; success is "
            "0x10, status 33)\n"
            "  FAIL pgfault wrong count\n"
            "  it printed no RESULT line\n"
            "  last lines of its COM1 output:\n"
            "  | line 1\n"
            "  | line 2\n"
            "  | FAIL pgfault wrong count\n");
}

TEST(BenchReport, ShowsOnlyTheLastTenLines) {
  std::string com1;
  for (int i = 1; i <= 15; ++i) com1 += "line " + std::to_string(i) + "\n";
  BenchRun run = make_run("native", com1);
  run.result.run.kind = RunResult::Kind::BudgetExhausted;
  run.result.run.message = "instruction budget of 5 exhausted at EIP 0x00100000 (nop)";
  run.result.status = 124;
  std::string text = describe_bench_failures({"kernel", "", {run}});
  EXPECT_NE(text.find("failed: instruction budget of 5 exhausted at EIP 0x00100000 (nop) (status 124)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("| line 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("| line 6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("| line 15\n"), std::string::npos) << text;
}

TEST(BenchReport, DescribesAGuestThatDidNotRunAndOneThatPassed) {
  EXPECT_EQ(describe_bench_failures({"kernel", "not in this build", {}}),
            "vmlab bench: kernel: not run: not in this build\n");
  EXPECT_EQ(describe_bench_failures({"nanobench", "", {make_run("native", kNano)}}), "");
}

}  // namespace
}  // namespace vmlab
