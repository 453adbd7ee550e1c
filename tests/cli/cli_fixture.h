// The fixture every command-line test uses: a scratch directory, the built `vmlab` run
// as a child process, and the checks for the two kinds of error a user can cause.
#pragma once
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/cli/child_process.h"

namespace vmlab::test {

namespace fs = std::filesystem;

inline const std::string kVmlab = VMLAB_CLI_BINARY;
inline const std::string kDemo = VMLAB_DEMO_ELF;
inline const std::string kProbe = VMLAB_PROBE_ELF;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "vmlab-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    m_scratch = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(m_scratch, ignored);
  }

  // Run vmlab. VMLAB_GUESTS_DIR is cleared unless use_guests_dir() set it, so the
  // catalog is the build's own whatever the caller's environment says.
  ChildResult vmlab(const std::vector<std::string>& args, int timeout_ms = 20000) {
    ChildResult r = run_child(kVmlab, args, m_scratch, timeout_ms, {"VMLAB_GUESTS_DIR=" + m_guests_dir});
    EXPECT_FALSE(r.timed_out) << "vmlab did not finish; stderr: " << r.err;
    return r;
  }

  // Point the children's guest catalog at `dir` (VMLAB_GUESTS_DIR).
  void use_guests_dir(const fs::path& dir) { m_guests_dir = dir.string(); }

  // `vmlab run [options] --append COMMAND probe.elf`
  ChildResult probe(const std::string& command, std::vector<std::string> options = {}) {
    options.insert(options.begin(), "run");
    options.insert(options.end(), {"--append", command, kProbe});
    return vmlab(options);
  }

  fs::path scratch_file(const std::string& name) const { return m_scratch / name; }

  fs::path write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
    fs::path path = scratch_file(name);
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return path;
  }

  fs::path write_file(const std::string& name, std::string_view text) {
    return write_file(name, std::vector<uint8_t>(text.begin(), text.end()));
  }

 private:
  fs::path m_scratch;
  std::string m_guests_dir;
};

inline std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// The state lines a `vmlab gui` script's `print` writes: "state key=value ...", as a map
// per line.
inline std::vector<std::map<std::string, std::string>> gui_states(const std::string& out) {
  std::vector<std::map<std::string, std::string>> result;
  for (const std::string& line : split_lines(out)) {
    if (line.rfind("state ", 0) != 0) continue;
    std::map<std::string, std::string> fields;
    std::istringstream words(line.substr(6));
    for (std::string word; words >> word;) {
      size_t eq = word.find('=');
      fields[word.substr(0, eq)] = word.substr(eq + 1);
    }
    result.push_back(fields);
  }
  return result;
}

// A user error: status 1, nothing on stdout, exactly one stderr line that starts with
// "vmlab: " and contains `detail`.
inline void expect_user_error(const ChildResult& r, const std::string& detail) {
  EXPECT_EQ(r.status, 1) << "stderr: " << r.err;
  EXPECT_EQ(r.out, "");
  std::vector<std::string> lines = split_lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << "stderr: " << r.err;
  EXPECT_THAT(lines[0], ::testing::StartsWith("vmlab: "));
  EXPECT_THAT(lines[0], ::testing::HasSubstr(detail));
}

// A bad command line: status 2, nothing on stdout, stderr starting with "vmlab: ".
inline void expect_usage_error(const ChildResult& r) {
  EXPECT_EQ(r.status, 2) << "stderr: " << r.err;
  EXPECT_EQ(r.out, "");
  std::vector<std::string> lines = split_lines(r.err);
  ASSERT_GE(lines.size(), 1u);
  EXPECT_THAT(lines[0], ::testing::StartsWith("vmlab: "));
}

}  // namespace vmlab::test
