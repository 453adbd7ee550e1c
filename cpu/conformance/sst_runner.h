// SingleStepTests: one instruction at a time, judged against real hardware.
//
// A suite folder holds one gzipped JSON file per instruction form: XX.json.gz, or
// XX.R.json.gz for a group opcode whose ModRM.reg field is R (0F-prefixed forms are
// named 0FXX...). Beside them, metadata.json gives per opcode (and per group member) the
// flags the hardware leaves undefined, and revocation_list.txt the hashes of tests known
// to be wrong. Each test is the register file and the RAM bytes before one instruction
// (followed by HLT) and the registers and bytes that changed once that HLT has executed.
//
// The runner keeps three jobs apart so each can be tested without the others:
//
//   reading    load_sst_file(), SstSuiteInfo    file  -> SstTest (+ flags mask)
//   executing  SstExecutor                      test  -> SstState   (the only CPU user)
//   judging    compare_sst()                    test, state -> list of differences
//
// run_sst() walks folders with any executor; run_sst_command() is what
// `vmlab conformance sst DIR...` calls, with vmlab's own CPU behind the executor.
#pragma once
#include <array>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/types.h"

namespace vmlab {

// The registers of a test, in the order the suite lists them.
enum class SstReg : u8 { ax, bx, cx, dx, cs, ss, ds, es, sp, bp, si, di, ip, flags };
constexpr size_t kSstRegCount = 14;
// The suite's name for a register ("ax", "flags").
const char* sst_reg_name(SstReg reg);

// Real mode cannot hold IOPL and NT (FLAGS bits 12-15): the suite's initial values carry
// noise there, so they are cleared before loading and never compared.
constexpr u16 kSstFlagsIgnored = 0xF000;

struct SstRamByte {
  u32 addr;  // physical address (segment * 16 + offset, not wrapped at 1 MiB)
  u8 value;
};

struct SstTest {
  u32 idx = 0;
  std::string name;       // the suite's disassembly, e.g. "add [bx+0Eh],bl"
  std::string hash;       // identifies the test in revocation_list.txt
  std::vector<u8> bytes;  // the instruction, then the HLT
  std::array<u16, kSstRegCount> initial{};
  std::vector<SstRamByte> initial_ram;
  std::array<std::optional<u16>, kSstRegCount> final_regs;  // only those that changed
  std::vector<SstRamByte> final_ram;
  // When the instruction raised an exception, the address of the FLAGS image the CPU
  // pushed: its undefined bits are as unpredictable as the FLAGS register's.
  std::optional<u32> exception_flags_addr;
  u16 flags_mask = 0xFFFF;  // FLAGS bits to compare (from metadata.json)

  u16 initial_reg(SstReg reg) const { return initial[static_cast<size_t>(reg)]; }
  // The value `reg` must hold after the test: the final value if listed, else the
  // initial one (with the ignored FLAGS bits cleared).
  u16 expected_reg(SstReg reg) const;
};

// An exception the CPU delivered during a test: its vector and the IP it reported.
struct SstException {
  u8 vector;
  u32 ip;
  bool operator==(const SstException&) const = default;
};

// What an executor saw once the test's HLT had executed.
struct SstState {
  std::vector<SstException> exceptions;  // in delivery order (for the 386 rules)
  std::array<u32, kSstRegCount> regs{};  // full width: upper halves must stay zero
  std::vector<u8> ram;                   // the byte at each final_ram address, same order
  std::string error;                     // set when the run itself failed (no HLT, shutdown)
};

// Runs one test on some CPU. Implementations must leave no trace of one test in the next.
class SstExecutor {
 public:
  virtual ~SstExecutor() = default;
  virtual SstState execute(const SstTest& test) = 0;
};

// vmlab's CPU in real mode with 16 MiB of RAM and A20 enabled, as the suite was captured.
std::unique_ptr<SstExecutor> make_vmlab_sst_executor();

// An instruction form named by a test file: "80.3.json.gz" -> opcode "80", reg 3.
struct SstFormName {
  std::string opcode;     // hex as in metadata.json ("80", "0F01"), or the whole stem
  std::optional<u8> reg;  // ModRM.reg for a group member
};
SstFormName parse_sst_file_name(const std::string& file_name);

// metadata.json and revocation_list.txt of one folder. Either may be missing: then every
// flag is compared and no test is skipped.
class SstSuiteInfo {
 public:
  // Throws UserError naming the file when one exists but cannot be read.
  static SstSuiteInfo load(const std::filesystem::path& dir);

  // FLAGS bits to compare for a test of `form` whose bytes are `bytes`.
  u16 flags_mask(const SstFormName& form, std::span<const u8> bytes) const;
  bool revoked(const std::string& hash) const { return m_revoked.count(hash) != 0; }

  void set_mask(const std::string& opcode, std::optional<u8> reg, u16 mask);
  void revoke(const std::string& hash) { m_revoked.insert(hash); }

 private:
  struct OpcodeInfo {
    std::optional<u16> mask;                     // for the opcode as a whole
    std::array<std::optional<u16>, 8> reg_mask;  // per ModRM.reg, for group opcodes
    bool has_reg_table = false;
  };
  std::unordered_map<std::string, OpcodeInfo> m_opcodes;
  std::set<std::string> m_revoked;
};

// Read one XX.json.gz file. Throws UserError naming the file if it is not a readable
// gzip file holding an array of tests in the suite's format.
std::vector<SstTest> load_sst_file(const std::filesystem::path& path);

// The differences between what `test` expects and what an executor saw, one line each
// ("ax: expected 1234 got 1235"); empty when the test passed.
std::vector<std::string> compare_sst(const SstTest& test, const SstState& got);

struct SstOptions {
  std::string filter;                   // glob on file names, e.g. "F6.*" ("" = every file)
  bool verbose = false;                 // detail every failing test, list passing files
  unsigned max_failures_shown = 1;      // failing tests detailed per file (without verbose)
  std::optional<double> min_pass_rate;  // percent; success when reached, even with failures
  // Judge tests that the 386 LOCK rule governs by that rule (sst_386_rules.h) rather than
  // by the 286's result. Off (--raw-286) compares every test with the 286 as recorded.
  bool apply_386_rules = true;
};

// Run every test file of every folder in `dirs` on `executor`, reporting to `out`:
// a FAIL line per failing file with its first failing tests, then
// "skipped N revoked tests" (when any) and finally "N passed, N failed".
// Returns 0 on success (all passed, or the pass rate reached), 1 otherwise.
// Throws UserError for a folder without test files or a malformed file.
int run_sst(const std::vector<std::string>& dirs, SstExecutor& executor, std::ostream& out,
            const SstOptions& options);

// `vmlab conformance sst DIR...`: run_sst() with make_vmlab_sst_executor().
int run_sst_command(const std::vector<std::string>& dirs, const SstOptions& options, std::ostream& out);

}  // namespace vmlab
