#include "tests/conformance/oracle/compare.h"

#include <cstdio>
#include <map>
#include <set>

#include "tests/conformance/oracle/disassemble.h"

namespace vmlab::conformance {
namespace {

constexpr const char* kRegNames[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
constexpr size_t kMaxByteLines = 8;

std::string hex(u32 value, int digits = 8) {
  char text[16];
  std::snprintf(text, sizeof text, "%0*X", digits, value);
  return text;
}

std::string flag_names(u32 flags) {
  static constexpr std::pair<u32, const char*> kFlags[] = {
      {EFLAGS_CF, "CF"}, {EFLAGS_PF, "PF"}, {EFLAGS_AF, "AF"}, {EFLAGS_ZF, "ZF"},
      {EFLAGS_SF, "SF"}, {EFLAGS_OF, "OF"}, {EFLAGS_DF, "DF"}};
  std::string text;
  for (auto [bit, name] : kFlags) {
    if (!(flags & bit)) continue;
    if (!text.empty()) text += ' ';
    text += name;
  }
  return text.empty() ? "-" : text;
}

// What differs in one case: lines for the report and field names for the form summary.
struct CaseDiff {
  std::vector<std::string> lines;
  std::set<std::string> fields;
  bool failed() const { return !lines.empty(); }
};

// GPRs that differ, except those the case declares undefined.
void diff_registers(const Case& c, const EngineResults& ref, const Outcome& a,
                    const EngineResults& sub, const Outcome& b, CaseDiff& d) {
  for (int r = 0; r < 8; ++r) {
    if ((c.undefined_regs & (1u << r)) || a.regs[r] == b.regs[r]) continue;
    d.lines.push_back(std::string(kRegNames[r]) + ": " + ref.name + " " + hex(a.regs[r]) + ", " +
                      sub.name + " " + hex(b.regs[r]));
    d.fields.insert(kRegNames[r]);
  }
}

// Compared flags that differ, minus the case's undefined flags and an exclusion's.
void diff_flags(const Case& c, u32 excluded, const EngineResults& ref, const Outcome& a,
                const EngineResults& sub, const Outcome& b, CaseDiff& d) {
  u32 compared = kComparedFlags & ~c.undefined_flags & ~excluded;
  u32 differing = (a.eflags ^ b.eflags) & compared;
  if (!differing) return;
  d.lines.push_back("EFLAGS: " + ref.name + " " + hex(a.eflags) + " (" + flag_names(a.eflags) + "), " +
                    sub.name + " " + hex(b.eflags) + " (" + flag_names(b.eflags) + "); differ in " +
                    flag_names(differing));
  for (u32 bit = 1; bit; bit <<= 1)
    if (differing & bit) d.fields.insert(flag_names(bit));
}

// List the first kMaxByteLines differing bytes of a memory area, then a total.
template <size_t N>
void diff_memory(const char* area, u32 base, const std::array<u8, N>& a, const std::array<u8, N>& b,
                 const EngineResults& ref, const EngineResults& sub, CaseDiff& d) {
  size_t differing = 0;
  for (size_t i = 0; i < N; ++i) {
    if (a[i] == b[i]) continue;
    if (differing++ < kMaxByteLines)
      d.lines.push_back(std::string(area) + " [" + hex(base + static_cast<u32>(i)) + "]: " + ref.name + " " +
                        hex(a[i], 2) + ", " + sub.name + " " + hex(b[i], 2));
  }
  if (differing > kMaxByteLines)
    d.lines.push_back(std::string(area) + ": " + std::to_string(differing) + " bytes differ in all");
  if (differing) d.fields.insert(area);
}

// The case as a student needs it to reproduce a failure: bytes, disassembly, initial
// registers and flags, and what the SDM leaves undefined afterwards.
std::string describe_case(size_t index, const Case& c) {
  std::string bytes;
  for (u8 byte : c.code) bytes += hex(byte, 2) + " ";
  std::string text = "case " + std::to_string(index) + ": " + c.form + (c.detail.empty() ? "" : "  [" + c.detail + "]") + "\n";
  text += "  bytes: " + bytes + "  = " + disassemble(c.code, kCodeBase) + "\n  before:";
  for (int r = 0; r < 8; ++r) text += std::string(" ") + kRegNames[r] + "=" + hex(c.regs[r]);
  text += "\n          EFLAGS=" + hex(c.eflags | kFixedFlags) + " (" + flag_names(c.eflags) + ")";
  if (c.undefined_flags) text += "  undefined after: " + flag_names(c.undefined_flags);
  if (c.undefined_regs)
    for (int r = 0; r < 8; ++r)
      if (c.undefined_regs & (1u << r)) text += std::string(" ") + kRegNames[r];
  return text + "\n";
}

// True when `word` appears in the space-separated `text` as a whole word.
bool has_word(const std::string& text, std::string_view word) {
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    bool starts = at == 0 || text[at - 1] == ' ';
    bool ends = at + word.size() == text.size() || text[at + word.size()] == ' ';
    if (starts && ends) return true;
  }
  return false;
}

const Exclusion* find_exclusion(const ExclusionList& exclusions, const Case& c) {
  for (const Exclusion& e : exclusions)
    if (e.form == c.form && (e.detail.empty() || has_word(c.detail, e.detail))) return &e;
  return nullptr;
}

// Everything that differs between two outcomes of one case. An engine that did not
// finish the case makes the rest of the comparison meaningless, so that alone is reported.
CaseDiff diff_case(const Case& c, u32 excluded_flags, const EngineResults& ref, const Outcome& a,
                   const EngineResults& sub, const Outcome& b) {
  CaseDiff d;
  for (const auto* side : {&ref, &sub}) {
    const Outcome& o = side == &ref ? a : b;
    if (!o.completed) {
      d.lines.push_back(side->name + " did not complete the case: " + o.error);
      d.fields.insert("incomplete in " + side->name);
    }
  }
  if (d.failed()) return d;
  diff_registers(c, ref, a, sub, b, d);
  diff_flags(c, excluded_flags, ref, a, sub, b, d);
  diff_memory("data", kDataBase, a.data, b.data, ref, sub, d);
  diff_memory("stack", kStackBase, a.stack, b.stack, ref, sub, d);
  return d;
}

struct FormStats {
  size_t total = 0;
  size_t failed = 0;
  std::set<std::string> fields;
};

// One line per failing form, in catalogue order: how many of its cases differ and in what.
std::string summarize(const std::vector<std::string>& form_order, const std::map<std::string, FormStats>& stats,
                      size_t& failed_forms) {
  std::string summary;
  for (const std::string& name : form_order) {
    const FormStats& form = stats.at(name);
    if (!form.failed) continue;
    ++failed_forms;
    std::string fields;
    for (const std::string& f : form.fields) fields += (fields.empty() ? "" : ", ") + f;
    summary += "FAIL " + name + ": " + std::to_string(form.failed) + " of " + std::to_string(form.total) +
               " cases differ (" + fields + ")\n";
  }
  return summary;
}

}  // namespace

Comparison compare_outcomes(const std::vector<Case>& cases, const EngineResults& reference,
                            const EngineResults& subject, const ExclusionList& exclusions,
                            size_t max_details) {
  Comparison result;
  result.cases = cases.size();
  std::vector<std::string> form_order;
  std::map<std::string, FormStats> stats;
  std::string details;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const Exclusion* exclusion = find_exclusion(exclusions, c);
    if (exclusion && exclusion->flags == 0) {
      ++result.excluded;
      continue;
    }
    if (!stats.count(c.form)) form_order.push_back(c.form);
    FormStats& form = stats[c.form];
    ++form.total;
    CaseDiff d = diff_case(c, exclusion ? exclusion->flags : 0, reference, reference.outcomes.at(i), subject,
                           subject.outcomes.at(i));
    if (!d.failed()) continue;
    ++result.failed;
    ++form.failed;
    form.fields.insert(d.fields.begin(), d.fields.end());
    if (result.failed > max_details) continue;
    details += describe_case(i, c);
    for (const std::string& line : d.lines) details += "  " + line + "\n";
  }
  if (result.failed == 0) return result;
  std::string summary = summarize(form_order, stats, result.failed_forms);
  result.report = subject.name + " vs " + reference.name + ": " + std::to_string(result.failed) + " of " +
                  std::to_string(result.cases - result.excluded) + " cases differ, in " +
                  std::to_string(result.failed_forms) + " forms\n" + summary + "\nFirst failing cases:\n" + details;
  return result;
}

}  // namespace vmlab::conformance
