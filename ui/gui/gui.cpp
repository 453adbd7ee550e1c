#include "ui/gui/gui.h"

#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>

#include <cfloat>
#include <cstdio>
#include <vector>

#include "core/machine.h"
#include "core/png_writer.h"
#include "ui/gui/frame_pacer.h"
#include "ui/gui/panels.h"
#include "ui/gui/script_runner.h"

namespace vmlab::gui {
namespace {

constexpr float kFrameSeconds = 1.0f / 60.0f;  // headless: a fixed frame time
// Headless top speed ("max"): a fixed count, so that the same script draws the same
// pictures on every machine. A window sizes its slices from host time instead.
constexpr u64 kHeadlessTopSpeed = 2'000'000;
constexpr float kControlHeight = 200.0f;

// Every panel, once: the state as it is now.
void draw_panels(Session& s, SDL_Renderer* renderer, int width, int height) {
  ImGui_ImplSDLRenderer_NewFrame();
  ImGui::NewFrame();
  float w = float(width), h = float(height), left = w * 0.45f, top = kControlHeight;
  draw_control(s, 0, 0, left, top);
  draw_registers(s, 0, top, left, h - top);
  draw_inspector(s, left, 0, w - left, h * 0.6f);
  draw_counters(s, left, h * 0.6f, w - left, h - h * 0.6f);
  ImGui::Render();
  SDL_SetRenderDrawColor(renderer, 30, 30, 36, 255);
  SDL_RenderClear(renderer);
  ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
}

// A headless frame: the guest runs its fixed slice (if running), then the panels are
// drawn; more frames, without running the guest, until the tabs chosen from outside are
// the ones on screen (a tab bar takes a frame to switch; at most 3), and one more once
// the exits table has scrolled to an exit chosen from outside (a scroll shows in the
// frame after the one that asks for it).
void draw_settled_frame(Session& s, SDL_Renderer* renderer, int width, int height) {
  if (s.running) s.advance(s.frame_instructions(kHeadlessTopSpeed, ~0ull));
  bool revealing = s.exits.reveal_selected;
  draw_panels(s, renderer, width, height);
  for (int extra = 0; extra < 3 && !(s.tab_chosen && s.registers_tab_chosen); ++extra)
    draw_panels(s, renderer, width, height);
  if (revealing && !s.exits.reveal_selected) draw_panels(s, renderer, width, height);
}

bool save_screenshot(SDL_Renderer* renderer, int width, int height, const std::string& path) {
  std::vector<u8> pixels(size_t(width) * size_t(height) * 4);
  // ABGR8888 is R, G, B, A in memory order on a little-endian host: what PNG stores.
  if (SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_ABGR8888, pixels.data(), width * 4) != 0) {
    std::fprintf(stderr, "vmlab: cannot read the frame for the screenshot: %s\n", SDL_GetError());
    return false;
  }
  write_png(path, u32(width), u32(height), pixels);
  return true;
}

// --stats: frame times are host time, measured around the frames and only reported.
struct TimedFrames {
  FrameStats stats;
  double last = host_seconds();
  void frame(const Session& s, bool was_running, u64 instructions_before) {
    double now = host_seconds();
    stats.frame(now - last, was_running, s.machine.counters().instructions - instructions_before);
    last = now;
  }
};

int run_headless(Session& s) {
  const GuiOptions& o = s.options;
  SDL_Surface* surface = SDL_CreateRGBSurfaceWithFormat(0, o.width, o.height, 32, SDL_PIXELFORMAT_ABGR8888);
  SDL_Renderer* renderer = surface ? SDL_CreateSoftwareRenderer(surface) : nullptr;
  if (!renderer) {
    std::fprintf(stderr, "vmlab: cannot create the off-screen renderer: %s\n", SDL_GetError());
    if (surface) SDL_FreeSurface(surface);
    return 1;
  }
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(float(o.width), float(o.height));
  io.DeltaTime = kFrameSeconds;
  ImGui_ImplSDLRenderer_Init(renderer);
  TimedFrames timed;
  auto frame = [&] {
    bool was_running = s.running;
    u64 before = s.machine.counters().instructions;
    draw_settled_frame(s, renderer, o.width, o.height);
    timed.frame(s, was_running, before);
  };
  auto screenshot = [&](const std::string& path) { return save_screenshot(renderer, o.width, o.height, path); };
  // A first frame that runs nothing: ImGui lays out a tab bar in the frame it first
  // appears and draws its tabs from the next, and a click needs windows to land on.
  draw_panels(s, renderer, o.width, o.height);
  // A click: the mouse moves there (a frame, so that the windows under it exist and are
  // hovered), presses in the next frame and releases in the one after (a button acts on
  // release), then leaves, so that nothing stays hovered.
  auto click = [&](float x, float y, int button) {
    io.MousePos = ImVec2(x, y);
    draw_panels(s, renderer, o.width, o.height);
    io.MouseDown[button] = true;
    draw_panels(s, renderer, o.width, o.height);
    io.MouseDown[button] = false;
    draw_panels(s, renderer, o.width, o.height);
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    frame();
  };
  int status = run_script(s, ScriptFrontEnd{frame, screenshot, click}) ? 0 : 1;
  for (int i = 0; i < std::max(o.frames, 1); ++i) frame();
  if (!o.screenshot.empty() && !screenshot(o.screenshot)) status = 1;
  if (o.stats) std::printf("%s\n", timed.stats.summary().c_str());
  ImGui_ImplSDLRenderer_Shutdown();
  SDL_DestroyRenderer(renderer);
  SDL_FreeSurface(surface);
  return status;
}

// One window frame: input, the guest's slice sized by the pacer, the panels. The pacer
// learns how long the slice and the rest of the frame took.
bool window_frame(Session& s, SDL_Window* window, SDL_Renderer* renderer, FramePacer& pacer) {
  bool quit = false;
  SDL_Event event;
  while (SDL_PollEvent(&event)) {
    ImGui_ImplSDL2_ProcessEvent(&event);
    if (event.type == SDL_QUIT) quit = true;
  }
  double start = host_seconds();
  u64 before = s.machine.counters().instructions;
  bool ran = s.running;
  if (ran) s.advance(s.frame_instructions(pacer.slice(), pacer.slice()));
  double guest = host_seconds() - start;
  int width = 0, height = 0;
  SDL_GetWindowSize(window, &width, &height);
  ImGui_ImplSDL2_NewFrame();
  draw_panels(s, renderer, width, height);
  SDL_RenderPresent(renderer);
  if (!s.running) SDL_Delay(10);  // paused: no need to spin
  // Paused frames wait on purpose: they would teach the pacer that drawing is slow.
  if (ran) pacer.record(s.machine.counters().instructions - before, guest, host_seconds() - start - guest);
  return !quit;
}

int run_window(Session& s) {
  const GuiOptions& o = s.options;
  // Without a display SDL falls back to drivers that draw nowhere; a window nobody sees
  // would wait forever for its close button.
  std::string driver = SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "";
  if (driver == "dummy" || driver == "offscreen" || driver == "evdev") {
    std::fprintf(stderr, "vmlab: no display to open a window on (SDL video driver '%s'): use --headless\n",
                 driver.c_str());
    return 1;
  }
  SDL_Window* window = SDL_CreateWindow(("vmlab: " + s.title).c_str(), SDL_WINDOWPOS_CENTERED,
                                        SDL_WINDOWPOS_CENTERED, o.width, o.height, SDL_WINDOW_RESIZABLE);
  SDL_Renderer* renderer = window ? SDL_CreateRenderer(window, -1, 0) : nullptr;
  if (!renderer) {
    std::fprintf(stderr, "vmlab: cannot open a window: %s (use --headless without a display)\n", SDL_GetError());
    if (window) SDL_DestroyWindow(window);
    return 1;
  }
  ImGui_ImplSDL2_InitForSDLRenderer(window);
  ImGui_ImplSDLRenderer_Init(renderer);
  FramePacer pacer;
  TimedFrames timed;
  // --frames N closes the window after N frames, so that it can be measured unattended.
  for (int frame = 0; o.frames == 0 || frame < o.frames; ++frame) {
    bool was_running = s.running;
    u64 before = s.machine.counters().instructions;
    bool open = window_frame(s, window, renderer, pacer);
    timed.frame(s, was_running, before);
    if (!open) break;
  }
  if (o.stats) std::printf("%s\n", timed.stats.summary().c_str());
  ImGui_ImplSDLRenderer_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  SDL_DestroyRenderer(renderer);
  SDL_DestroyWindow(window);
  return 0;
}

}  // namespace

int run_gui(Machine& machine, const std::string& title, const GuiOptions& options) {
  if (options.headless) SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    std::fprintf(stderr, "vmlab: cannot start SDL: %s (without a display, use --headless)\n", SDL_GetError());
    return 1;
  }
  Session session(machine, options, title);
  session.prepare_machine();
  session.running = options.start_running;
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // no imgui.ini: the layout is fixed, runs are repeatable
  ImGui::StyleColorsDark();
  int status = options.headless ? run_headless(session) : run_window(session);
  ImGui::DestroyContext();
  SDL_Quit();
  return status;
}

}  // namespace vmlab::gui
