// i8042 keyboard controller and its PS/2 keyboard: status bits, controller commands,
// the command byte, A20 and reset through the output port, keyboard commands and
// answers, set-2-to-set-1 translation, IRQ1, and guests that write in the wrong order.
#include "devices/i8042.h"
#include "recording_irq_sink.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/bus.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/virtual_clock.h"
#include "devices/scancode_translation.h"

namespace vmlab {
namespace {

using K = I8042;
using Kbd = Ps2Keyboard;


class I8042Test : public ::testing::Test {
 protected:
  void SetUp() override {
    kbc.attach(bus);
    kbc.on_a20 = [this](bool on) { a20_calls.push_back(on); };
    kbc.on_reset = [this] { ++reset_calls; };
  }
  void command(u8 value) { bus.port_write(K::kStatusPort, value, 1); }
  void data(u8 value) { bus.port_write(K::kDataPort, value, 1); }
  u8 status() { return u8(bus.port_read(K::kStatusPort, 1)); }
  u8 read() { return u8(bus.port_read(K::kDataPort, 1)); }
  // Reads every byte the controller has for the CPU.
  std::vector<u8> drain() {
    std::vector<u8> bytes;
    for (int guard = 0; guard < 64 && (status() & K::STATUS_OBF); ++guard) bytes.push_back(read());
    return bytes;
  }
  void set_command_byte(u8 value) {
    command(K::CMD_WRITE_RAM);
    data(value);
  }

  u64 instructions = 0;
  VirtualClock clock{instructions};
  EventStream events{clock};
  Counters counters;
  Bus bus{events, counters};
  RecordingIrqSink irqs;
  I8042 kbc{IrqLine(&irqs, K::kIrq), counters};
  std::vector<bool> a20_calls;
  int reset_calls = 0;
};

using Bytes = std::vector<u8>;

TEST(ScancodeTranslation, MainKeysRoundTripBetweenSets) {
  for (unsigned set1 = 1; set1 < 0x80; ++set1) {
    u8 set2 = set1_to_set2(u8(set1));
    if (set2 != 0) {
      EXPECT_EQ(translate_set2_to_set1(set2), set1) << std::hex << set1;
    }
  }
  EXPECT_EQ(set1_to_set2(0x1E), 0x1C);  // A
  EXPECT_EQ(set1_to_set2(0x41), 0x83);  // F7, the one key above 0x7F in set 2
  EXPECT_EQ(translate_set2_to_set1(0x76), 0x01);  // Esc
  EXPECT_EQ(translate_set2_to_set1(0x00), 0xFF);  // overrun
  EXPECT_EQ(translate_set2_to_set1(0xFA), 0xFA);  // answers pass
  EXPECT_EQ(translate_set2_to_set1(0xE0), 0xE0);
  EXPECT_EQ(set1_to_set2(0x7F), 0);  // no such key
}

TEST_F(I8042Test, PostStateStatusAndCommandByte) {
  EXPECT_EQ(status(), K::STATUS_SYS | K::STATUS_INH);
  command(K::CMD_READ_RAM);
  EXPECT_EQ(status(), K::STATUS_OBF | K::STATUS_SYS | K::STATUS_A2 | K::STATUS_INH);
  EXPECT_EQ(read(), K::kPostCommandByte);
  EXPECT_EQ(status() & K::STATUS_OBF, 0);
  EXPECT_TRUE(kbc.a20());
}

TEST_F(I8042Test, SelfTestAndInterfaceTest) {
  set_command_byte(0x00);  // SYS = 0, as after power-on
  EXPECT_EQ(status() & K::STATUS_SYS, 0);
  command(K::CMD_SELF_TEST);
  EXPECT_EQ(status() & (K::STATUS_OBF | K::STATUS_SYS), K::STATUS_OBF | K::STATUS_SYS);
  EXPECT_EQ(read(), 0x55);
  command(K::CMD_TEST_KBD);
  EXPECT_EQ(read(), 0x00);
  EXPECT_EQ(drain(), Bytes{});
}

TEST_F(I8042Test, CommandByteRoundTripAndControllerRam) {
  set_command_byte(0x21);
  EXPECT_EQ(status() & K::STATUS_A2, 0);  // the parameter went through port 0x60
  EXPECT_EQ(status() & K::STATUS_SYS, 0);
  command(K::CMD_READ_RAM);
  EXPECT_EQ(read(), 0x21);
  set_command_byte(0x45);
  EXPECT_NE(status() & K::STATUS_SYS, 0);
  command(0x7F);  // controller RAM byte 0x1F
  data(0xA5);
  command(0x3F);
  EXPECT_EQ(read(), 0xA5);
  EXPECT_EQ(kbc.command_byte(), 0x45);
}

TEST_F(I8042Test, A20ThroughOutputPortWrite) {
  command(K::CMD_WRITE_OUTPUT);
  data(0xDD);  // A20 off, reset line high
  EXPECT_EQ(a20_calls, std::vector<bool>{false});
  EXPECT_FALSE(kbc.a20());
  command(K::CMD_READ_OUTPUT);
  EXPECT_EQ(read(), 0xDD & ~K::OUT_IRQ1);  // bit 4 reads the IRQ1 output, low here
  command(K::CMD_WRITE_OUTPUT);
  data(0xDF);
  EXPECT_EQ(a20_calls, (std::vector<bool>{false, true}));
  command(K::CMD_WRITE_OUTPUT);
  data(0xDF);  // no change, no call
  EXPECT_EQ(a20_calls.size(), 2u);
  EXPECT_EQ(reset_calls, 0);
}

TEST_F(I8042Test, A20ThroughDdAndDfCommands) {
  command(K::CMD_A20_OFF);
  command(K::CMD_A20_OFF);
  command(K::CMD_A20_ON);
  EXPECT_EQ(a20_calls, (std::vector<bool>{false, true}));
  EXPECT_EQ(kbc.output_port() & K::OUT_A20, K::OUT_A20);
  EXPECT_EQ(drain(), Bytes{});  // no answers
}

TEST_F(I8042Test, ResetThroughPulseCommandAndOutputPort) {
  command(0xFF);  // pulses nothing
  EXPECT_EQ(reset_calls, 0);
  command(0xFE);
  EXPECT_EQ(reset_calls, 1);
  command(0xF0);  // bit 0 is 0 here too
  EXPECT_EQ(reset_calls, 2);
  command(K::CMD_WRITE_OUTPUT);
  data(0xFC);  // A20 off and reset at once: A20 reported first
  EXPECT_EQ(reset_calls, 3);
  EXPECT_EQ(a20_calls, std::vector<bool>{false});
  EXPECT_EQ(counters.device("i8042.resets"), 3u);
  EXPECT_EQ(kbc.output_port() & K::OUT_RESET, K::OUT_RESET);  // the pulse ended
}

TEST_F(I8042Test, CallbacksAreOptional) {
  kbc.on_a20 = nullptr;
  kbc.on_reset = nullptr;
  command(K::CMD_A20_OFF);
  command(0xFE);
  EXPECT_EQ(counters.device("i8042.resets"), 1u);
}

TEST_F(I8042Test, KeyboardResetAnswersAckThenSelfTestPassedEachWithIrq1) {
  data(Kbd::KBD_CMD_RESET);
  EXPECT_EQ(status() & (K::STATUS_OBF | K::STATUS_A2), K::STATUS_OBF);
  EXPECT_EQ(read(), 0xFA);
  EXPECT_EQ(read(), 0xAA);
  EXPECT_EQ(status() & K::STATUS_OBF, 0);
  using Change = std::pair<unsigned, bool>;
  EXPECT_EQ(irqs.changes, (std::vector<Change>{{1, true}, {1, false}, {1, true}, {1, false}}));
}

TEST_F(I8042Test, KeyRaisesIrq1AndReadsAsSet1WithTranslation) {
  kbc.key(0x1E);  // A pressed
  EXPECT_TRUE(kbc.irq_asserted());
  EXPECT_EQ(status() & K::STATUS_OBF, K::STATUS_OBF);
  EXPECT_EQ(read(), 0x1E);
  EXPECT_FALSE(kbc.irq_asserted());
  kbc.key(0x9E);  // A released: the keyboard sends F0 1C, the controller 9E
  EXPECT_EQ(drain(), Bytes{0x9E});
  kbc.key(0xE0);  // Up pressed and released
  kbc.key(0x48);
  kbc.key(0xE0);
  kbc.key(0xC8);
  EXPECT_EQ(drain(), (Bytes{0xE0, 0x48, 0xE0, 0xC8}));
  kbc.key(0x41);  // F7, whose set-2 code is 83
  kbc.key(0xC1);
  EXPECT_EQ(drain(), (Bytes{0x41, 0xC1}));
  EXPECT_EQ(counters.device("i8042.keys"), 8u);
}

TEST_F(I8042Test, WithoutTranslationTheCpuSeesSet2) {
  set_command_byte(K::CCB_INT | K::CCB_SYS);
  kbc.key(0x1E);
  kbc.key(0x9E);
  kbc.key(0xE0);
  kbc.key(0x48);
  EXPECT_EQ(drain(), (Bytes{0x1C, 0xF0, 0x1C, 0xE0, 0x75}));
}

TEST_F(I8042Test, IdentifyAndScancodeSetAnswersAreTranslatedToo) {
  data(Kbd::KBD_CMD_IDENTIFY);
  EXPECT_EQ(drain(), (Bytes{0xFA, 0xAB, 0x41}));
  data(Kbd::KBD_CMD_SCANCODE_SET);
  data(0x00);
  EXPECT_EQ(drain(), (Bytes{0xFA, 0xFA, 0x41}));
  set_command_byte(K::CCB_INT | K::CCB_SYS);
  data(Kbd::KBD_CMD_IDENTIFY);
  EXPECT_EQ(drain(), (Bytes{0xFA, 0xAB, 0x83}));
  data(Kbd::KBD_CMD_SCANCODE_SET);
  data(0x00);
  EXPECT_EQ(drain(), (Bytes{0xFA, 0xFA, 0x02}));
}

TEST_F(I8042Test, ScancodeSet1IsSentAsTyped) {
  set_command_byte(K::CCB_INT | K::CCB_SYS);
  data(Kbd::KBD_CMD_SCANCODE_SET);
  data(0x01);
  EXPECT_EQ(drain(), (Bytes{0xFA, 0xFA}));
  EXPECT_EQ(kbc.keyboard().scancode_set(), 1);
  kbc.key(0x1E);
  kbc.key(0x9E);
  EXPECT_EQ(drain(), (Bytes{0x1E, 0x9E}));
  data(Kbd::KBD_CMD_SCANCODE_SET);
  data(0x03);  // set 3 is not supported
  EXPECT_EQ(drain(), (Bytes{0xFA, 0xFE}));
  EXPECT_EQ(kbc.keyboard().scancode_set(), 1);
}

TEST_F(I8042Test, LedsEchoResendAndUnknownCommands) {
  data(Kbd::KBD_CMD_SET_LEDS);
  data(0x07);
  EXPECT_EQ(drain(), (Bytes{0xFA, 0xFA}));
  EXPECT_EQ(kbc.keyboard().leds(), 0x07);
  data(Kbd::KBD_CMD_SET_LEDS);
  data(Kbd::KBD_CMD_ENABLE);  // not an LED value: a new command
  EXPECT_EQ(drain(), (Bytes{0xFA, 0xFA}));
  EXPECT_EQ(kbc.keyboard().leds(), 0x07);
  data(Kbd::KBD_CMD_ECHO);
  EXPECT_EQ(drain(), Bytes{0xEE});
  data(Kbd::KBD_CMD_RESEND);
  EXPECT_EQ(drain(), Bytes{0xEE});
  data(0x42);
  EXPECT_EQ(drain(), Bytes{0xFE});
  data(Kbd::KBD_CMD_TYPEMATIC);
  data(0x20);
  EXPECT_EQ(drain(), (Bytes{0xFA, 0xFA}));
  EXPECT_EQ(kbc.keyboard().typematic(), 0x20);
}

TEST_F(I8042Test, DisabledScanningDropsKeys) {
  data(Kbd::KBD_CMD_DISABLE);
  EXPECT_EQ(drain(), Bytes{0xFA});
  kbc.key(0x1E);
  EXPECT_EQ(drain(), Bytes{});
  data(Kbd::KBD_CMD_ENABLE);
  kbc.key(0x1E);
  EXPECT_EQ(drain(), (Bytes{0xFA, 0x1E}));
}

TEST_F(I8042Test, DisabledInterfaceHoldsKeysInTheKeyboard) {
  command(K::CMD_DISABLE_KBD);
  EXPECT_EQ(kbc.command_byte() & K::CCB_DISABLE_KBD, K::CCB_DISABLE_KBD);
  kbc.key(0x1E);
  kbc.key(0x9E);
  EXPECT_EQ(drain(), Bytes{});
  EXPECT_TRUE(irqs.changes.empty());
  command(K::CMD_ENABLE_KBD);
  EXPECT_EQ(drain(), (Bytes{0x1E, 0x9E}));
}

TEST_F(I8042Test, NoIrq1WhenTheCommandByteDisablesIt) {
  set_command_byte(K::CCB_SYS | K::CCB_XLAT);
  kbc.key(0x1E);
  EXPECT_EQ(status() & K::STATUS_OBF, K::STATUS_OBF);
  EXPECT_TRUE(irqs.changes.empty());
  set_command_byte(K::kPostCommandByte);  // enabling INT with OBF set raises IRQ1
  ASSERT_EQ(irqs.changes.size(), 1u);
  EXPECT_TRUE(irqs.changes[0].second);
  EXPECT_EQ(read(), 0x1E);
}

TEST_F(I8042Test, KeyboardBufferOverrunEndsWithTheOverrunCode) {
  command(K::CMD_DISABLE_KBD);
  for (int i = 0; i < 20; ++i) kbc.key(0x1E);
  EXPECT_EQ(kbc.keyboard().buffered(), Kbd::kBufferSize);
  command(K::CMD_ENABLE_KBD);
  Bytes expected(Kbd::kBufferSize - 1, 0x1E);
  expected.push_back(0xFF);  // set-2 overrun 00, translated
  EXPECT_EQ(drain(), expected);
}

TEST_F(I8042Test, WriteKeyboardOutputBufferCommand) {
  command(K::CMD_WRITE_KBD_OB);
  data(0x5A);
  EXPECT_TRUE(kbc.irq_asserted());
  EXPECT_EQ(drain(), Bytes{0x5A});
}

TEST_F(I8042Test, AuxiliaryPortIsAbsent) {
  command(K::CMD_DISABLE_AUX);
  command(K::CMD_READ_RAM);
  EXPECT_EQ(read() & K::CCB_DISABLE_AUX, 0);  // the bit does not follow A7
  set_command_byte(K::kPostCommandByte | K::CCB_DISABLE_AUX);
  command(K::CMD_ENABLE_AUX);
  command(K::CMD_READ_RAM);
  EXPECT_EQ(read() & K::CCB_DISABLE_AUX, K::CCB_DISABLE_AUX);  // nor A8
  command(K::CMD_TEST_AUX);
  EXPECT_EQ(read(), K::kAuxClockStuckHigh);
  command(K::CMD_WRITE_AUX);
  data(0xFF);  // a mouse reset nobody answers, and not a keyboard reset either
  command(K::CMD_WRITE_AUX_OB);
  data(0x5A);
  EXPECT_EQ(drain(), Bytes{});
  EXPECT_EQ(status() & K::STATUS_AUXB, 0);
}

// ---- the wrong order --------------------------------------------------------------

TEST_F(I8042Test, DataWithoutACommandGoesToTheKeyboard) {
  data(0x60);  // looks like "write command byte", but no command is pending
  EXPECT_EQ(drain(), Bytes{0xFE});
  EXPECT_EQ(kbc.command_byte(), K::kPostCommandByte);
}

TEST_F(I8042Test, DataForTheKeyboardReenablesTheInterface) {
  command(K::CMD_DISABLE_KBD);
  data(Kbd::KBD_CMD_ECHO);
  EXPECT_EQ(kbc.command_byte() & K::CCB_DISABLE_KBD, 0);
  EXPECT_EQ(drain(), Bytes{0xEE});
}

TEST_F(I8042Test, AnswerOverwritesAnUnreadByteButKeyboardBytesWait) {
  kbc.key(0x1E);
  kbc.key(0x9E);  // F0 1C still inside the keyboard
  command(K::CMD_READ_RAM);
  EXPECT_EQ(read(), K::kPostCommandByte);  // the 1E in the buffer was overwritten
  EXPECT_EQ(drain(), Bytes{0x9E});
}

TEST_F(I8042Test, NewCommandReplacesOneWaitingForItsParameter) {
  command(K::CMD_WRITE_RAM);
  command(K::CMD_SELF_TEST);
  data(0x00);  // now a keyboard byte, not a command byte
  EXPECT_EQ(kbc.command_byte(), K::kPostCommandByte);
  EXPECT_EQ(drain(), (Bytes{0x55, 0xFE}));
}

TEST_F(I8042Test, ReadingAnEmptyOutputBufferReturnsTheLastByte) {
  kbc.key(0x1E);
  EXPECT_EQ(read(), 0x1E);
  EXPECT_EQ(read(), 0x1E);
  EXPECT_EQ(status() & K::STATUS_OBF, 0);
}

TEST_F(I8042Test, WideAccessesTouchOnlyOurByte) {
  kbc.key(0x1E);
  EXPECT_EQ(bus.port_read(K::kDataPort, 2), 0xFF1Eu);
  bus.port_write(K::kStatusPort, 0x12AA, 2);  // self-test; the high byte is port 0x65's
  EXPECT_EQ(read(), 0x55);
}

TEST_F(I8042Test, EveryCommandWithEveryParameterNeverBreaksTheController) {
  kbc.on_reset = [this] { kbc.reset(); };  // a Machine that resets at once, re-entrantly
  for (unsigned cmd = 0; cmd < 256; ++cmd) {
    for (unsigned value : {0x00u, 0x01u, 0x45u, 0xF0u, 0xFEu, 0xFFu}) {
      command(u8(cmd));
      data(u8(value));
      kbc.key(u8(value));
      drain();
      EXPECT_LE(kbc.keyboard().buffered(), Kbd::kBufferSize);
    }
  }
  kbc.reset();
  kbc.key(0x1E);
  EXPECT_EQ(drain(), Bytes{0x1E});
}

}  // namespace
}  // namespace vmlab
