#include "ui/gui/speed.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/compare_report.h"

namespace vmlab::gui {
namespace {

constexpr u64 kMaxEvery = 100'000;  // slower than this is not motion any more

bool parse_count(std::string_view text, u64& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 1;
}

// The slider is linear in log(instructions per frame) between these two rates.
double log_lowest() { return std::log(1.0 / kSlowestEvery); }
double log_top() { return std::log(double(kSliderTopPerFrame)); }

// Two significant digits: 1,234,567 -> 1,200,000, so the slider shows round numbers.
u64 round_to_two_digits(double rate) {
  double scale = std::pow(10.0, std::max(0.0, std::floor(std::log10(rate)) - 1));
  return std::max<u64>(1, u64(std::llround(rate / scale) * scale));
}

}  // namespace

std::optional<Speed> parse_speed(std::string_view text) {
  if (text == "max") return Speed{};
  u64 n = 0;
  if (text.starts_with("1/")) {
    if (!parse_count(text.substr(2), n) || n > kMaxEvery) return std::nullopt;
    return Speed{1, u32(n)};
  }
  if (!parse_count(text, n)) return std::nullopt;
  return Speed{n, 1};
}

std::string speed_label(const Speed& speed) {
  if (speed.every > 1) return fmt::format("1 every {} frames", speed.every);
  if (speed.per_frame == 0) return "max";
  return with_thousands(speed.per_frame) + " / frame";
}

float slider_position(const Speed& speed) {
  if (speed.per_frame == 0) return 1.0f;
  double rate = speed.every > 1 ? 1.0 / speed.every : double(speed.per_frame);
  double at = (std::log(rate) - log_lowest()) / (log_top() - log_lowest());
  return float(std::clamp(at, 0.0, 0.999));  // a fixed speed stays left of "max"
}

Speed speed_at(float position) {
  if (position >= 1.0f) return Speed{};
  double rate = std::exp(log_lowest() + double(std::max(position, 0.0f)) * (log_top() - log_lowest()));
  if (rate < 1.0) {
    u32 every = u32(std::clamp<long>(std::lround(1.0 / rate), 1, kSlowestEvery));
    return Speed{1, every};
  }
  return Speed{std::min(round_to_two_digits(rate), kSliderTopPerFrame), 1};
}

}  // namespace vmlab::gui
