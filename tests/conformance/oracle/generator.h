// The conformance case generator: turns the form catalogue (forms.h) into cases.
#pragma once
#include <string_view>
#include <vector>

#include "tests/conformance/oracle/case.h"
#include "tests/conformance/oracle/forms.h"

namespace vmlab::conformance {

// Generate form.count cases for every form, in catalogue order. Deterministic: each form
// draws from its own Rng seeded by its name. Throws std::logic_error when a form keeps
// rejecting its own candidates (a generator bug).
std::vector<Case> generate_cases(const FormList& forms);

// All forms whose name contains `filter` (every form when it is empty), with `scale`
// times each form's usual number of cases.
std::vector<Case> generate_cases(std::string_view filter = {}, unsigned scale = 1);

}  // namespace vmlab::conformance
