// Knobs shared by the conformance test binaries, read from the environment so a student
// chasing one failure can narrow the run without rebuilding:
//   VMLAB_CONFORMANCE_FILTER=SHLD   only forms whose name contains "SHLD"
//   VMLAB_CONFORMANCE_DETAILS=100   describe up to 100 failing cases (default 20)
//   VMLAB_CONFORMANCE_SCALE=10      ten times as many cases per form (a slower, deeper run)
#pragma once
#include <cstdlib>
#include <string>

namespace vmlab::conformance {

inline std::string form_filter() {
  const char* value = std::getenv("VMLAB_CONFORMANCE_FILTER");
  return value ? value : "";
}

inline size_t detail_limit() {
  const char* value = std::getenv("VMLAB_CONFORMANCE_DETAILS");
  return value ? std::strtoul(value, nullptr, 10) : 20;
}

inline unsigned case_scale() {
  const char* value = std::getenv("VMLAB_CONFORMANCE_SCALE");
  unsigned long scale = value ? std::strtoul(value, nullptr, 10) : 1;
  return scale ? static_cast<unsigned>(scale) : 1;
}

}  // namespace vmlab::conformance
