// TraceWriter: the file is valid Chrome Trace Event JSON with virtual-time stamps,
// readable names and categories, whether it holds many events, none, or was closed
// by a destructor.
#include "core/trace_writer.h"
#include "modes/exit.h"
#include "modes/mode_spec.h"
#include "modes/tae_monitor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/error.h"
#include "core/virtual_clock.h"

namespace vmlab {
namespace {

class TraceWriterTest : public ::testing::Test {
 protected:
  TraceWriterTest() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = (std::filesystem::temp_directory_path() /
            ("vmlab_trace_" + std::to_string(::getpid()) + "_" + info->name() + ".json"))
               .string();
  }
  ~TraceWriterTest() override { std::filesystem::remove(path); }

  std::string contents() const {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  nlohmann::json parsed() const { return nlohmann::json::parse(contents()); }

  // Instant events only (metadata events have "ph":"M").
  std::vector<nlohmann::json> instants() const {
    std::vector<nlohmann::json> out;
    nlohmann::json trace = parsed();  // named: the loop must not outlive a temporary
    for (const auto& e : trace["traceEvents"]) {
      if (e["ph"] == "i") out.push_back(e);
    }
    return out;
  }

  std::string path;
  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
};

TEST_F(TraceWriterTest, EmptyTraceIsValidJsonWithMetadata) {
  TraceWriter writer(events, path);
  writer.close();
  nlohmann::json j = parsed();
  EXPECT_EQ(j["displayTimeUnit"], "ns");
  ASSERT_EQ(j["traceEvents"].size(), 2u);
  EXPECT_EQ(j["traceEvents"][0]["name"], "process_name");
  EXPECT_EQ(j["traceEvents"][0]["args"]["name"], "vmlab");
  EXPECT_EQ(j["traceEvents"][1]["name"], "thread_name");
  EXPECT_EQ(j["traceEvents"][1]["args"]["name"], "cpu0");
  EXPECT_EQ(writer.events_written(), 0u);
}

TEST_F(TraceWriterTest, EventsCarryVirtualTimeNamesAndArgs) {
  TraceWriter writer(events, path);
  EXPECT_TRUE(events.listening());
  instructions = 1234;
  events.emit(Event{.kind = EventKind::Exception, .flags = Event::kHasErrorCode, .a = 14,
                    .b = 2, .c = 0xC0101234});
  instructions = 1234567;
  events.emit(Event{.kind = EventKind::PortIo, .size_or_level = 1, .flags = Event::kWrite,
                    .a = 0x3F8, .b = 0x41});
  writer.close();
  EXPECT_NE(contents().find("\"ts\":1.234,"), std::string::npos);  // exact, 3 decimals
  std::vector<nlohmann::json> ev = instants();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["name"], "#PF");
  EXPECT_EQ(ev[0]["cat"], "exception");
  EXPECT_EQ(ev[0]["s"], "t");
  EXPECT_DOUBLE_EQ(ev[0]["ts"].get<double>(), 1.234);
  EXPECT_EQ(ev[0]["args"]["vector"], "0xe");
  EXPECT_EQ(ev[0]["args"]["error_code"], "0x2");
  EXPECT_EQ(ev[0]["args"]["eip"], "0xc0101234");
  EXPECT_EQ(ev[1]["name"], "out 0x3f8");
  EXPECT_EQ(ev[1]["cat"], "io");
  EXPECT_DOUBLE_EQ(ev[1]["ts"].get<double>(), 1234.567);
  EXPECT_EQ(ev[1]["args"]["value"], "0x41");
  EXPECT_EQ(ev[1]["args"]["size"], 1);
  EXPECT_EQ(writer.events_written(), 2u);
}

TEST_F(TraceWriterTest, TimestampsAreExactMicrosecondsWithThreeDecimals) {
  TraceWriter writer(events, path);
  for (u64 cycles : {7ull, 1000005ull, 9007199254740993ull}) {  // the last is 2^53 + 1
    instructions = cycles;
    events.emit(Event{.kind = EventKind::Halt});
  }
  writer.close();
  std::string text = contents();
  EXPECT_NE(text.find("\"ts\":0.007,"), std::string::npos);
  EXPECT_NE(text.find("\"ts\":1000.005,"), std::string::npos);
  EXPECT_NE(text.find("\"ts\":9007199254740.993,"), std::string::npos);
}

TEST_F(TraceWriterTest, EveryKindGetsReadableNameAndCategory) {
  TraceWriter writer(events, path);
  events.emit(Event{.kind = EventKind::Exception, .a = 18});
  events.emit(Event{.kind = EventKind::Interrupt, .a = 0x20});
  events.emit(Event{.kind = EventKind::SoftwareInt, .a = 0x80});
  events.emit(Event{.kind = EventKind::PageWalk, .size_or_level = 2, .table = 2, .a = 0x1000});
  events.emit(Event{.kind = EventKind::TlbFill, .a = 0x1000, .b = 0x5000});
  events.emit(Event{.kind = EventKind::TlbFlush, .flags = Event::kGlobalToo});
  events.emit(Event{.kind = EventKind::TlbFlush, .flags = Event::kInvlpg, .a = 0x7000});
  events.emit(Event{.kind = EventKind::PortIo, .size_or_level = 2, .a = 0x60});
  events.emit(Event{.kind = EventKind::Mmio, .size_or_level = 4, .a = 0xFEE000B0});
  events.emit(Event{.kind = EventKind::Halt, .c = 0x100});
  events.emit(Event{.kind = EventKind::TaskSwitch, .a = 0x28, .b = 0x30, .c = 2});
  events.emit(Event{.kind = EventKind::RunEnd, .a = 1});
  events.emit(Event{.kind = EventKind::IrqLine, .a = 14, .b = 1});
  writer.close();
  std::vector<std::pair<std::string, std::string>> expected = {
      {"exception 0x12", "exception"}, {"interrupt 0x20", "interrupt"},
      {"INT 0x80", "interrupt"},       {"page walk L2", "paging"},
      {"TLB fill", "tlb"},             {"TLB flush", "tlb"},
      {"INVLPG", "tlb"},               {"in 0x60", "io"},
      {"mmio read 0xfee000b0", "io"},  {"HLT", "cpu"},
      {"task switch", "cpu"},          {"run end", "cpu"},
      {"IRQ14 raised", "interrupt"}};
  std::vector<nlohmann::json> ev = instants();
  ASSERT_EQ(ev.size(), expected.size());
  for (size_t i = 0; i < ev.size(); ++i) {
    EXPECT_EQ(ev[i]["name"], expected[i].first);
    EXPECT_EQ(ev[i]["cat"], expected[i].second);
  }
  EXPECT_EQ(ev[3]["args"]["table"], "ept");
  EXPECT_EQ(ev[5]["args"]["global_pages"], "flushed");
  EXPECT_EQ(ev[10]["args"]["reason"], "iret");
  EXPECT_EQ(ev[12]["args"]["line"], 14);
}

// An exit is a complete event over the cycles it cost, named by its mode's reason, and
// moves a counter track of exits by category.
TEST_F(TraceWriterTest, ExitsAreCompleteEventsWithACounterTrack) {
  TraceWriter writer(events, path);
  instructions = 5000;  // emitted after the monitor charged the exit: it began 3200 earlier
  events.emit(Event{.kind = EventKind::Exit, .size_or_level = u8(ExitCategory::Io),
                    .table = u8(CpuStrategy::TrapAndEmulate), .a = u32(TaeReason::PortIo), .b = 0x80,
                    .c = 0x1234, .d = 3200});
  events.emit(Event{.kind = EventKind::Exit, .size_or_level = u8(ExitCategory::Io),
                    .table = u8(CpuStrategy::TrapAndEmulate), .a = u32(TaeReason::PortIo), .b = 0x80,
                    .c = 0x1238, .d = 3200});
  writer.close();
  nlohmann::json doc = nlohmann::json::parse(contents());
  std::vector<nlohmann::json> complete, counters;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] == "X") complete.push_back(e);
    if (e["ph"] == "C") counters.push_back(e);
  }
  ASSERT_EQ(complete.size(), 2u);
  EXPECT_EQ(complete[0]["name"], "tae.port-io");
  EXPECT_EQ(complete[0]["cat"], "exit");
  EXPECT_EQ(complete[0]["ts"], 1.8);
  EXPECT_EQ(complete[0]["dur"], 3.2);
  EXPECT_EQ(complete[0]["args"]["category"], "io");
  EXPECT_EQ(complete[0]["args"]["qualification"], "0x80");
  EXPECT_EQ(complete[0]["args"]["eip"], "0x1234");
  EXPECT_EQ(complete[0]["args"]["cost"], 3200);
  ASSERT_EQ(counters.size(), 2u);
  EXPECT_EQ(counters[1]["name"], "exits");
  EXPECT_EQ(counters[1]["args"]["io"], 2);
}

TEST_F(TraceWriterTest, DestructorFinishesTheFile) {
  {
    TraceWriter writer(events, path);
    events.emit(Event{.kind = EventKind::Halt});
  }
  EXPECT_FALSE(events.listening());  // unsubscribed
  EXPECT_EQ(instants().size(), 1u);
}

TEST_F(TraceWriterTest, CloseIsIdempotentAndStopsWriting) {
  TraceWriter writer(events, path);
  events.emit(Event{.kind = EventKind::Halt});
  writer.close();
  events.set_history_capacity(4);  // keep the stream listening without the writer
  events.emit(Event{.kind = EventKind::Halt});
  writer.close();
  EXPECT_EQ(instants().size(), 1u);
  EXPECT_EQ(writer.events_written(), 1u);
}

TEST_F(TraceWriterTest, UnwritablePathIsAUserError) {
  std::string bad = (std::filesystem::path(path) / "no" / "such" / "dir.json").string();
  try {
    TraceWriter writer(events, bad);
    FAIL() << "no exception";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot write trace file '" + bad + "': ", 0), 0u);
  }
  EXPECT_FALSE(events.listening());
}

}  // namespace
}  // namespace vmlab
