// The SingleStepTests runner: reading, flag masks, revocation, reports and errors are
// checked with scripted executors (independent of the CPU); the last group runs tiny
// programs through vmlab's own executor to check how it loads, runs and cleans up.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/error.h"
#include "cpu/conformance/sst_runner.h"

namespace vmlab {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kSuiteDir = fs::path(VMLAB_SOURCE_DIR) / ".." / "shared" / "conformance" / "sst-80286";

#define SKIP_WITHOUT_SUITE() \
  if (!fs::exists(kSuiteDir / "metadata.json")) GTEST_SKIP() << "no suite at " << kSuiteDir

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "vmlab_sst_XXXXXX").string();
    m_path = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(m_path); }
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

void write_gzip(const fs::path& path, const std::string& text) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(file);
}

void write_text(const fs::path& path, const std::string& text) {
  FILE* file = fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  fwrite(text.data(), 1, text.size(), file);
  fclose(file);
}

// One suite-format test of "inc ax": ax goes from `ax` to ax + 1, one RAM byte is written.
json inc_ax_test(u32 idx, u16 ax) {
  json regs = {{"ax", ax},    {"bx", 0}, {"cx", 0},    {"dx", 0},        {"cs", 0x100},
               {"ss", 0x200}, {"ds", 0}, {"es", 0},    {"sp", 0x100},    {"bp", 0},
               {"si", 0},     {"di", 0}, {"ip", 0x10}, {"flags", 0xF002}};
  return {{"idx", idx},
          {"name", "inc ax"},
          {"bytes", {0x40, 0xF4}},
          {"initial", {{"regs", regs}, {"ram", {{0x1010, 0x40}, {0x1011, 0xF4}}}, {"queue", json::array()}}},
          {"final", {{"regs", {{"ax", ax + 1}, {"ip", 0x12}, {"flags", 0x0002}}}, {"ram", {{0x5000, 0x77}}}}},
          {"hash", "h" + std::to_string(idx)}};
}

// Answers every test with exactly what it expects, then lets the test spoil the answer.
class ScriptedExecutor : public SstExecutor {
 public:
  using Tamper = std::function<void(const SstTest&, SstState&)>;
  explicit ScriptedExecutor(Tamper tamper = {}) : m_tamper(std::move(tamper)) {}

  SstState execute(const SstTest& test) override {
    SstState state;
    for (size_t i = 0; i < kSstRegCount; ++i) state.regs[i] = test.expected_reg(static_cast<SstReg>(i));
    for (const SstRamByte& b : test.final_ram) state.ram.push_back(b.value);
    if (m_tamper) m_tamper(test, state);
    hashes_seen.push_back(test.hash);
    return state;
  }
  std::vector<std::string> hashes_seen;

 private:
  Tamper m_tamper;
};

constexpr size_t kAx = static_cast<size_t>(SstReg::ax);
constexpr size_t kFlags = static_cast<size_t>(SstReg::flags);

// These tests check the runner's bookkeeping with fake executors that never raise
// exceptions, so the 386 LOCK rule (tested in test_sst_386_rules.cpp) is off.
SstOptions filter_only(const std::string& glob) {
  SstOptions options;
  options.apply_386_rules = false;
  options.filter = glob;
  return options;
}

std::string last_line(const std::string& text) {
  std::string trimmed = text.substr(0, text.find_last_not_of('\n') + 1);
  return trimmed.substr(trimmed.rfind('\n') + 1);
}

// --- Reading ---

TEST(SstRunner, ParsesFileNamesOfPlainGroupAndTwoByteForms) {
  SstFormName plain = parse_sst_file_name("0A.json.gz");
  EXPECT_EQ(plain.opcode, "0A");
  EXPECT_FALSE(plain.reg);
  SstFormName group = parse_sst_file_name("F6.6.json.gz");
  EXPECT_EQ(group.opcode, "F6");
  EXPECT_EQ(group.reg, 6);
  SstFormName two_byte = parse_sst_file_name("0F01.2.json.gz");
  EXPECT_EQ(two_byte.opcode, "0F01");
  EXPECT_EQ(two_byte.reg, 2);
}

TEST(SstRunner, ReadsARealGroupFileWithAnException) {
  SKIP_WITHOUT_SUITE();
  std::vector<SstTest> tests = load_sst_file(kSuiteDir / "F6.6.json.gz");
  ASSERT_EQ(tests.size(), 100u);
  const SstTest& t = tests[0];
  EXPECT_EQ(t.name, "div byte [si+3D3Bh]");
  EXPECT_EQ(t.bytes, (std::vector<u8>{0xF6, 0xB4, 0x3B, 0x3D, 0xF4}));
  EXPECT_EQ(t.initial_reg(SstReg::ax), 15630);
  EXPECT_EQ(t.expected_reg(SstReg::cs), 59306);  // listed in final
  EXPECT_EQ(t.expected_reg(SstReg::ax), 15630);  // unchanged: the initial value
  EXPECT_EQ(t.initial_reg(SstReg::flags), 25623);
  EXPECT_EQ(t.expected_reg(SstReg::flags), 1170);
  EXPECT_EQ(t.hash, "0b796f0cf88c29174f23f6515809f5eb5683e57c");
  ASSERT_EQ(t.exception_flags_addr, 807720u);
  ASSERT_EQ(t.final_ram.size(), 6u);
  EXPECT_EQ(t.final_ram[0].addr, 807720u);
  EXPECT_EQ(t.final_ram[0].value, 146);
}

TEST(SstRunner, ExpectedFlagsDropIoplAndNt) {
  SstTest t;
  t.initial[kFlags] = 0xF0D7;
  EXPECT_EQ(t.expected_reg(SstReg::flags), 0x00D7);
}

TEST(SstRunner, AppliesMetadataMasksPerOpcodeAndGroupMember) {
  SKIP_WITHOUT_SUITE();
  SstSuiteInfo info = SstSuiteInfo::load(kSuiteDir);
  EXPECT_EQ(info.flags_mask({"08", std::nullopt}, std::vector<u8>{0x08, 0xC0, 0xF4}), 65519);
  EXPECT_EQ(info.flags_mask({"00", std::nullopt}, std::vector<u8>{0x00, 0xC0, 0xF4}), 0xFFFF);
  EXPECT_EQ(info.flags_mask({"F6", 6}, std::vector<u8>{0xF6, 0xF0, 0xF4}), 63274);
  EXPECT_EQ(info.flags_mask({"D2", 4}, std::vector<u8>{0xD2, 0xE0, 0xF4}), 63470);
  EXPECT_EQ(info.flags_mask({"F6", 2}, std::vector<u8>{0xF6, 0xD0, 0xF4}), 0xFFFF);
  EXPECT_EQ(info.flags_mask({"0F01", 0}, std::vector<u8>{0x0F, 0x01, 0x00, 0xF4}), 0xFFFF);
}

TEST(SstRunner, GroupFileWithoutRegInNameTakesTheMemberFromModrm) {
  SstSuiteInfo info;
  info.set_mask("C0", 4, 0xFFEF);
  info.set_mask("C0", 7, 0xF7FF);
  // ES prefix, C0 /4 (ModRM E0 = 11 100 000), imm8, HLT
  EXPECT_EQ(info.flags_mask({"C0", std::nullopt}, std::vector<u8>{0x26, 0xC0, 0xE0, 0x01, 0xF4}), 0xFFEF);
  EXPECT_EQ(info.flags_mask({"C0", std::nullopt}, std::vector<u8>{0xC0, 0xC0, 0x01, 0xF4}), 0xFFFF);
  // Bytes that do not start with the opcode: only bits every member defines are compared.
  EXPECT_EQ(info.flags_mask({"C0", std::nullopt}, std::vector<u8>{0x90}), 0xF7EF);
}

// --- Judging ---

TEST(SstRunner, DiffNamesRegistersFlagBitsAndRamBytes) {
  SstTest t;
  t.initial[kAx] = 0x1234;
  t.initial[kFlags] = 0x0046;
  t.final_ram = {{0x1234, 0x12}};
  SstState got;
  for (size_t i = 0; i < kSstRegCount; ++i) got.regs[i] = t.expected_reg(static_cast<SstReg>(i));
  got.regs[kAx] = 0x1235;
  got.regs[static_cast<size_t>(SstReg::cx)] = 0x10000;  // upper half written: a real bug
  got.regs[kFlags] = 0x0006;
  got.ram = {0x00};
  std::vector<std::string> diffs = compare_sst(t, got);
  ASSERT_EQ(diffs.size(), 4u);
  EXPECT_EQ(diffs[0], "ax: expected 1234 got 1235");
  EXPECT_EQ(diffs[1], "cx: expected 0000 got 10000");
  EXPECT_EQ(diffs[2], "flags: expected 0x0046 got 0x0006 (ZF)");
  EXPECT_EQ(diffs[3], "ram[0x1234]: expected 12 got 00");
}

TEST(SstRunner, DiffIgnoresMaskedFlagsAndIoplButNotOthers) {
  SstTest t;
  t.initial[kFlags] = 0x0002;
  t.flags_mask = 0xFFEF;  // AF undefined
  SstState got;
  got.regs[kFlags] = 0x3012;  // AF and IOPL differ: both ignored
  EXPECT_TRUE(compare_sst(t, got).empty());
  got.regs[kFlags] = 0x0813;
  ASSERT_EQ(compare_sst(t, got).size(), 1u);
  EXPECT_EQ(compare_sst(t, got)[0], "flags: expected 0x0002 got 0x0813 (CF OF)");
}

TEST(SstRunner, RunErrorComesFirst) {
  SstTest t;
  SstState got;
  got.error = "did not reach HLT within 8 steps";
  std::vector<std::string> diffs = compare_sst(t, got);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0], got.error);
}

// F6.6 is DIV: the metadata leaves OF SF ZF AF PF CF undefined, also in the FLAGS image
// the divide-error exception pushes.
TEST(SstRunner, UndefinedFlagsMaySpoilRegisterAndPushedImage) {
  SKIP_WITHOUT_SUITE();
  ScriptedExecutor flips_zf([](const SstTest& t, SstState& s) {
    s.regs[kFlags] ^= 0x0040;
    for (size_t i = 0; i < t.final_ram.size(); ++i)
      if (t.exception_flags_addr && t.final_ram[i].addr == *t.exception_flags_addr) s.ram[i] ^= 0x40;
  });
  std::ostringstream out;
  EXPECT_EQ(run_sst({kSuiteDir.string()}, flips_zf, out, filter_only("F6.6.json.gz")), 0);
  EXPECT_EQ(out.str(), "100 passed, 0 failed\n");
}

TEST(SstRunner, DefinedFlagInPushedImageIsCompared) {
  SKIP_WITHOUT_SUITE();
  ScriptedExecutor flips_df_on_stack([](const SstTest& t, SstState& s) {
    for (size_t i = 0; i < t.final_ram.size(); ++i)
      if (t.exception_flags_addr && t.final_ram[i].addr == *t.exception_flags_addr + 1) s.ram[i] ^= 0x04;
  });
  std::ostringstream out;
  EXPECT_EQ(run_sst({kSuiteDir.string()}, flips_df_on_stack, out, filter_only("F6.6.json.gz")), 1);
  EXPECT_NE(out.str().find("FAIL F6.6.json.gz: 52/100 failed\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("(pushed FLAGS)"), std::string::npos);
  EXPECT_EQ(last_line(out.str()), "48 passed, 52 failed");
}

// --- Running folders ---

TEST(SstRunner, FolderWithoutMetadataComparesEveryFlag) {
  SKIP_WITHOUT_SUITE();
  TempDir dir;
  fs::copy_file(kSuiteDir / "F6.6.json.gz", dir.path() / "F6.6.json.gz");
  ScriptedExecutor flips_zf([](const SstTest&, SstState& s) { s.regs[kFlags] ^= 0x0040; });
  std::ostringstream out;
  EXPECT_EQ(run_sst({dir.path().string()}, flips_zf, out, filter_only("")), 1);
  EXPECT_EQ(last_line(out.str()), "0 passed, 100 failed");
}

TEST(SstRunner, RevokedTestsAreNeitherRunNorCounted) {
  SKIP_WITHOUT_SUITE();
  TempDir dir;
  fs::copy_file(kSuiteDir / "00.json.gz", dir.path() / "00.json.gz");
  std::vector<SstTest> tests = load_sst_file(dir.path() / "00.json.gz");
  write_text(dir.path() / "revocation_list.txt",
             "# known bad\n\n" + tests[1].hash + "\n  " + tests[7].hash + "  \r\n");
  ScriptedExecutor wrong_ax([](const SstTest&, SstState& s) { s.regs[kAx] ^= 1; });
  std::ostringstream out;
  EXPECT_EQ(run_sst({dir.path().string()}, wrong_ax, out, filter_only("")), 1);
  EXPECT_EQ(wrong_ax.hashes_seen.size(), 98u);
  for (const std::string& h : wrong_ax.hashes_seen) {
    EXPECT_NE(h, tests[1].hash);
    EXPECT_NE(h, tests[7].hash);
  }
  std::string text = out.str();
  EXPECT_EQ(text.rfind("FAIL 00.json.gz: 98/98 failed\n", 0), 0u) << text;
  EXPECT_NE(text.find("\nskipped 2 revoked tests\n0 passed, 98 failed\n"), std::string::npos) << text;
}

class SyntheticSuite : public ::testing::Test {
 protected:
  void SetUp() override {
    json tests = json::array({inc_ax_test(0, 1), inc_ax_test(1, 2), inc_ax_test(2, 3)});
    write_gzip(m_dir.path() / "40.json.gz", tests.dump());
    write_gzip(m_dir.path() / "41.json.gz", json::array({inc_ax_test(0, 9)}).dump());
  }
  std::string dir() const { return m_dir.path().string(); }
  // Fails the tests of 40.json.gz whose initial ax is 2 or 3.
  ScriptedExecutor m_fails_two{[](const SstTest& t, SstState& s) {
    if (t.initial_reg(SstReg::ax) == 2 || t.initial_reg(SstReg::ax) == 3) s.regs[kAx] = 0xBEEF;
  }};
  TempDir m_dir;
};

TEST_F(SyntheticSuite, ReportShowsFirstFailureAndSummary) {
  std::ostringstream out;
  EXPECT_EQ(run_sst({dir()}, m_fails_two, out, {}), 1);
  EXPECT_EQ(out.str(),
            "FAIL 40.json.gz: 2/3 failed\n"
            "  #1 inc ax  bytes 40 F4  hash h1\n"
            "    ax: expected 0003 got BEEF\n"
            "2 passed, 2 failed\n");
}

TEST_F(SyntheticSuite, VerboseListsEveryFailureAndPassingFiles) {
  SstOptions verbose;
  verbose.apply_386_rules = false;
  verbose.verbose = true;
  std::ostringstream out;
  run_sst({dir()}, m_fails_two, out, verbose);
  EXPECT_NE(out.str().find("  #2 inc ax  bytes 40 F4  hash h2\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("ok   41.json.gz: 1 passed\n"), std::string::npos) << out.str();
}

TEST_F(SyntheticSuite, MaxFailuresShownLimitsDetails) {
  SstOptions options;
  options.max_failures_shown = 0;
  std::ostringstream none;
  run_sst({dir()}, m_fails_two, none, options);
  EXPECT_EQ(none.str(), "FAIL 40.json.gz: 2/3 failed\n2 passed, 2 failed\n");
  std::ostringstream both;
  options.max_failures_shown = 5;
  run_sst({dir()}, m_fails_two, both, options);
  EXPECT_NE(both.str().find("hash h2"), std::string::npos);
}

TEST_F(SyntheticSuite, FilterSelectsFilesByGlob) {
  std::ostringstream out;
  EXPECT_EQ(run_sst({dir()}, m_fails_two, out, filter_only("41.*")), 0);
  EXPECT_EQ(out.str(), "1 passed, 0 failed\n");
  EXPECT_THROW(run_sst({dir()}, m_fails_two, out, filter_only("7?.json.gz")), UserError);
}

TEST_F(SyntheticSuite, MinPassRateDecidesTheStatus) {
  SstOptions options;
  options.min_pass_rate = 50.0;
  std::ostringstream out;
  EXPECT_EQ(run_sst({dir()}, m_fails_two, out, options), 0);
  EXPECT_NE(out.str().find("pass rate 50.00% (required 50%)\n"), std::string::npos) << out.str();
  EXPECT_EQ(last_line(out.str()), "2 passed, 2 failed");
  std::ostringstream strict;
  options.min_pass_rate = 50.5;
  EXPECT_EQ(run_sst({dir()}, m_fails_two, strict, options), 1);
  options.min_pass_rate = 101.0;
  EXPECT_THROW(run_sst({dir()}, m_fails_two, strict, options), UserError);
}

TEST_F(SyntheticSuite, ExecutorExceptionFailsOnlyThatTest) {
  ScriptedExecutor throws_once([](const SstTest& t, SstState&) {
    if (t.initial_reg(SstReg::ax) == 9) throw std::logic_error("opcode 40 not implemented");
  });
  std::ostringstream out;
  EXPECT_EQ(run_sst({dir()}, throws_once, out, {}), 1);
  EXPECT_NE(out.str().find("    executor failed: opcode 40 not implemented\n"), std::string::npos)
      << out.str();
  EXPECT_EQ(last_line(out.str()), "3 passed, 1 failed");
}

// --- Errors a user can cause ---

std::string user_error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no UserError)";
}

TEST(SstRunnerErrors, MissingOrEmptyFolder) {
  ScriptedExecutor executor;
  std::ostringstream out;
  std::string missing = user_error_of([&] { run_sst({"/nonexistent/sst"}, executor, out, {}); });
  EXPECT_EQ(missing.rfind("no SingleStepTests files (*.json.gz) in '/nonexistent/sst'", 0), 0u) << missing;
  TempDir empty;
  std::string none = user_error_of([&] { run_sst({empty.path().string()}, executor, out, {}); });
  EXPECT_NE(none.find("no SingleStepTests files"), std::string::npos) << none;
}

TEST(SstRunnerErrors, CorruptGzipNamesTheFile) {
  TempDir dir;
  write_text(dir.path() / "90.json.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage!", 18));
  ScriptedExecutor executor;
  std::ostringstream out;
  std::string message = user_error_of([&] { run_sst({dir.path().string()}, executor, out, {}); });
  EXPECT_NE(message.find("malformed SingleStepTests file"), std::string::npos) << message;
  EXPECT_NE(message.find("90.json.gz"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(SstRunnerErrors, TruncatedGzipIsMalformed) {
  TempDir dir;
  json tests = json::array();
  for (u32 i = 0; i < 50; ++i) tests.push_back(inc_ax_test(i, static_cast<u16>(i * 977)));
  write_gzip(dir.path() / "full.gz", tests.dump());
  std::string bytes(fs::file_size(dir.path() / "full.gz"), '\0');
  FILE* file = fopen((dir.path() / "full.gz").c_str(), "rb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(fread(bytes.data(), 1, bytes.size(), file), bytes.size());
  fclose(file);
  write_text(dir.path() / "40.json.gz", bytes.substr(0, bytes.size() / 2));
  std::string message = user_error_of([&] { load_sst_file(dir.path() / "40.json.gz"); });
  EXPECT_NE(message.find("40.json.gz"), std::string::npos) << message;
  EXPECT_NE(message.find("not a valid gzip file"), std::string::npos) << message;
}

TEST(SstRunnerErrors, WrongShapeNamesTheFile) {
  TempDir dir;
  json test = inc_ax_test(0, 1);
  test["initial"]["regs"].erase("bp");
  write_gzip(dir.path() / "40.json.gz", json::array({test}).dump());
  std::string missing_reg = user_error_of([&] { load_sst_file(dir.path() / "40.json.gz"); });
  EXPECT_NE(missing_reg.find("40.json.gz"), std::string::npos) << missing_reg;
  test = inc_ax_test(0, 1);
  test["initial"]["regs"]["ax"] = 0x12345;  // a 32-bit register: another suite
  write_gzip(dir.path() / "41.json.gz", json::array({test}).dump());
  std::string too_wide = user_error_of([&] { load_sst_file(dir.path() / "41.json.gz"); });
  EXPECT_NE(too_wide.find("ax is 74565"), std::string::npos) << too_wide;
}

TEST(SstRunnerErrors, MalformedMetadataNamesIt) {
  TempDir dir;
  write_gzip(dir.path() / "40.json.gz", json::array({inc_ax_test(0, 1)}).dump());
  write_text(dir.path() / "metadata.json", "{\"opcodes\": [1, 2");
  ScriptedExecutor executor;
  std::ostringstream out;
  std::string message = user_error_of([&] { run_sst({dir.path().string()}, executor, out, {}); });
  EXPECT_NE(message.find("metadata.json"), std::string::npos) << message;
}

// --- vmlab's executor (needs the CPU: HLT, STOSB, JMP rel8 in real mode) ---

SstTest stosb_test(u16 es, u16 di, u8 al, u16 cs, u16 ip) {
  u32 code = (u32{cs} << 4) + ip;
  SstTest t;
  t.name = "stosb";
  t.bytes = {0xAA, 0xF4};
  t.initial[kAx] = 0xFF00 | al;
  t.initial[static_cast<size_t>(SstReg::cs)] = cs;
  t.initial[static_cast<size_t>(SstReg::ip)] = ip;
  t.initial[static_cast<size_t>(SstReg::es)] = es;
  t.initial[static_cast<size_t>(SstReg::di)] = di;
  t.initial[kFlags] = 0xF002;  // IOPL and NT noise: must not reach the CPU
  t.initial_ram = {{code, 0xAA}, {code + 1, 0xF4}};
  t.final_regs[static_cast<size_t>(SstReg::di)] = static_cast<u16>(di + 1);
  t.final_regs[static_cast<size_t>(SstReg::ip)] = static_cast<u16>(ip + 2);
  t.final_ram = {{(u32{es} << 4) + di, al}};
  return t;
}

TEST(SstVmlabExecutor, RunsToHltAndReportsState) {
  std::unique_ptr<SstExecutor> executor = make_vmlab_sst_executor();
  SstTest t = stosb_test(0x1000, 0x0020, 0x5A, 0x2000, 0x0000);
  SstState s = executor->execute(t);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.regs[static_cast<size_t>(SstReg::di)], 0x21u);
  EXPECT_EQ(s.regs[static_cast<size_t>(SstReg::ip)], 2u);
  EXPECT_EQ(s.regs[static_cast<size_t>(SstReg::cs)], 0x2000u);
  EXPECT_EQ(s.regs[kFlags] & 0xF0FF, 0x0002u);
  EXPECT_EQ(s.ram, std::vector<u8>{0x5A});
  EXPECT_TRUE(compare_sst(t, s).empty());
}

TEST(SstVmlabExecutor, AddressesAboveOneMibAreNotWrapped) {
  std::unique_ptr<SstExecutor> executor = make_vmlab_sst_executor();
  // ES:DI = FFFF:0020 is 0x100010 and the code at FFFF:0030 is 0x100020; with A20
  // masked they would land on 0x10 and 0x20.
  SstTest t = stosb_test(0xFFFF, 0x0020, 0x33, 0xFFFF, 0x0030);
  t.final_ram.push_back({0x10, 0x00});
  SstState s = executor->execute(t);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.ram, (std::vector<u8>{0x33, 0x00}));
}

TEST(SstVmlabExecutor, NothingOfOneTestLeaksIntoTheNext) {
  std::unique_ptr<SstExecutor> executor = make_vmlab_sst_executor();
  executor->execute(stosb_test(0x1000, 0x0020, 0x5A, 0x2000, 0x0000));
  // The next test looks at the byte the first one stored and at its code bytes.
  SstTest second = stosb_test(0x3000, 0x0000, 0x11, 0x4000, 0x0000);
  second.final_ram.push_back({0x10020, 0x00});
  second.final_ram.push_back({0x20000, 0x00});
  SstState s = executor->execute(second);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.ram, (std::vector<u8>{0x11, 0x00, 0x00}));
}

TEST(SstVmlabExecutor, EndlessLoopIsReportedNotHung) {
  std::unique_ptr<SstExecutor> executor = make_vmlab_sst_executor();
  SstTest t;
  t.name = "jmp $";
  t.bytes = {0xEB, 0xFE};
  t.initial[static_cast<size_t>(SstReg::cs)] = 0x0500;
  t.initial_ram = {{0x5000, 0xEB}, {0x5001, 0xFE}};
  SstState s = executor->execute(t);
  EXPECT_EQ(s.error.rfind("did not reach HLT", 0), 0u) << s.error;
}

}  // namespace
}  // namespace vmlab
