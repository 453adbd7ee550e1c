// Where a run with somewhere to go stops: Step over, Step out and Run to next. A button
// arms a Goal; the Session checks it after every instruction (Step over, Step out: their
// conditions are on EIP and ESP) or whenever the machine stops at an exit or a pause
// request (Run to next: the monitor's exits and the event stream say when). The goal is
// dropped once it is reached, when its instruction limit runs out, or when something
// else (a breakpoint, the guest's end) stops the run first.
#pragma once
#include <optional>
#include <string>

#include "core/types.h"
#include "ui/gui/code_at.h"
#include "ui/gui/run_to_kind.h"

namespace vmlab::gui {

struct Session;

struct Goal {
  enum class Kind : u8 {
    ReturnTo,   // Step over: EIP back at `target` with the stack no deeper than at the start
    StepOut,    // Step out: a RET/RETF/IRET of the starting frame has executed
    NextEvent,  // Run to next: `event` came
  };
  Kind kind = Kind::ReturnTo;
  u64 start_instructions = 0;
  u64 limit = 0;  // instructions to try before giving up

  // ReturnTo and StepOut: the frame at the start. A deeper frame (recursion, a callee)
  // has a lower ESP, so ESP >= start_esp tells the starting frame from its callees.
  u32 target = 0;  // ReturnTo: the instruction after the CALL, INT or REP string op
  u32 start_esp = 0;
  u8 start_cpl = 0;
  // StepOut: the instruction being stepped is a return at the starting frame's depth.
  bool at_return = false;
  u32 esp_before = 0;
  u8 cpl_before = 0;

  // NextEvent
  RunToKind event;
  u64 start_count = 0;  // event.count() when armed
  u64 seen_exits = 0;   // exits already looked at

  // "step over", "step out", "run to next io": how messages name it.
  std::string name() const;
};

Goal return_to_goal(const Session& s, const CodeAt& stepped_over, u64 limit);
Goal step_out_goal(const Session& s, u64 limit);
Goal next_event_goal(const Session& s, const RunToKind& event, u64 limit);

// Whether the goal is a condition on EIP or ESP, checked after every instruction.
bool needs_single_steps(const Goal& goal);
// Called before each single step: Step out looks at the instruction about to run.
void before_instruction(Goal& goal, const Session& s);
// After an instruction, an exit or a pause: the line that says the goal was reached, or
// that its limit ran out; nullopt while it is still under way.
std::optional<std::string> check_goal(Goal& goal, const Session& s);

}  // namespace vmlab::gui
