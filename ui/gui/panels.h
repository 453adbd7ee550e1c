// The visualizer's panels and the state they share. Each panel is one function that
// draws one fixed-position ImGui window; gui.cpp calls them once per frame.
#pragma once
#include <optional>
#include <string>

#include "core/machine.h"
#include "ui/gui/gui.h"

namespace vmlab::gui {

struct Session {
  Machine& machine;
  GuiOptions options;
  std::string title;
  bool running = false;
  std::optional<RunResult> ended;  // why the guest stopped for good (exit port, budget, ...)

  // Run up to `instructions` more guest instructions (within the run's budget); records
  // how the run ended, if it did.
  void advance(u64 instructions);
  // Run until the next exit (or `limit` instructions): the monitor's next intercept.
  void run_to_next_exit(u64 limit);
  u64 budget_left() const;
};

// The window layout: fixed rectangles in a width x height display (1.86 has no docking).
void draw_control(Session& s, float x, float y, float w, float h);
void draw_registers(Session& s, float x, float y, float w, float h);
void draw_exits(Session& s, float x, float y, float w, float h);
void draw_counters(Session& s, float x, float y, float w, float h);

}  // namespace vmlab::gui
