// Errors a user can cause (bad file, bad flag, bad configuration).
//
// Each carries one line of text that says what is wrong and what to do; front ends
// print it as "vmlab: <message>" and exit non-zero. Errors a guest causes are never
// reported this way: they are emulated as the hardware would.
#pragma once
#include <stdexcept>
#include <string>

namespace vmlab {

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace vmlab
