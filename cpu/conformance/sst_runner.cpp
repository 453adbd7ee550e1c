#include "cpu/conformance/sst_runner.h"

#include "cpu/conformance/sst_386_rules.h"

#include <fmt/format.h>
#include <fnmatch.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "core/bus.h"
#include "core/counters.h"
#include "core/error.h"
#include "core/events.h"
#include "core/physical_memory.h"
#include "core/virtual_clock.h"
#include "cpu/cpu.h"

namespace vmlab {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kRegNames[kSstRegCount] = {"ax", "bx", "cx", "dx", "cs", "ss", "ds",
                                                 "es", "sp", "bp", "si", "di", "ip", "flags"};
constexpr size_t kFlagsSlot = static_cast<size_t>(SstReg::flags);

std::string malformed(const fs::path& path, const std::string& what) {
  return fmt::format("malformed SingleStepTests file '{}': {}; replace it with a fresh copy", path.string(),
                     what);
}

// Whole contents of a gzip file. zlib hands plain (uncompressed) files through unchanged;
// the JSON parser then judges them.
std::string read_gzip(const fs::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw UserError(fmt::format("cannot open '{}': check that it is readable", path.string()));
  std::string text;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  // A truncated file ends without a read error; zlib reports it through gzerror().
  int errnum = Z_OK;
  std::string zlib_message = gzerror(file, &errnum);
  gzclose(file);
  if (n < 0 || errnum != Z_OK)
    throw UserError(malformed(path, fmt::format("not a valid gzip file ({})", zlib_message)));
  return text;
}

// An unsigned JSON number no larger than `max`. nlohmann's get<u8>() would silently
// truncate 300 to 44, hiding a file from another suite (32-bit registers, say).
u32 checked_uint(const json& value, u32 max, const char* what) {
  if (!value.is_number_unsigned() || value.get<u64>() > max)
    throw std::invalid_argument(fmt::format("{} is {}, expected 0..{}", what, value.dump(), max));
  return value.get<u32>();
}

// [[address, byte], ...] as in "initial.ram" and "final.ram".
std::vector<SstRamByte> parse_ram(const json& ram) {
  std::vector<SstRamByte> bytes;
  bytes.reserve(ram.size());
  for (const json& pair : ram) {
    if (!pair.is_array() || pair.size() != 2)
      throw std::invalid_argument("a ram entry is not [address, byte]");
    bytes.push_back({checked_uint(pair[0], 0xFFFFFFFF, "a ram address"),
                     static_cast<u8>(checked_uint(pair[1], 0xFF, "a ram byte"))});
  }
  return bytes;
}

// One test object. Throws json::exception or std::invalid_argument when its shape is wrong;
// the caller turns either into a UserError naming the file.
SstTest parse_test(const json& j) {
  SstTest test;
  test.idx = j.contains("idx") ? checked_uint(j["idx"], 0xFFFFFFFF, "idx") : 0;
  test.name = j.at("name").get<std::string>();
  test.hash = j.value("hash", "");
  for (const json& byte : j.at("bytes"))
    test.bytes.push_back(static_cast<u8>(checked_uint(byte, 0xFF, "a byte")));
  const json& initial_regs = j.at("initial").at("regs");
  const json& final_regs = j.at("final").at("regs");
  for (size_t i = 0; i < kSstRegCount; ++i) {
    test.initial[i] = static_cast<u16>(checked_uint(initial_regs.at(kRegNames[i]), 0xFFFF, kRegNames[i]));
    if (final_regs.contains(kRegNames[i]))
      test.final_regs[i] = static_cast<u16>(checked_uint(final_regs[kRegNames[i]], 0xFFFF, kRegNames[i]));
  }
  test.initial_ram = parse_ram(j.at("initial").at("ram"));
  test.final_ram = parse_ram(j.at("final").at("ram"));
  if (j.contains("exception"))
    test.exception_flags_addr = checked_uint(j["exception"].at("flag_address"), 0xFFFFFFFF, "flag_address");
  return test;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// "0F01" -> {0x0F, 0x01}; empty when `hex` is not whole hex bytes.
std::vector<u8> hex_bytes(const std::string& hex) {
  std::vector<u8> bytes;
  if (hex.empty() || hex.size() % 2 ||
      !std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c); }))
    return bytes;
  for (size_t i = 0; i < hex.size(); i += 2)
    bytes.push_back(static_cast<u8>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

// Legacy prefixes that may precede an opcode in any x86 suite.
bool is_prefix(u8 b) {
  static constexpr u8 kPrefixes[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3};
  return std::find(std::begin(kPrefixes), std::end(kPrefixes), b) != std::end(kPrefixes);
}

// ModRM.reg of a test whose file holds a whole group (8F.json.gz: metadata describes all
// eight members). Skips prefixes, checks the opcode, reads the byte after it.
std::optional<u8> modrm_reg(const std::string& opcode, std::span<const u8> bytes) {
  std::vector<u8> op = hex_bytes(opcode);
  if (op.empty()) return std::nullopt;
  size_t i = 0;
  while (i < bytes.size() && bytes[i] != op[0] && is_prefix(bytes[i])) ++i;
  if (i + op.size() >= bytes.size() || !std::equal(op.begin(), op.end(), bytes.begin() + i))
    return std::nullopt;
  return static_cast<u8>((bytes[i + op.size()] >> 3) & 7);
}

// FLAGS bit names for diff lines; bits 1, 3, 5 and 15 have no SDM name.
std::string flag_names(u32 bits) {
  static constexpr const char* kNames[16] = {"CF", "bit1", "PF", "bit3", "AF",    "bit5",  "ZF", "SF",
                                             "TF", "IF",   "DF", "OF",   "IOPL0", "IOPL1", "NT", "bit15"};
  std::string names;
  for (unsigned bit = 0; bit < 16; ++bit)
    if (bits & (1u << bit)) {
      if (!names.empty()) names += ' ';
      names += kNames[bit];
    }
  return names;
}

}  // namespace

const char* sst_reg_name(SstReg reg) { return kRegNames[static_cast<size_t>(reg)]; }

u16 SstTest::expected_reg(SstReg reg) const {
  size_t i = static_cast<size_t>(reg);
  u16 value = final_regs[i] ? *final_regs[i] : initial[i];
  return reg == SstReg::flags ? static_cast<u16>(value & ~kSstFlagsIgnored) : value;
}

SstFormName parse_sst_file_name(const std::string& file_name) {
  std::string stem = file_name.substr(0, file_name.rfind(".json.gz"));
  SstFormName form{stem, std::nullopt};
  size_t dot = stem.find('.');
  if (dot == std::string::npos) return form;
  std::string rest = stem.substr(dot + 1);
  form.opcode = stem.substr(0, dot);
  if (rest.size() == 1 && rest[0] >= '0' && rest[0] <= '7') form.reg = static_cast<u8>(rest[0] - '0');
  return form;
}

std::vector<SstTest> load_sst_file(const fs::path& path) {
  std::string text = read_gzip(path);
  try {
    json doc = json::parse(text);
    if (!doc.is_array()) throw std::invalid_argument("expected a JSON array of tests");
    std::vector<SstTest> tests;
    tests.reserve(doc.size());
    for (const json& j : doc) tests.push_back(parse_test(j));
    return tests;
  } catch (const json::exception& e) {
    throw UserError(malformed(path, e.what()));
  } catch (const std::invalid_argument& e) {
    throw UserError(malformed(path, e.what()));
  }
}

void SstSuiteInfo::set_mask(const std::string& opcode, std::optional<u8> reg, u16 mask) {
  OpcodeInfo& info = m_opcodes[upper(opcode)];
  (reg ? info.reg_mask.at(*reg) : info.mask) = mask;
}

// metadata.json: {"opcodes": {"80": {"reg": {"1": {"flags-mask": 65519, ...}}}, "08": {...}}}
SstSuiteInfo SstSuiteInfo::load(const fs::path& dir) {
  SstSuiteInfo info;
  fs::path metadata = dir / "metadata.json";
  if (fs::exists(metadata)) {
    try {
      std::ifstream in(metadata);
      json doc = json::parse(in);
      for (const auto& [opcode, entry] : doc.at("opcodes").items()) {
        if (entry.contains("flags-mask")) info.set_mask(opcode, std::nullopt, entry["flags-mask"].get<u16>());
        if (!entry.contains("reg")) continue;
        for (const auto& [reg, member] : entry["reg"].items()) {
          if (reg.size() != 1 || reg[0] < '0' || reg[0] > '7')
            throw std::invalid_argument(fmt::format("reg key '{}'", reg));
          if (member.contains("flags-mask"))
            info.set_mask(opcode, static_cast<u8>(reg[0] - '0'), member["flags-mask"].get<u16>());
        }
      }
    } catch (const std::exception& e) {
      throw UserError(malformed(metadata, e.what()));
    }
  }
  std::ifstream revocations(dir / "revocation_list.txt");
  for (std::string line; std::getline(revocations, line);) {
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (!line.empty() && line[0] != '#') info.revoke(line);
  }
  return info;
}

u16 SstSuiteInfo::flags_mask(const SstFormName& form, std::span<const u8> bytes) const {
  auto it = m_opcodes.find(upper(form.opcode));
  if (it == m_opcodes.end()) return 0xFFFF;
  const OpcodeInfo& op = it->second;
  std::optional<u8> reg = form.reg ? form.reg : modrm_reg(form.opcode, bytes);
  if (reg) return op.reg_mask[*reg].value_or(op.mask.value_or(0xFFFF));
  // Member unknown: compare only the bits that every member defines.
  u16 mask = op.mask.value_or(0xFFFF);
  for (const std::optional<u16>& m : op.reg_mask) mask &= m.value_or(0xFFFF);
  return mask;
}

std::vector<std::string> compare_sst(const SstTest& test, const SstState& got) {
  std::vector<std::string> diffs;
  if (!got.error.empty()) diffs.push_back(got.error);
  for (size_t i = 0; i < kSstRegCount; ++i) {
    if (i == kFlagsSlot) continue;
    u16 expected = test.expected_reg(static_cast<SstReg>(i));
    if (got.regs[i] != expected)
      diffs.push_back(fmt::format("{}: expected {:04X} got {:04X}", kRegNames[i], expected, got.regs[i]));
  }
  u16 mask = test.flags_mask & ~kSstFlagsIgnored;
  u16 expected_flags = test.expected_reg(SstReg::flags);
  u32 flag_diff = (expected_flags ^ got.regs[kFlagsSlot]) & mask;
  if (flag_diff)
    diffs.push_back(fmt::format("flags: expected 0x{:04X} got 0x{:04X} ({})", expected_flags,
                                got.regs[kFlagsSlot] & 0xFFFF, flag_names(flag_diff)));
  if (got.ram.size() != test.final_ram.size()) {
    if (got.error.empty())
      diffs.push_back(fmt::format("executor read {} RAM bytes, the test lists {}", got.ram.size(),
                                  test.final_ram.size()));
    return diffs;
  }
  for (size_t i = 0; i < test.final_ram.size(); ++i) {
    const SstRamByte& want = test.final_ram[i];
    // The FLAGS image an exception pushed is compared through the same mask as FLAGS.
    u8 byte_mask = 0xFF;
    if (test.exception_flags_addr && want.addr - *test.exception_flags_addr < 2)
      byte_mask = static_cast<u8>(mask >> (8 * (want.addr - *test.exception_flags_addr)));
    if ((want.value ^ got.ram[i]) & byte_mask)
      diffs.push_back(fmt::format("ram[0x{:X}]: expected {:02X} got {:02X}{}", want.addr, want.value,
                                  got.ram[i], byte_mask == 0xFF ? "" : " (pushed FLAGS)"));
  }
  return diffs;
}

namespace {

struct FileTally {
  u64 run = 0, failed = 0, revoked = 0;
  u64 by_rule = 0;  // judged by a 386 rule instead of the 286 result (see sst_386_rules.h)
};

// Every *.json.gz in `dir`, sorted by name.
std::vector<fs::path> list_test_files(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.size() > 8 && name.ends_with(".json.gz") && entry.is_regular_file(ec))
        files.push_back(entry.path());
    }
  }
  if (files.empty())
    throw UserError(fmt::format(
        "no SingleStepTests files (*.json.gz) in '{}': give the folder holding XX.json.gz files", dir));
  std::sort(files.begin(), files.end());
  return files;
}

// One failing test, as lines for the report.
void describe_failure(std::ostream& out, const SstTest& test, const std::vector<std::string>& diffs) {
  std::string bytes;
  for (u8 b : test.bytes) bytes += fmt::format("{}{:02X}", bytes.empty() ? "" : " ", b);
  out << fmt::format("  #{} {}  bytes {}  hash {}\n", test.idx, test.name, bytes, test.hash);
  for (const std::string& diff : diffs) out << "    " << diff << '\n';
}

std::vector<std::string> execute_and_compare(SstExecutor& executor, const SstTest& test) {
  try {
    return compare_sst(test, executor.execute(test));
  } catch (const std::exception& e) {
    // One emulator bug must not hide the results of every later test.
    return {fmt::format("executor failed: {}", e.what())};
  }
}

// Run one file; print its FAIL block (or, verbose, its ok line).
FileTally run_file(const fs::path& path, const std::string& display, const SstSuiteInfo& info,
                   SstExecutor& executor, std::ostream& out, const SstOptions& options) {
  std::vector<SstTest> tests = load_sst_file(path);
  SstFormName form = parse_sst_file_name(path.filename().string());
  FileTally tally;
  std::string details;
  for (SstTest& test : tests) {
    if (info.revoked(test.hash)) {
      ++tally.revoked;
      continue;
    }
    test.flags_mask = info.flags_mask(form, test.bytes);
    ++tally.run;
    std::vector<std::string> diffs;
    std::optional<Sst386Rule> rule = options.apply_386_rules ? sst_386_rule(test.bytes) : std::nullopt;
    if (rule) {
      ++tally.by_rule;
      try {
        diffs = check_386_rule(*rule, test, executor.execute(test));
      } catch (const std::exception& e) {
        diffs = {fmt::format("executor failed: {}", e.what())};
      }
    } else {
      diffs = execute_and_compare(executor, test);
    }
    if (diffs.empty()) continue;
    ++tally.failed;
    if (options.verbose || tally.failed <= options.max_failures_shown) {
      std::ostringstream text;
      describe_failure(text, test, diffs);
      details += text.str();
    }
  }
  if (tally.failed)
    out << fmt::format("FAIL {}: {}/{} failed\n", display, tally.failed, tally.run) << details;
  else if (options.verbose)
    out << fmt::format("ok   {}: {} passed\n", display, tally.run);
  return tally;
}

}  // namespace

int run_sst(const std::vector<std::string>& dirs, SstExecutor& executor, std::ostream& out,
            const SstOptions& options) {
  if (options.min_pass_rate && !(*options.min_pass_rate >= 0 && *options.min_pass_rate <= 100))
    throw UserError(fmt::format("--min-pass-rate {} is not a percentage: give a value from 0 to 100",
                                *options.min_pass_rate));
  FileTally total;
  u64 files_run = 0;
  for (const std::string& dir : dirs) {
    std::vector<fs::path> files = list_test_files(dir);
    SstSuiteInfo info = SstSuiteInfo::load(dir);
    for (const fs::path& path : files) {
      std::string name = path.filename().string();
      if (!options.filter.empty() && fnmatch(options.filter.c_str(), name.c_str(), 0) != 0) continue;
      FileTally tally = run_file(path, dirs.size() > 1 ? path.string() : name, info, executor, out, options);
      total.run += tally.run;
      total.failed += tally.failed;
      total.revoked += tally.revoked;
      total.by_rule += tally.by_rule;
      ++files_run;
    }
  }
  if (files_run == 0)
    throw UserError(
        fmt::format("no test file matches --filter '{}': file names look like 80.3.json.gz", options.filter));
  if (total.revoked) out << fmt::format("skipped {} revoked tests\n", total.revoked);
  if (total.by_rule)
    out << fmt::format("judged {} tests by the 386 LOCK rule (#UD) instead of the 286 result; see docs/CONFORMANCE.md\n",
                       total.by_rule);
  double rate = total.run
                    ? 100.0 * static_cast<double>(total.run - total.failed) / static_cast<double>(total.run)
                    : 100.0;
  if (options.min_pass_rate)
    out << fmt::format("pass rate {:.2f}% (required {}%)\n", rate, *options.min_pass_rate);
  out << fmt::format("{} passed, {} failed\n", total.run - total.failed, total.failed);
  bool success = options.min_pass_rate ? rate >= *options.min_pass_rate : total.failed == 0;
  return success ? 0 : 1;
}


int run_sst_command(const std::vector<std::string>& dirs, const SstOptions& options, std::ostream& out) {
  std::unique_ptr<SstExecutor> executor = make_vmlab_sst_executor();
  return run_sst(dirs, *executor, out, options);
}

}  // namespace vmlab
