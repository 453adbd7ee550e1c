// How fast Run goes: guest instructions per frame on a logarithmic scale, from slow
// motion (one instruction every N frames, so that each one can be watched) to the
// fastest the front end allows (host-time-sized frames in a window, a fixed count
// headless, so that headless pictures stay the same on every run).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"

namespace vmlab::gui {

struct Speed {
  u64 per_frame = 0;  // instructions each frame; 0: as fast as the front end allows
  u32 every = 1;      // slow motion (> 1): one instruction every `every` frames

  bool operator==(const Speed&) const = default;
};

constexpr u32 kSlowestEvery = 60;            // the slider's left end: one instruction a second at 60 fps
constexpr u64 kSliderTopPerFrame = 10'000'000;  // the last fixed speed before "max"

// "max", "N" (instructions per frame, N >= 1) or "1/N" (one instruction every N frames);
// nullopt for anything else.
std::optional<Speed> parse_speed(std::string_view text);
// "max", "20,000 / frame", "1 every 12 frames".
std::string speed_label(const Speed& speed);
// The slider's position in [0, 1] for a speed, and the speed at a position: logarithmic
// from one instruction every kSlowestEvery frames to kSliderTopPerFrame a frame, with
// the right end meaning "max".
float slider_position(const Speed& speed);
Speed speed_at(float position);

}  // namespace vmlab::gui
