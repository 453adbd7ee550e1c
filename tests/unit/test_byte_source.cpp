// ByteSource: StringSource hands out its text then ends; StdinSource reads pipes and
// files without blocking, says "nothing yet" while a pipe is open but empty, and
// ends at end of file or on a descriptor that is not open.
#include "devices/byte_source.h"
#include "devices/typed_input.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace vmlab {
namespace {

// Everything the source has right now, as a string.
std::string drain(ByteSource& source) {
  std::string got;
  while (std::optional<u8> byte = source.poll()) got += char(*byte);
  return got;
}

class StdinSourcePipe : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(pipe(fds), 0); }
  void TearDown() override {
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
  }
  void put(const std::string& text) {
    ASSERT_EQ(write(fds[1], text.data(), text.size()), ssize_t(text.size()));
  }
  void close_writer() {
    close(fds[1]);
    fds[1] = -1;
  }
  int fds[2] = {-1, -1};
};

TEST(StringSource, HandsOutEveryByteThenEnds) {
  StringSource source(std::string("a\0b", 3));
  EXPECT_FALSE(source.at_end());
  EXPECT_EQ(source.poll(), u8('a'));
  EXPECT_EQ(source.poll(), u8(0));
  EXPECT_FALSE(source.at_end());
  EXPECT_EQ(source.poll(), u8('b'));
  EXPECT_TRUE(source.at_end());
  EXPECT_EQ(source.poll(), std::nullopt);
}

TEST(StringSource, EmptyStringIsAtEndAtOnce) {
  StringSource source("");
  EXPECT_TRUE(source.at_end());
  EXPECT_EQ(source.poll(), std::nullopt);
}

TEST_F(StdinSourcePipe, EmptyOpenPipeIsNothingYetNotEnd) {
  StdinSource source(fds[0]);
  EXPECT_EQ(source.poll(), std::nullopt);  // returns at once: the test would hang otherwise
  EXPECT_FALSE(source.at_end());
}

TEST_F(StdinSourcePipe, ReadsWhatWasWrittenThenWaitsForMore) {
  StdinSource source(fds[0]);
  put("ab");
  EXPECT_EQ(drain(source), "ab");
  EXPECT_FALSE(source.at_end());
  put("c\n");
  EXPECT_EQ(drain(source), "c\n");
  EXPECT_FALSE(source.at_end());
}

TEST_F(StdinSourcePipe, EndsAfterTheWriterClosesAndTheDataIsConsumed) {
  StdinSource source(fds[0]);
  put("xyz");
  close_writer();
  EXPECT_EQ(source.poll(), u8('x'));
  EXPECT_FALSE(source.at_end());  // buffered bytes are still to come
  EXPECT_EQ(drain(source), "yz");
  EXPECT_TRUE(source.at_end());
  EXPECT_EQ(source.poll(), std::nullopt);
}

TEST_F(StdinSourcePipe, LargeInputComesThroughInOrder) {
  StdinSource source(fds[0]);
  std::string text;
  for (int i = 0; i < 10000; ++i) text += char('a' + i % 26);
  put(text);  // fits in the default 64 KiB pipe buffer
  close_writer();
  std::string got;
  while (!source.at_end()) {
    if (std::optional<u8> byte = source.poll()) got += char(*byte);
  }
  EXPECT_EQ(got, text);
}

TEST_F(StdinSourcePipe, DoesNotSetNonBlockingModeOnTheDescriptor) {
  int before = fcntl(fds[0], F_GETFL);
  StdinSource source(fds[0]);
  source.poll();
  EXPECT_EQ(fcntl(fds[0], F_GETFL), before);
}

TEST(StdinSource, ReadsARegularFileToItsEnd) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  std::fputs("file\n", file);
  std::fflush(file);
  std::rewind(file);
  StdinSource source(fileno(file));
  EXPECT_EQ(drain(source), "file\n");
  EXPECT_EQ(source.poll(), std::nullopt);
  EXPECT_TRUE(source.at_end());
  std::fclose(file);
}

TEST(StdinSource, DescriptorThatIsNotOpenEndsInsteadOfPollingForever) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  close(fds[1]);
  StdinSource closed(fds[0]);
  EXPECT_EQ(closed.poll(), std::nullopt);
  EXPECT_TRUE(closed.at_end());
  StdinSource negative(-1);
  EXPECT_TRUE(negative.at_end());
  EXPECT_EQ(negative.poll(), std::nullopt);
}

// Typed bytes are handed out one per poll and recorded with the poll that delivered
// them; after rewind() the next run gets each at the same poll, whatever was typed
// since; end_replay() forks the timeline.
TEST(TypedInput, ReplaysEachByteAtThePollThatFirstDeliveredIt) {
  TypedInput input;
  EXPECT_FALSE(input.at_end()) << "a person may always type more";
  EXPECT_EQ(input.poll(), std::nullopt);  // poll 1
  input.type("ab");
  EXPECT_EQ(input.poll(), u8('a'));        // poll 2
  EXPECT_EQ(input.poll(), u8('b'));        // poll 3
  EXPECT_EQ(input.poll(), std::nullopt);   // poll 4
  ASSERT_EQ(input.delivered().size(), 2u);
  EXPECT_EQ(input.delivered()[0].poll, 2u);

  input.rewind();
  input.type("c");  // typed during the replay: it waits for the schedule
  EXPECT_EQ(input.poll(), std::nullopt);   // poll 1
  EXPECT_EQ(input.poll(), u8('a'));        // poll 2, as before
  EXPECT_EQ(input.pending(), 1u);
  input.rewind();                          // going back again mid-replay keeps the whole record
  EXPECT_EQ(input.poll(), std::nullopt);
  EXPECT_EQ(input.poll(), u8('a'));
  input.end_replay();                      // the re-execution stopped here: 'b' is forgotten
  EXPECT_EQ(input.poll(), u8('c'));
  EXPECT_EQ(input.poll(), std::nullopt);
}

}  // namespace
}  // namespace vmlab
