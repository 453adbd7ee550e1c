// The visualizer's panels. Each panel is one function that draws one fixed-position
// ImGui window (panel_*.cpp); the inspector's tabs are one function each (tab_*.cpp);
// gui.cpp calls the panels once per frame. The Session (session.h) holds what the panels
// share and the run controls the buttons call.
#pragma once
#include "ui/gui/session.h"

namespace vmlab::gui {

// Begin a panel: a window at a fixed place and size (the same layout on every run; no
// imgui.ini). End it with ImGui::End() whatever this returns.
bool begin_panel(const char* name, float x, float y, float w, float h);

// The window layout: fixed rectangles in a width x height display (1.86 has no docking).
void draw_control(Session& s, float x, float y, float w, float h);
void draw_registers(Session& s, float x, float y, float w, float h);
// The inspector: one window with a tab each for the disassembly, the exits, the page walk
// and the console.
void draw_inspector(Session& s, float x, float y, float w, float h);
void draw_counters(Session& s, float x, float y, float w, float h);

// The inspector's tabs, drawn inside its tab bar.
void disassembly_tab(Session& s);
void exits_tab(Session& s);
void page_walk_tab(Session& s);
void memory_tab(Session& s);
void console_tab(Session& s);

}  // namespace vmlab::gui
