#include "tests/conformance/oracle/host_engine.h"

#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace vmlab::conformance {
namespace {

// A file descriptor that closes itself.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() { if (m_fd >= 0) close(m_fd); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }

 private:
  int m_fd;
};

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("host oracle: " + what + ": " + std::strerror(errno));
}

vmlab_oracle_input to_wire(const Case& c) {
  vmlab_oracle_input in{};
  in.magic = VMLAB_ORACLE_INPUT_MAGIC;
  std::memcpy(in.regs, c.regs.data(), sizeof in.regs);
  in.eflags = c.eflags;
  in.code_len = static_cast<u32>(c.code.size());
  std::memcpy(in.code, c.code.data(), c.code.size());
  std::memcpy(in.data, c.data.data(), sizeof in.data);
  std::memcpy(in.stack, c.stack.data(), sizeof in.stack);
  return in;
}

Outcome from_wire(const vmlab_oracle_output& out) {
  Outcome o;
  o.completed = out.status == 0;
  if (!o.completed) o.error = "faulted natively (signal " + std::to_string(out.status) + ")";
  std::memcpy(o.regs.data(), out.regs, sizeof out.regs);
  o.eflags = out.eflags;
  std::memcpy(o.data.data(), out.data, sizeof out.data);
  std::memcpy(o.stack.data(), out.stack, sizeof out.stack);
  return o;
}

void write_all(int fd, const void* buffer, size_t size) {
  const char* p = static_cast<const char*>(buffer);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("writing the case batch");
    p += n;
    size -= static_cast<size_t>(n);
  }
}

// Start the runner with stdin and stdout on the given descriptors and wait for it.
// Returns the wait status, or -1 with errno set when it could not be started.
int run_runner(const std::string& path, int in_fd, int out_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail("waiting for the runner");
  return status;
}

}  // namespace

std::string HostEngine::unavailable_reason() const {
  std::ifstream file("/proc/sys/vm/mmap_min_addr");
  unsigned long min_addr = 0;
  if (file >> min_addr && min_addr > kDataBase)
    return "vm.mmap_min_addr is " + std::to_string(min_addr) +
           ": the host runner needs pages at 0x8000; run sysctl -w vm.mmap_min_addr=4096";
  Fd empty(memfd_create("vmlab-oracle-probe", 0));
  if (empty.get() < 0) fail("memfd_create");
  if (run_runner(m_runner_path, empty.get(), empty.get()) < 0 && errno == ENOEXEC)
    return "this kernel does not run 32-bit x86 programs (CONFIG_IA32_EMULATION is off)";
  return "";  // any other problem is a failure of the run itself, reported there
}

// The batch goes through two memory files rather than pipes: the runner answers while
// it reads, so two pipes would need a writer thread to avoid a deadlock.
std::vector<Outcome> HostEngine::run(const std::vector<Case>& cases) {
  if (cases.empty()) return {};
  Fd in(memfd_create("vmlab-oracle-in", 0));
  Fd out(memfd_create("vmlab-oracle-out", 0));
  if (in.get() < 0 || out.get() < 0) fail("memfd_create");
  for (const Case& c : cases) {
    vmlab_oracle_input record = to_wire(c);
    write_all(in.get(), &record, sizeof record);
  }
  if (lseek(in.get(), 0, SEEK_SET) != 0) fail("rewinding the case batch");
  int status = run_runner(m_runner_path, in.get(), out.get());
  if (status < 0) fail("cannot start " + m_runner_path);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("host oracle: " + m_runner_path + " failed (wait status " +
                             std::to_string(status) + "); see its message above");

  size_t bytes = cases.size() * sizeof(vmlab_oracle_output);
  if (static_cast<size_t>(lseek(out.get(), 0, SEEK_END)) != bytes)
    throw std::runtime_error("host oracle: the runner answered a different number of cases");
  void* map = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, out.get(), 0);
  if (map == MAP_FAILED) fail("reading the results");
  const auto* records = static_cast<const vmlab_oracle_output*>(map);
  std::vector<Outcome> outcomes;
  outcomes.reserve(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    if (records[i].magic != VMLAB_ORACLE_OUTPUT_MAGIC) {
      munmap(map, bytes);
      throw std::runtime_error("host oracle: malformed result record");
    }
    outcomes.push_back(from_wire(records[i]));
  }
  munmap(map, bytes);
  return outcomes;
}

}  // namespace vmlab::conformance
