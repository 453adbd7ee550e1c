// Counter output: text is aligned and names exceptions by SDM mnemonic; JSON and CSV
// parse back to the same numbers, in declaration order.
#include "core/counters_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace vmlab {
namespace {

Counters sample_counters() {
  Counters c;
  c.instructions = 123456;
  c.cycles = 7;
  c.port_writes = 42;
  c.exceptions_by_vector[14] = 12;
  c.exceptions_by_vector[15] = 1;
  c.exceptions_by_vector[3] = 2;
  c.interrupts_by_vector[0x20] = 100;
  c.last_post_code = 0x42;
  return c;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> counter_names() {
  std::vector<std::string> names;
  Counters().for_each([&](std::string_view name, std::string_view, u64) {
    names.emplace_back(name);
  });
  return names;
}

TEST(CounterFormat, ParsesTheThreeNames) {
  EXPECT_EQ(parse_counter_format("text"), CounterFormat::Text);
  EXPECT_EQ(parse_counter_format("json"), CounterFormat::Json);
  EXPECT_EQ(parse_counter_format("csv"), CounterFormat::Csv);
}

TEST(CounterFormat, UnknownNameIsAUserErrorListingChoices) {
  try {
    parse_counter_format("xml");
    FAIL() << "no exception";
  } catch (const UserError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("'xml'"), std::string::npos);
    EXPECT_NE(message.find("text, json or csv"), std::string::npos);
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
  EXPECT_THROW(parse_counter_format("JSON"), UserError);
  EXPECT_THROW(parse_counter_format(""), UserError);
}

TEST(CounterFormat, TextListsEveryCounterAlignedInDeclarationOrder) {
  std::string text = format_counters(sample_counters(), CounterFormat::Text);
  std::vector<std::string> lines = lines_of(text);
  std::vector<std::string> names = counter_names();
  ASSERT_GE(lines.size(), names.size());
  size_t value_end = std::string::npos;
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(lines[i].rfind(names[i] + " ", 0), 0u) << lines[i];
    // Values are right-aligned: each ends in the same column, followed by two spaces.
    size_t end = lines[i].find_first_of(' ', lines[i].find_first_not_of(' ', names[i].size()));
    if (i == 0) value_end = end;
    EXPECT_EQ(end, value_end) << lines[i];
  }
  EXPECT_NE(lines[0].find(" 123456  guest instructions retired"), std::string::npos) << lines[0];
}

TEST(CounterFormat, TextShowsNonZeroVectorsWithMnemonicsAndPostCode) {
  std::string text = format_counters(sample_counters(), CounterFormat::Text);
  std::vector<std::string> lines = lines_of(text);
  size_t first_vector = counter_names().size();
  ASSERT_EQ(lines.size(), first_vector + 5);
  auto squeeze = [](std::string s) {  // collapse alignment padding for comparison
    std::string out;
    for (char ch : s) {
      if (ch != ' ' || (!out.empty() && out.back() != ' ')) out += ch;
    }
    return out;
  };
  EXPECT_EQ(squeeze(lines[first_vector]), "exceptions[#BP 3] 2");
  EXPECT_EQ(squeeze(lines[first_vector + 1]), "exceptions[#PF 14] 12");
  EXPECT_EQ(squeeze(lines[first_vector + 2]), "exceptions[15] 1");
  EXPECT_EQ(squeeze(lines[first_vector + 3]), "interrupts[32] 100");
  EXPECT_EQ(lines[first_vector + 4].rfind("last_post_code ", 0), 0u);
  EXPECT_NE(lines[first_vector + 4].find(" 0x42 "), std::string::npos);
  EXPECT_EQ(text.find("exceptions[#GP"), std::string::npos);  // zero counts are left out
}

TEST(CounterFormat, JsonParsesBackInDeclarationOrder) {
  Counters c = sample_counters();
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(format_counters(c, CounterFormat::Json));
  std::vector<std::string> keys;
  for (const auto& [key, value] : j["counters"].items()) keys.push_back(key);
  EXPECT_EQ(keys, counter_names());
  EXPECT_EQ(j["counters"]["instructions"], 123456u);
  EXPECT_EQ(j["counters"]["port_writes"], 42u);
  EXPECT_EQ(j["counters"]["tlb_hits"], 0u);
  EXPECT_EQ(j["exceptions_by_vector"],
            nlohmann::ordered_json::parse(R"({"3": 2, "14": 12, "15": 1})"));
  EXPECT_EQ(j["interrupts_by_vector"], nlohmann::ordered_json::parse(R"({"32": 100})"));
  EXPECT_EQ(j["last_post_code"], 0x42);
}

TEST(CounterFormat, JsonOfZeroCountersHasEmptyVectorObjects) {
  nlohmann::json j = nlohmann::json::parse(format_counters(Counters{}, CounterFormat::Json));
  EXPECT_TRUE(j["exceptions_by_vector"].is_object());
  EXPECT_TRUE(j["exceptions_by_vector"].empty());
  EXPECT_TRUE(j["interrupts_by_vector"].empty());
  EXPECT_EQ(j["last_post_code"], 0);
}

TEST(CounterFormat, CsvParsesBackToTheSameRows) {
  std::vector<std::string> lines = lines_of(format_counters(sample_counters(), CounterFormat::Csv));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "name,value");
  std::vector<std::pair<std::string, u64>> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t comma = lines[i].find(',');
    ASSERT_NE(comma, std::string::npos) << lines[i];
    ASSERT_EQ(lines[i].find(',', comma + 1), std::string::npos) << lines[i];
    rows.emplace_back(lines[i].substr(0, comma), std::stoull(lines[i].substr(comma + 1)));
  }
  std::vector<std::string> names = counter_names();
  ASSERT_EQ(rows.size(), names.size() + 5);
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(rows[i].first, names[i]);
  EXPECT_EQ(rows[0].second, 123456u);
  std::vector<std::pair<std::string, u64>> tail(rows.end() - 5, rows.end());
  EXPECT_EQ(tail, (std::vector<std::pair<std::string, u64>>{{"exceptions_by_vector.3", 2},
                                                             {"exceptions_by_vector.14", 12},
                                                             {"exceptions_by_vector.15", 1},
                                                             {"interrupts_by_vector.32", 100},
                                                             {"last_post_code", 0x42}}));
}

}  // namespace
}  // namespace vmlab

namespace vmlab {
namespace {

TEST(CountersFormatDevices, DeviceCountersAppearInEveryFormat) {
  Counters c;
  c.device("ide0.sectors_read") = 8;
  c.device("com1.port_writes") = 3;
  nlohmann::json j = nlohmann::json::parse(format_counters(c, CounterFormat::Json));
  EXPECT_EQ(j["devices"]["ide0.sectors_read"], 8);
  EXPECT_EQ(j["devices"]["com1.port_writes"], 3);
  std::string csv = format_counters(c, CounterFormat::Csv);
  EXPECT_NE(csv.find("devices.com1.port_writes,3\n"), std::string::npos) << csv;
  // Ordered by name: com1 before ide0, in every format.
  EXPECT_LT(csv.find("devices.com1"), csv.find("devices.ide0"));
  std::string text = format_counters(c, CounterFormat::Text);
  EXPECT_NE(text.find("ide0.sectors_read"), std::string::npos) << text;
}

}  // namespace
}  // namespace vmlab
