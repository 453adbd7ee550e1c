#include "core/bench_results.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

namespace vmlab {
namespace {

// Words separated by runs of spaces or tabs.
std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    std::size_t start = line.find_first_not_of(" \t", i);
    if (start == std::string_view::npos) break;
    std::size_t end = line.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = line.size();
    words.push_back(line.substr(start, end - start));
    i = end;
  }
  return words;
}

// A decimal number of digits only (no sign, no spaces), or nullopt (also on overflow).
std::optional<u64> parse_decimal(std::string_view s) {
  u64 value = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// "<int>.<one digit>" as tenths.
std::optional<u64> parse_tenths(std::string_view s) {
  std::size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot + 2 != s.size()) return std::nullopt;
  std::optional<u64> whole = parse_decimal(s.substr(0, dot));
  std::optional<u64> tenth = parse_decimal(s.substr(dot + 1));
  if (!whole || !tenth || *whole > (~0ull - 9) / 10) return std::nullopt;
  return *whole * 10 + *tenth;
}

// Parse the words after "RESULT"; returns why the line is malformed, or "" if it is not.
std::string parse_result(const std::vector<std::string_view>& words, BenchResult& out) {
  if (words.size() < 2) return "no benchmark name";
  if (words[1].find('=') != std::string_view::npos) return "no benchmark name before the key=value pairs";
  out.name = std::string(words[1]);
  bool has_iterations = false, has_cycles = false, has_per_iteration = false;
  for (std::size_t i = 2; i < words.size(); ++i) {
    std::string_view word = words[i];
    std::size_t eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) return fmt::format("'{}' is not key=value", word);
    std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
    auto number = [&](u64& field, bool& seen, std::optional<u64> parsed) -> std::string {
      if (seen) return fmt::format("{} is given twice", key);
      if (!parsed)
        return fmt::format("{}={} is not a {}", key, value,
                           key == "cycles_per_iteration" ? "number with one decimal" : "whole number");
      seen = true;
      field = *parsed;
      return "";
    };
    std::string error;
    if (key == "iterations")
      error = number(out.iterations, has_iterations, parse_decimal(value));
    else if (key == "cycles")
      error = number(out.cycles, has_cycles, parse_decimal(value));
    else if (key == "cycles_per_iteration")
      error = number(out.tenths_per_iteration, has_per_iteration, parse_tenths(value));
    else
      out.extra.emplace_back(key, value);
    if (!error.empty()) return error;
  }
  if (!has_iterations) return "iterations= is missing";
  if (!has_cycles) return "cycles= is missing";
  if (!has_per_iteration) return "cycles_per_iteration= is missing";
  return "";
}

// "FAIL name text..." -> the name and the rest of the line as written.
std::string parse_failure(std::string_view line, const std::vector<std::string_view>& words,
                          BenchFailure& out) {
  if (words.size() < 2) return "FAIL without a benchmark name";
  out.name = std::string(words[1]);
  std::size_t after_name = std::size_t(words[1].data() + words[1].size() - line.data());
  std::size_t text = line.find_first_not_of(" \t", after_name);
  out.text = text == std::string_view::npos ? "" : std::string(line.substr(text));
  return "";
}

}  // namespace

BenchOutput parse_bench_output(std::string_view text) {
  BenchOutput output;
  std::size_t line_number = 0;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::vector<std::string_view> words = split_words(line);
    if (words.empty()) continue;
    std::string why;
    if (words[0] == "RESULT") {
      BenchResult result;
      why = parse_result(words, result);
      for (const BenchResult& earlier : output.results)
        if (why.empty() && earlier.name == result.name)
          why = fmt::format("a second RESULT for '{}'", result.name);
      if (why.empty()) output.results.push_back(std::move(result));
    } else if (words[0] == "FAIL") {
      BenchFailure failure;
      why = parse_failure(line, words, failure);
      if (why.empty()) output.failures.push_back(std::move(failure));
    }
    if (!why.empty()) output.malformed.push_back({line_number, std::string(line), why});
  }
  return output;
}

std::string format_tenths(u64 tenths) { return fmt::format("{}.{}", tenths / 10, tenths % 10); }

}  // namespace vmlab
