#include "ui/cli/parallel_runs.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "modes/mode_spec.h"

namespace vmlab::cli {
namespace {

// One line on stderr, redrawn in place while the runs go on (only on a terminal).
class ProgressLine {
 public:
  ProgressLine(std::string_view command, std::vector<std::string> labels)
      : m_command(command), m_labels(std::move(labels)), m_phases(m_labels.size(), RunPhase::Waiting) {}

  // From run_guests(), in whichever thread changed a phase.
  void update(std::span<const RunPhase> phases) {
    std::lock_guard lock(m_mutex);
    m_phases.assign(phases.begin(), phases.end());
  }

  void draw(std::chrono::seconds elapsed) {
    std::lock_guard lock(m_mutex);
    std::size_t finished = 0;
    std::string running;
    for (std::size_t i = 0; i < m_phases.size(); ++i) {
      if (m_phases[i] == RunPhase::Finished) ++finished;
      if (m_phases[i] == RunPhase::Running) running += (running.empty() ? "" : ", ") + m_labels[i];
    }
    std::string line =
        fmt::format("vmlab {}: {} s, {} of {} runs finished; running {}", m_command, elapsed.count(),
                    finished, m_phases.size(), running.empty() ? "-" : running);
    if (line.size() > kWidth) line = line.substr(0, kWidth - 3) + "...";
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    std::fflush(stderr);
  }

  static void clear() {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }

 private:
  static constexpr std::size_t kWidth = 79;  // never wrap, or \r cannot redraw the line
  std::mutex m_mutex;
  std::string m_command;
  std::vector<std::string> m_labels;
  std::vector<RunPhase> m_phases;
};

}  // namespace

std::vector<std::string> resolve_modes(const std::vector<std::string>& arguments) {
  std::vector<std::string> modes;
  for (const std::string& argument : arguments)
    for (const std::string& text : split_mode_list(argument)) {
      ModeSpec spec = parse_mode(text);
      require_runnable(spec);
      std::optional<std::string_view> preset = preset_name(spec);
      std::string name = preset ? std::string(*preset) : to_string(spec);
      if (std::find(modes.begin(), modes.end(), name) != modes.end())
        throw UserError("mode '" + name + "' is given twice in --modes: list each mode once");
      modes.push_back(name);
    }
  if (modes.empty()) throw UserError("--modes names no mode: give at least one, e.g. --modes native");
  return modes;
}

std::vector<GuestRunResult> run_in_parallel(const std::vector<GuestRunSpec>& specs,
                                            std::vector<std::string> labels, std::string_view command) {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  if (!isatty(STDERR_FILENO)) return run_guests(specs, threads);
  ProgressLine progress(command, std::move(labels));
  auto done = std::async(std::launch::async, [&] {
    return run_guests(specs, threads, [&progress](std::span<const RunPhase> p) { progress.update(p); });
  });
  auto start = std::chrono::steady_clock::now();
  while (done.wait_for(std::chrono::milliseconds(500)) != std::future_status::ready)
    progress.draw(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start));
  ProgressLine::clear();
  return done.get();
}

}  // namespace vmlab::cli
