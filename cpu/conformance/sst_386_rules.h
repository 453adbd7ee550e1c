// Where the 386 architecture replaces a 286 result by rule.
//
// The SingleStepTests sample was captured on an 80286; vmlab is an i386-class CPU. Most
// 286/386 differences are corners (undefined flags, segment wrap at FFFFh) and stay
// reported as failures, with their reasons, in docs/CONFORMANCE.md. One is a wholesale
// rule of the instruction set: the 286 accepts a LOCK prefix on any instruction, while
// the 386 and every later processor raise #UD unless the instruction is one of the
// lockable read-modify-write forms with a memory destination (SDM Vol. 2, LOCK). For
// such a test the 286's recorded result cannot apply; instead the runner checks that the
// CPU did what the rule requires: #UD, reported at the instruction itself.
//
// The list of lockable forms here is written from the SDM's LOCK page, independently of
// the opcode table, so that a decoder mistake cannot make its own test pass.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/types.h"

namespace vmlab {

struct SstTest;
struct SstState;

struct Sst386Rule {
  const char* description;  // one line, for reports
  u8 vector;                // the exception the 386 raises
};

// The rule that replaces the 286 result for an instruction with these bytes, if any.
std::optional<Sst386Rule> sst_386_rule(std::span<const u8> bytes);

// Differences between what the rule requires and what the CPU did (empty = agrees):
// the first exception delivered must be `rule.vector`, reported at the test's CS:IP.
std::vector<std::string> check_386_rule(const Sst386Rule& rule, const SstTest& test, const SstState& got);

}  // namespace vmlab
