// Frame pacing and frame statistics for a window: host time, so front end only. The
// pacer sizes each frame's slice of guest instructions from how long the last slices
// took, so that a frame takes about kTargetSeconds whatever the guest and mode cost and
// the window stays responsive at the top speed. Headless runs never use it: their
// slices are fixed counts, so the same script draws the same pictures.
#pragma once
#include <string>
#include <vector>

#include "core/types.h"

namespace vmlab::gui {

class FramePacer {
 public:
  static constexpr double kTargetSeconds = 0.030;

  // Guest instructions the next frame may run at the top speed.
  u64 slice() const { return m_slice; }
  // What the last frame did: `instructions` run in `guest_seconds`, and `other_seconds`
  // spent drawing, presenting and reading input.
  void record(u64 instructions, double guest_seconds, double other_seconds);

 private:
  static constexpr u64 kMinSlice = 1'000;
  static constexpr u64 kMaxSlice = 1'000'000'000;
  static constexpr u64 kFirstSlice = 100'000;
  u64 m_slice = kFirstSlice;
  double m_seconds_per_instruction = 0;  // smoothed; 0 until a slice was long enough to measure
  double m_other_seconds = 0;            // smoothed
};

// Frame times and the guest's speed over a session, for `vmlab gui --stats`.
class FrameStats {
 public:
  // One frame: how long it took from the start of the last frame, and the instructions
  // it ran (0 when paused).
  void frame(double seconds, bool running, u64 instructions);
  // "stats frames=300 running_frames=300 frame_ms_median=30.1 frame_ms_p95=31.7
  //  frame_ms_max=44.0 guest_ips=12345678": the frame times over every frame, the guest's
  //  instructions per second over the frames it ran in.
  std::string summary() const;

 private:
  std::vector<double> m_seconds;
  size_t m_running_frames = 0;
  double m_running_seconds = 0;
  u64 m_running_instructions = 0;
};

// Host seconds since an arbitrary start (SDL's performance counter).
double host_seconds();

}  // namespace vmlab::gui
