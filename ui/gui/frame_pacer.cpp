#include "ui/gui/frame_pacer.h"

#include <SDL.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace vmlab::gui {
namespace {

// Slices shorter than this are mostly timer noise: they do not update the estimate.
constexpr double kMeasurableSeconds = 0.002;
// Weight of the newest frame in the smoothed figures: quick to follow a change of mode or
// of per-instruction checks, slow enough not to jump on one late frame.
constexpr double kNewWeight = 0.5;

double smooth(double old_value, double new_value) {
  return old_value == 0 ? new_value : old_value + kNewWeight * (new_value - old_value);
}

double percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) return 0;
  size_t at = size_t(std::ceil(p * double(sorted.size()))) - 1;
  return sorted[std::min(at, sorted.size() - 1)];
}

}  // namespace

void FramePacer::record(u64 instructions, double guest_seconds, double other_seconds) {
  m_other_seconds = smooth(m_other_seconds, other_seconds);
  // Only a slice that ran the whole top speed says how fast the guest can go; a slow
  // motion frame or a goal that stopped early would make the next slice tiny.
  if (instructions < m_slice / 2 || guest_seconds < kMeasurableSeconds) {
    if (instructions >= m_slice / 2) m_slice = std::min(m_slice * 2, kMaxSlice);  // too short to time: grow
    return;
  }
  m_seconds_per_instruction = smooth(m_seconds_per_instruction, guest_seconds / double(instructions));
  double budget = std::max(kTargetSeconds - m_other_seconds, kTargetSeconds / 4);
  double next = budget / m_seconds_per_instruction;
  // At most double from one frame to the next: a wrong estimate costs one slow frame.
  next = std::min(next, 2.0 * double(m_slice));
  m_slice = std::clamp<u64>(u64(next), kMinSlice, kMaxSlice);
}

void FrameStats::frame(double seconds, bool running, u64 instructions) {
  m_seconds.push_back(seconds);
  if (!running) return;
  ++m_running_frames;
  m_running_seconds += seconds;
  m_running_instructions += instructions;
}

std::string FrameStats::summary() const {
  std::vector<double> sorted = m_seconds;
  std::sort(sorted.begin(), sorted.end());
  double median = percentile(sorted, 0.5), p95 = percentile(sorted, 0.95);
  double max = sorted.empty() ? 0 : sorted.back();
  u64 ips = m_running_seconds > 0 ? u64(double(m_running_instructions) / m_running_seconds) : 0;
  return fmt::format("stats frames={} running_frames={} frame_ms_median={:.1f} frame_ms_p95={:.1f} "
                     "frame_ms_max={:.1f} guest_ips={}",
                     m_seconds.size(), m_running_frames, median * 1e3, p95 * 1e3, max * 1e3, ips);
}

double host_seconds() { return double(SDL_GetPerformanceCounter()) / double(SDL_GetPerformanceFrequency()); }

}  // namespace vmlab::gui
