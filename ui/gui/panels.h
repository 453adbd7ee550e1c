// The visualizer's panels. Each panel is one function that draws one fixed-position
// ImGui window (panel_*.cpp); the inspector's tabs are one function each (tab_*.cpp);
// gui.cpp calls the panels once per frame. The Session (session.h) holds what the panels
// share and the run controls the buttons call.
#pragma once
#include "ui/gui/session.h"

namespace vmlab::gui {

// Carry out a script command that changes what the panels show (tab, walk, memory,
// break, watch, registers, sort-exits, filter-exits, filter-exits-category,
// select-exit) as the window's controls would. Returns false for any other verb.
bool apply_view_command(Session& s, const ScriptCommand& c);

// One exit of the exit log and its ordinal (see Session::selected_exit).
struct ExitRow {
  u64 ordinal = 0;
  Event event;  // EventKind::Exit
};
// Every exit in the Session's exit log, oldest first.
std::vector<ExitRow> exit_history(const Session& s);
// The rows the Exits tab lists: `history` filtered and sorted as s.exits says.
std::vector<ExitRow> listed_exits(const Session& s, const std::vector<ExitRow>& history);

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

// The Registers panel's tabs.
void cpu_registers_tab(Session& s);
void segments_tab(Session& s);
// Above the exits table: the exit log over virtual time, one tick per exit.
void exits_timeline(Session& s, const std::vector<ExitRow>& history, const std::vector<ExitRow>& listed);
// The colour of an exit category there and in the table (an ImU32: IM_COL32's packing).
unsigned category_colour(int category);

// The inspector's tabs, drawn inside its tab bar.
void disassembly_tab(Session& s);
void exits_tab(Session& s);
void handling_tab(Session& s);
void page_walk_tab(Session& s);
void memory_tab(Session& s);
void console_tab(Session& s);

}  // namespace vmlab::gui
