// Running a program the way a shell would and keeping everything it said: the command
// line tests treat `vmlab` as a black box, exactly as a user or a grader script sees it.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace vmlab::test {

struct ChildResult {
  int status = -1;         // exit status 0-255; -N if killed by signal N
  bool timed_out = false;  // killed after the time limit
  std::string out;         // everything written to stdout
  std::string err;         // everything written to stderr
};

// Run `program` with `args` (argv[1..]), stdin from /dev/null, and wait for it. The
// child inherits this process's environment, except that each "NAME=VALUE" in `env`
// replaces (or adds) the variable NAME. stdout
// and stderr go to files in `scratch` (so a chatty child can never block on a full
// pipe) and are read back. A child still running after `timeout_ms` is killed with
// SIGKILL and reported with timed_out set. Throws std::runtime_error if the program
// cannot be started.
ChildResult run_child(const std::string& program, const std::vector<std::string>& args,
                      const std::filesystem::path& scratch, int timeout_ms = 20000,
                      const std::vector<std::string>& env = {});

// The lines of `text`, without their '\n'. A final line without '\n' counts too.
std::vector<std::string> split_lines(const std::string& text);

std::string read_text_file(const std::filesystem::path& path);

}  // namespace vmlab::test
