// Carrying out a headless script (script.h) on a Session: the same Session calls the
// window's buttons make, so a script is a faithful recording of a person at the window.
#pragma once
#include <functional>
#include <string>

#include "ui/gui/session.h"

namespace vmlab::gui {

// What a script needs from the front end that draws.
struct ScriptFrontEnd {
  std::function<void()> draw_frame;                        // one (settled) frame
  std::function<bool(const std::string& path)> screenshot;  // the last frame as a PNG
  // A mouse click at window pixel (x, y): the press in one frame, the release in the next,
  // through ImGui's input as a person's click arrives. `button` 0 left, 1 right.
  std::function<void(float x, float y, int button)> click;
};

// Run every command of s.options.script. A line the Session tells (a goal reached, a
// limit, a refused kind, a pending breakpoint) is also printed on stderr, naming the
// script's line. Returns false when a screenshot could not be written.
bool run_script(Session& s, const ScriptFrontEnd& front);

}  // namespace vmlab::gui
