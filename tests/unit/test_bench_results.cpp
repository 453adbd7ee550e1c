// Reading benchmark output: RESULT lines as format_result writes them, FAIL lines, and
// a report (not silence) for every RESULT line that is not well formed.
#include <gtest/gtest.h>

#include "core/bench_results.h"

namespace vmlab {
namespace {

// The one "why" for a single malformed line, or "" if `line` parsed (or was ignored).
std::string malformed_why(const std::string& line) {
  BenchOutput out = parse_bench_output(line + "\n");
  if (out.malformed.empty()) return "";
  EXPECT_EQ(out.malformed.size(), 1u);
  EXPECT_TRUE(out.results.empty());
  return out.malformed[0].why;
}

TEST(BenchResults, ReadsWhatFormatResultWrites) {
  // guests/common/libc.c: "RESULT %s iterations=%lu cycles=%llu cycles_per_iteration=%llu.%llu\n"
  BenchOutput out =
      parse_bench_output("RESULT callret iterations=1000000 cycles=11000000 cycles_per_iteration=11.0\n");
  ASSERT_EQ(out.results.size(), 1u);
  const BenchResult& r = out.results[0];
  EXPECT_EQ(r.name, "callret");
  EXPECT_EQ(r.iterations, 1000000u);
  EXPECT_EQ(r.cycles, 11000000u);
  EXPECT_EQ(r.tenths_per_iteration, 110u);
  EXPECT_TRUE(r.extra.empty());
  EXPECT_TRUE(out.failures.empty());
  EXPECT_TRUE(out.malformed.empty());
}

TEST(BenchResults, KeepsFurtherPairsInOrder) {
  BenchOutput out = parse_bench_output(
      "RESULT pgfault iterations=10 cycles=10930 cycles_per_iteration=1093.0 faults=10 note=cold\n");
  ASSERT_EQ(out.results.size(), 1u);
  using Pair = std::pair<std::string, std::string>;
  EXPECT_EQ(out.results[0].extra, (std::vector<Pair>{{"faults", "10"}, {"note", "cold"}}));
}

TEST(BenchResults, KeyOrderDoesNotMatter) {
  BenchOutput out = parse_bench_output("RESULT x cycles_per_iteration=2.5 cycles=25 iterations=10\n");
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].tenths_per_iteration, 25u);
  EXPECT_EQ(out.results[0].cycles, 25u);
}

TEST(BenchResults, IgnoresOtherLinesAndHandlesCrLfAndNoFinalNewline) {
  BenchOutput out = parse_bench_output(
      "nanobench: starting\r\n"
      "RESULTS are below\n"
      "\n"
      "RESULT a iterations=1 cycles=2 cycles_per_iteration=2.0\r\n"
      "  RESULT b iterations=1 cycles=3 cycles_per_iteration=3.0\n"
      "a RESULT c iterations=1 cycles=4 cycles_per_iteration=4.0\n"
      "RESULT d iterations=1 cycles=5 cycles_per_iteration=5.0");
  ASSERT_EQ(out.results.size(), 3u);
  EXPECT_EQ(out.results[0].name, "a");
  EXPECT_EQ(out.results[0].tenths_per_iteration, 20u);  // "\r" is not part of the number
  EXPECT_EQ(out.results[1].name, "b");
  EXPECT_EQ(out.results[2].name, "d");
  EXPECT_TRUE(out.malformed.empty());
}

TEST(BenchResults, ZeroIterationsAsFormatResultPrintsThem) {
  BenchOutput out = parse_bench_output("RESULT idle iterations=0 cycles=0 cycles_per_iteration=0.0\n");
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].iterations, 0u);
}

TEST(BenchResults, FailLines) {
  BenchOutput out = parse_bench_output(
      "FAIL pgfault expected 3 faults,  saw 2\n"
      "FAIL divzero\n");
  ASSERT_EQ(out.failures.size(), 2u);
  EXPECT_EQ(out.failures[0].name, "pgfault");
  EXPECT_EQ(out.failures[0].text, "expected 3 faults,  saw 2");  // as written
  EXPECT_EQ(out.failures[1].name, "divzero");
  EXPECT_EQ(out.failures[1].text, "");
  EXPECT_TRUE(out.malformed.empty());
}

TEST(BenchResults, FailWithoutAName) { EXPECT_EQ(malformed_why("FAIL"), "FAIL without a benchmark name"); }

// ----- malformed RESULT lines -----

TEST(BenchResultsMalformed, NoName) {
  EXPECT_EQ(malformed_why("RESULT"), "no benchmark name");
  EXPECT_EQ(malformed_why("RESULT iterations=1 cycles=1 cycles_per_iteration=1.0"),
            "no benchmark name before the key=value pairs");
}

TEST(BenchResultsMalformed, MissingKeys) {
  EXPECT_EQ(malformed_why("RESULT x cycles=1 cycles_per_iteration=1.0"), "iterations= is missing");
  EXPECT_EQ(malformed_why("RESULT x iterations=1 cycles_per_iteration=1.0"), "cycles= is missing");
  EXPECT_EQ(malformed_why("RESULT x iterations=1 cycles=1"), "cycles_per_iteration= is missing");
}

TEST(BenchResultsMalformed, NotNumbers) {
  EXPECT_EQ(malformed_why("RESULT x iterations=ten cycles=1 cycles_per_iteration=1.0"),
            "iterations=ten is not a whole number");
  EXPECT_EQ(malformed_why("RESULT x iterations=-1 cycles=1 cycles_per_iteration=1.0"),
            "iterations=-1 is not a whole number");
  EXPECT_EQ(malformed_why("RESULT x iterations=1 cycles= cycles_per_iteration=1.0"),
            "cycles= is not a whole number");
  EXPECT_EQ(malformed_why("RESULT x iterations=1 cycles=99999999999999999999 cycles_per_iteration=1.0"),
            "cycles=99999999999999999999 is not a whole number");
}

TEST(BenchResultsMalformed, CyclesPerIterationNeedsExactlyOneDecimal) {
  for (const char* value : {"11", "11.", "11.25", ".5", "1.x", "1,5", "-1.0"})
    EXPECT_EQ(malformed_why(std::string("RESULT x iterations=1 cycles=1 cycles_per_iteration=") + value),
              std::string("cycles_per_iteration=") + value + " is not a number with one decimal")
        << value;
}

TEST(BenchResultsMalformed, RepeatedKey) {
  EXPECT_EQ(malformed_why("RESULT x iterations=1 iterations=2 cycles=1 cycles_per_iteration=1.0"),
            "iterations is given twice");
}

TEST(BenchResultsMalformed, WordWithoutEquals) {
  EXPECT_EQ(malformed_why("RESULT x iterations=1 cycles=1 cycles_per_iteration=1.0 oops"),
            "'oops' is not key=value");
  EXPECT_EQ(malformed_why("RESULT x iterations=1 cycles=1 cycles_per_iteration=1.0 =3"),
            "'=3' is not key=value");
}

TEST(BenchResultsMalformed, SecondResultForTheSameName) {
  BenchOutput out = parse_bench_output(
      "RESULT x iterations=1 cycles=1 cycles_per_iteration=1.0\n"
      "RESULT x iterations=2 cycles=2 cycles_per_iteration=1.0\n");
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(out.results[0].iterations, 1u);
  ASSERT_EQ(out.malformed.size(), 1u);
  EXPECT_EQ(out.malformed[0].why, "a second RESULT for 'x'");
}

TEST(BenchResultsMalformed, ReportsLineNumberAndText) {
  BenchOutput out = parse_bench_output(
      "banner\n"
      "RESULT good iterations=1 cycles=1 cycles_per_iteration=1.0\n"
      "RESULT bad iterations=1\r\n");
  ASSERT_EQ(out.malformed.size(), 1u);
  EXPECT_EQ(out.malformed[0].line_number, 3u);
  EXPECT_EQ(out.malformed[0].line, "RESULT bad iterations=1");
  EXPECT_EQ(out.results.size(), 1u);
}

TEST(BenchResults, FormatTenths) {
  EXPECT_EQ(format_tenths(0), "0.0");
  EXPECT_EQ(format_tenths(7), "0.7");
  EXPECT_EQ(format_tenths(110), "11.0");
  EXPECT_EQ(format_tenths(10935), "1093.5");
}

}  // namespace
}  // namespace vmlab
