// Pit8254 through its ports: IRQ0 edges at exact virtual times, count latching and
// read-back, byte sequencing, BCD, counter 2 behind port 0x61, the refresh toggle,
// reprogramming, reset, and guest garbage. Virtual time is an instruction count the
// test sets; CLK edge k is at cycle floor(k * 1e9 / 1193182) after reset (cycle 0).
#include "devices/pit8254.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/events.h"

namespace vmlab {
namespace {

class RecordingSink : public IrqSink {
 public:
  struct Change {
    u64 time;
    bool level;
  };
  explicit RecordingSink(const VirtualClock& clock) : m_clock(clock) {}
  void set_irq(unsigned line, bool level) override {
    EXPECT_EQ(line, 0u);
    changes.push_back({m_clock.now(), level});
  }
  std::vector<u64> rising() const {
    std::vector<u64> times;
    for (const Change& c : changes)
      if (c.level) times.push_back(c.time);
    return times;
  }
  std::vector<Change> changes;

 private:
  const VirtualClock& m_clock;
};

class PitTest : public ::testing::Test {
 protected:
  PitTest() { pit.attach(bus); }

  void outb(u16 port, u8 value) { bus.port_write(port, value, 1); }
  u8 inb(u16 port) { return static_cast<u8>(bus.port_read(port, 1)); }
  // A control word for counter SC, then a count in LSB, MSB order.
  void program(u8 control, u16 count) {
    u16 port = 0x40 + (control >> 6);
    outb(0x43, control);
    outb(port, count & 0xFF);
    outb(port, count >> 8);
  }
  u16 read_count(unsigned index) {
    u8 lsb = inb(0x40 + index);
    return static_cast<u16>(lsb | inb(0x40 + index) << 8);
  }
  // Advance virtual time to `cycle`, stopping at every deadline on the way so each
  // timer runs at its own cycle, as the run loop does.
  void run_until(u64 cycle) {
    while (queue.next_deadline() <= cycle) {
      instructions = queue.next_deadline();
      queue.run_due(clock.now());
    }
    instructions = cycle;
  }
  static u64 edge(u64 k) { return k * 1'000'000'000 / 1'193'182; }
  // CLK edges at or before `cycle`, found by search rather than by the device's formula.
  static u64 edges_by(u64 cycle) {
    u64 k = cycle / 838;
    while (edge(k) > cycle) --k;
    while (edge(k + 1) <= cycle) ++k;
    return k;
  }
  u64 counter(const char* name) { return counters.device(name); }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  EventQueue queue;
  RecordingSink sink{clock};
  Pit8254 pit{clock, queue, IrqLine(&sink, 0), counters};
};

TEST_F(PitTest, Mode2Count11932RaisesIrq0EveryTenMilliseconds) {
  program(0x34, 11932);  // counter 0, LSB then MSB, mode 2, binary
  run_until(50'000'000);
  // The control word takes OUT0 high (reset left it low): one edge at cycle 0. Then
  // edge 1 loads the count and OUT0 rises after every 11932 edges: 10.000151 ms.
  EXPECT_EQ(sink.rising(), (std::vector<u64>{0, 10'000'988, 20'001'139, 30'001'290, 40'001'441}));
  ASSERT_GE(sink.changes.size(), 3u);
  EXPECT_EQ(sink.changes[1].time, 10'000'150u);  // low for one CLK period, then high
  EXPECT_FALSE(sink.changes[1].level);
  EXPECT_EQ(sink.changes[2].time - sink.changes[1].time, 838u);
  EXPECT_EQ(counter("pit.irq0_edges"), 5u);
  EXPECT_EQ(counter("pit.ch0.reloads"), 1u);
}

TEST_F(PitTest, Mode3SquareWaveOnIrq0WithEvenCount) {
  program(0x36, 10);
  run_until(edge(30));
  std::vector<RecordingSink::Change> expected = {{0, true},         {edge(6), false},
                                                 {edge(11), true},  {edge(16), false},
                                                 {edge(21), true},  {edge(26), false}};
  ASSERT_EQ(sink.changes.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(sink.changes[i].time, expected[i].time) << i;
    EXPECT_EQ(sink.changes[i].level, expected[i].level) << i;
  }
}

TEST_F(PitTest, Mode3OddCountOnCounter2IsHighOneEdgeLonger) {
  outb(0x61, 0x01);  // GATE2 on
  program(0xB6, 5);  // counter 2, mode 3
  std::string levels;
  std::vector<u16> counts;
  for (u64 k = 1; k <= 10; ++k) {
    instructions = edge(k);
    levels += (inb(0x61) & 0x20) ? 'H' : 'L';
    outb(0x43, 0x80);  // counter latch command, counter 2
    counts.push_back(read_count(2));
  }
  EXPECT_EQ(levels, "HHHLLHHHLL");
  EXPECT_EQ(counts, (std::vector<u16>{4, 2, 0, 4, 2, 4, 2, 0, 4, 2}));
}

TEST_F(PitTest, Mode0InterruptsOnceAtTerminalCount) {
  program(0x30, 100);
  run_until(1'000'000'000);
  ASSERT_EQ(sink.changes.size(), 1u);  // OUT0 was already low: only the rise
  EXPECT_EQ(sink.changes[0].time, edge(101));
  EXPECT_TRUE(sink.changes[0].level);
  EXPECT_TRUE(queue.empty());
  EXPECT_TRUE(pit.channel_state(0).out);
}

TEST_F(PitTest, LatchedCountMatchesElapsedVirtualTime) {
  program(0x34, 1000);
  for (u64 t : {900u, 300'000u, 838'096u, 1'300'000u, 5'000'000u}) {
    run_until(t);
    outb(0x43, 0x00);  // latch counter 0
    u64 expected = 1000 - (edges_by(t) - 1) % 1000;
    run_until(t + 400'000);  // the latch holds while time goes on
    outb(0x43, 0x00);        // ignored: the first latch has not been read
    EXPECT_EQ(read_count(0), expected % 0x10000) << "at cycle " << t;
  }
  u64 now = clock.now();
  EXPECT_EQ(read_count(0), 1000 - (edges_by(now) - 1) % 1000);  // unlatched: live
}

TEST_F(PitTest, ByteSequencingFollowsRwAndTheFlipFlops) {
  u64 k = 0;
  auto next_edge = [&] { instructions = edge(++k); };
  // Counter 2 with GATE2 low: mode 0 loads but does not count, so counts stay put.
  outb(0x43, 0x90);  // LSB only
  outb(0x42, 0x56);
  next_edge();
  EXPECT_EQ(inb(0x42), 0x56);
  EXPECT_EQ(inb(0x42), 0x56);
  EXPECT_EQ(pit.channel_state(2).reload, 0x56u);
  outb(0x43, 0xA0);  // MSB only
  outb(0x42, 0x78);
  next_edge();
  EXPECT_EQ(inb(0x42), 0x78);
  EXPECT_EQ(pit.channel_state(2).count, 0x7800u);
  outb(0x43, 0xB0);  // LSB then MSB
  outb(0x42, 0x34);
  outb(0x42, 0x12);
  next_edge();
  // The datasheet's interleaving: read and write flip-flops are separate.
  EXPECT_EQ(inb(0x42), 0x34);
  outb(0x42, 0xCD);
  EXPECT_EQ(inb(0x42), 0x12);
  outb(0x42, 0xAB);
  next_edge();
  EXPECT_EQ(read_count(2), 0xABCD);
  // A control word resets both flip-flops.
  outb(0x42, 0x11);
  EXPECT_EQ(inb(0x42), 0xCD);
  outb(0x43, 0xB0);
  outb(0x42, 0x22);
  outb(0x42, 0x33);
  next_edge();
  EXPECT_EQ(read_count(2), 0x3322);
  EXPECT_EQ(counter("pit.ch2.reloads"), 5u);  // the lone 0x11 never completed a count
}

TEST_F(PitTest, ReadBackLatchesStatusAndCount) {
  program(0x34, 1000);
  outb(0x43, 0xE2);  // read-back: status only, counter 0
  EXPECT_EQ(inb(0x40), 0xF4);  // OUTPUT, NULL COUNT (not loaded yet), RW=11, M=010
  instructions = edge(1);
  outb(0x43, 0xE2);
  EXPECT_EQ(inb(0x40), 0xB4);  // loaded: NULL COUNT clear
  instructions = edge(11);
  outb(0x43, 0x00);  // count latched first...
  instructions = edge(15);
  outb(0x43, 0xC2);  // ...then count (ignored: already latched) and status
  EXPECT_EQ(inb(0x40), 0xB4);  // status is read first regardless
  EXPECT_EQ(read_count(0), 990);
  // Several counters at once; counter 2 is mode 0 (OUTPUT low) and M=110 reads back as written.
  outb(0x43, 0x7C);  // counter 1, mode 2 written as 110
  outb(0x43, 0xB0);
  outb(0x43, 0xCE);  // count and status of counters 0, 1, 2
  EXPECT_EQ(inb(0x40), 0xB4);
  EXPECT_EQ(inb(0x41), 0xFC);  // OUTPUT high, NULL COUNT, RW=11, M=110
  EXPECT_EQ(inb(0x42), 0x70);
  EXPECT_EQ(read_count(0), 986);
  EXPECT_EQ(pit.channel_state(1).mode, 2);
  // A new count in mode 2 leaves NULL COUNT set until the cycle ends.
  outb(0x40, 0x10);
  outb(0x40, 0x00);
  outb(0x43, 0xE2);
  EXPECT_EQ(inb(0x40) & 0x40, 0x40);
  instructions = edge(1001);
  outb(0x43, 0xE2);
  EXPECT_EQ(inb(0x40) & 0x40, 0);
}

TEST_F(PitTest, BcdCountsAreDecimalDigitsAndZeroMeans10000) {
  program(0x35, 0x0000);  // counter 0, mode 2, BCD, count 0 = 10000
  EXPECT_EQ(pit.channel_state(0).reload, 10000u);
  instructions = edge(2);
  EXPECT_EQ(read_count(0), 0x9999);
  instructions = edge(3);
  EXPECT_EQ(read_count(0), 0x9998);
  run_until(edge(10002));
  EXPECT_EQ(sink.rising(), (std::vector<u64>{0, edge(10001)}));
  program(0xB1, 0x1234);  // counter 2, mode 0, BCD 1234
  EXPECT_EQ(pit.channel_state(2).reload, 1234u);
}

TEST_F(PitTest, CountZeroMeans65536) {
  program(0x34, 0);
  EXPECT_EQ(pit.channel_state(0).reload, 65536u);
  instructions = edge(2);
  EXPECT_EQ(read_count(0), 0xFFFF);
  run_until(edge(65537));
  ASSERT_EQ(sink.changes.size(), 3u);
  EXPECT_EQ(sink.changes[1].time, edge(65536));
  EXPECT_EQ(sink.changes[2].time, edge(65537));
}

TEST_F(PitTest, CalibrationLoopPollsCounter2OutInPort61) {
  instructions = 5000;  // between CLK edges 5 and 6
  outb(0x61, (inb(0x61) & ~0x02) | 0x01);  // GATE2 on, speaker data off
  program(0xB0, 11932);  // counter 2, mode 0
  EXPECT_FALSE(inb(0x61) & 0x20);
  int polls = 0;
  while (!(inb(0x61) & 0x20) && polls < 200'000) {
    instructions += 100;
    ++polls;
  }
  u64 terminal = edge(6 + 11932);  // edge 6 loads the count, 11932 more reach 0
  EXPECT_GE(clock.now(), terminal);
  EXPECT_LT(clock.now() - 100, terminal);
  EXPECT_TRUE(pit.channel2_output());
  EXPECT_FALSE(pit.speaker_enabled());
  EXPECT_TRUE(sink.changes.empty());  // counter 2 has no interrupt
}

TEST_F(PitTest, Gate2LowHoldsCounter2) {
  program(0xB0, 50);  // GATE2 is low after reset
  instructions = edge(1000);
  EXPECT_EQ(read_count(2), 50);
  EXPECT_FALSE(inb(0x61) & 0x20);
  outb(0x61, 0x03);  // gate on, speaker on: OUT2 rises 50 edges later
  EXPECT_TRUE(pit.speaker_enabled());
  instructions = edge(1049);
  EXPECT_FALSE(inb(0x61) & 0x20);
  instructions = edge(1050);
  EXPECT_TRUE(inb(0x61) & 0x20);
  // Mode 1: GATE2's rising edge fires a one-shot on OUT2.
  outb(0x43, 0xB2);
  outb(0x42, 10);
  outb(0x42, 0);
  outb(0x61, 0x00);
  instructions = edge(1060);
  outb(0x61, 0x01);  // trigger: OUT2 low from edge 1061 to edge 1071
  instructions = edge(1061);
  EXPECT_FALSE(inb(0x61) & 0x20);
  instructions = edge(1070);
  EXPECT_FALSE(pit.channel2_output());
  instructions = edge(1071);
  EXPECT_TRUE(pit.channel2_output());
}

TEST_F(PitTest, RefreshToggleFlipsEvery15085Cycles) {
  auto toggle = [&](u64 t) {
    instructions = t;
    return (inb(0x61) & 0x10) != 0;
  };
  EXPECT_FALSE(toggle(0));
  EXPECT_FALSE(toggle(15'084));
  EXPECT_TRUE(toggle(15'085));
  EXPECT_TRUE(toggle(30'169));
  EXPECT_FALSE(toggle(30'170));
  outb(0x61, 0xFF);  // bits 4-7 are read-only
  EXPECT_EQ(inb(0x61) & 0xDF, 0x0F);
  EXPECT_TRUE(toggle(45'255));
}

TEST_F(PitTest, NewCountsAndControlWordsMidCount) {
  program(0x34, 1000);  // mode 2: the cycle under way keeps its length
  instructions = edge(500) + 1;
  outb(0x40, 300 & 0xFF);
  outb(0x40, 300 >> 8);
  run_until(edge(1302));
  EXPECT_EQ(sink.rising(), (std::vector<u64>{0, edge(1001), edge(1301)}));
  EXPECT_EQ(sink.changes[3].time, edge(1300));
  program(0x36, 100);  // mode 3 at edge 1302: high until 1353
  instructions = edge(1320);
  outb(0x40, 40);  // the half-cycle ends as planned, then halves of 20
  outb(0x40, 0);
  run_until(edge(1400));
  size_t n = sink.changes.size();
  EXPECT_EQ(sink.changes[n - 3].time, edge(1353));
  EXPECT_EQ(sink.changes[n - 2].time, edge(1373));
  EXPECT_EQ(sink.changes[n - 1].time, edge(1393));
  run_until(edge(1415));  // high again since edge 1413
  program(0x30, 10);      // mode 0: the control word drops OUT0 at once
  EXPECT_FALSE(sink.changes.back().level);
  EXPECT_EQ(sink.changes.back().time, edge(1415));
  run_until(edge(1430));
  EXPECT_EQ(sink.changes.back().time, edge(1426));
  outb(0x40, 5);  // the first byte of a new count drops OUT0 at once
  EXPECT_FALSE(sink.changes.back().level);
  EXPECT_EQ(sink.changes.back().time, edge(1430));
  outb(0x40, 0);
  run_until(edge(1500));
  EXPECT_EQ(sink.changes.back().time, edge(1436));
  EXPECT_TRUE(sink.changes.back().level);
}

TEST_F(PitTest, EdgesAreDeliveredEvenWhenTheRunLoopIsLate) {
  program(0x34, 10);
  instructions = edge(100);
  queue.run_due(clock.now());  // one late call: every edge still comes, in order
  EXPECT_EQ(sink.rising().size(), 10u);
  instructions = edge(200) + 5;
  outb(0x40, 10);  // a port write before run_due delivers what is due first
  outb(0x40, 0);
  EXPECT_EQ(sink.rising().size(), 20u);
  for (size_t i = 1; i < sink.changes.size(); ++i)
    EXPECT_NE(sink.changes[i].level, sink.changes[i - 1].level);
}

TEST_F(PitTest, ResetStopsEverythingLikeAFreshDevice) {
  program(0x34, 100);
  outb(0x61, 0x03);
  program(0xB6, 8);
  run_until(5'000'000);
  pit.reset();
  EXPECT_FALSE(sink.changes.back().level);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(inb(0x61) & 0x2F, 0);
  EXPECT_FALSE(pit.speaker_enabled());
  for (unsigned i = 0; i < 3; ++i) {
    Pit8254::ChannelState s = pit.channel_state(i);
    EXPECT_EQ(s.mode, 0);
    EXPECT_EQ(s.rw, Pit8254::RW_LSB_MSB);
    EXPECT_FALSE(s.bcd);
    EXPECT_EQ(s.reload, 0u);
    EXPECT_FALSE(s.out);
    EXPECT_EQ(s.gate, i != 2);
    EXPECT_TRUE(s.null_count);
  }
  u32 count = pit.channel_state(0).count;
  run_until(10'000'000);
  EXPECT_EQ(pit.channel_state(0).count, count);
  EXPECT_TRUE(queue.empty());
}

TEST_F(PitTest, WideAccessesAreSplitIntoBytes) {
  outb(0x43, 0x90);                     // counter 2, LSB only
  bus.port_write(0x42, 0xB055, 2);      // 0x55 -> counter 2, 0xB0 -> control word
  EXPECT_EQ(counter("pit.ch2.reloads"), 1u);
  EXPECT_EQ(pit.channel_state(2).rw, Pit8254::RW_LSB_MSB);
  EXPECT_EQ(bus.port_read(0x43, 1), 0xFFu);
  EXPECT_EQ(bus.port_read(0x42, 2) >> 8, 0xFFu);
  EXPECT_EQ(bus.port_read(0x40, 4) >> 24, 0xFFu);
  bus.port_write(0x43, 0x12345634, 4);  // control word 0x34; the rest has no 8254
  EXPECT_EQ(pit.channel_state(0).mode, 2);
  EXPECT_EQ(bus.port_read(0x61, 2) >> 8, 0xFFu);
}

// Any sequence of guest accesses leaves the device consistent: counts in range, IRQ0
// strictly alternating, the edge counter equal to the rising edges seen.
TEST_F(PitTest, GuestGarbageKeepsInvariants) {
  const u16 ports[] = {0x40, 0x41, 0x42, 0x43, 0x61};
  const u8 sizes[] = {1, 1, 1, 2, 4};
  u32 seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int i = 0; i < 20'000; ++i) {
    u16 port = ports[next() % 5];
    u8 size = sizes[next() % 5];
    u32 value = next();
    if (port < 0x43 && next() % 2) value &= 0x0F;  // small counts, so edges happen
    if (next() % 2) bus.port_write(port, value, size);
    else bus.port_read(port, size);
    run_until(clock.now() + (next() % 64 ? next() % 3000 : next() % 200'000));
    for (unsigned c = 0; c < 3; ++c) {
      Pit8254::ChannelState s = pit.channel_state(c);
      ASSERT_LT(s.count, s.bcd ? 10000u : 65536u);
      ASSERT_LE(s.reload, s.bcd ? 10000u : 65536u);
      ASSERT_LE(s.mode, 5);
    }
    ASSERT_GT(queue.next_deadline(), clock.now());
  }
  for (size_t i = 1; i < sink.changes.size(); ++i)
    ASSERT_NE(sink.changes[i].level, sink.changes[i - 1].level);
  EXPECT_EQ(counter("pit.irq0_edges"), sink.rising().size());
  EXPECT_GT(sink.rising().size(), 10u);
}

}  // namespace
}  // namespace vmlab
