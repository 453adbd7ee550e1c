#include "tests/conformance/oracle/generator.h"

#include <stdexcept>

namespace vmlab::conformance {

const char* const kConditionNames[16] = {"O", "NO", "B", "AE", "E", "NE", "BE", "A",
                                         "S", "NS", "P", "NP", "L", "GE", "LE", "G"};

std::string sized(const std::string& pattern, unsigned size) {
  std::string out;
  for (char ch : pattern) {
    if (ch == '#') out += bits(size);
    else out += ch;
  }
  return out;
}

FormList all_forms() {
  FormList forms;
  add_alu_forms(forms);
  add_unary_forms(forms);
  add_multiply_divide_forms(forms);
  add_shift_forms(forms);
  add_bit_forms(forms);
  add_move_forms(forms);
  add_exchange_forms(forms);
  add_stack_forms(forms);
  add_branch_forms(forms);
  add_string_forms(forms);
  add_misc_forms(forms);
  add_flag_chain_forms(forms);
  return forms;
}

std::vector<Case> generate_cases(const FormList& forms) {
  constexpr unsigned kMaxAttempts = 200;  // per case; only DIV-like forms ever retry
  std::vector<Case> cases;
  for (const Form& form : forms) {
    Rng rng(Rng::seed_for(form.name));
    for (unsigned i = 0; i < form.count; ++i) {
      unsigned attempt = 0;
      for (;; ++attempt) {
        if (attempt == kMaxAttempts)
          throw std::logic_error("conformance generator: form \"" + form.name + "\" rejects every candidate");
        Case kase;
        kase.form = form.name;
        CaseBuilder builder(rng, kase);
        if (!form.build(builder)) continue;
        builder.finish();
        cases.push_back(std::move(kase));
        break;
      }
    }
  }
  return cases;
}

std::vector<Case> generate_cases(std::string_view filter, unsigned scale) {
  FormList forms = all_forms();
  if (!filter.empty())
    std::erase_if(forms, [&](const Form& f) { return f.name.find(filter) == std::string::npos; });
  for (Form& form : forms) form.count *= scale;
  return generate_cases(forms);
}

}  // namespace vmlab::conformance
