#include "ui/gui/gui.h"

#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/machine.h"
#include "core/png_writer.h"
#include "devices/typed_input.h"
#include "modes/monitor.h"
#include "ui/gui/panels.h"

namespace vmlab::gui {
namespace {

constexpr float kFrameSeconds = 1.0f / 60.0f;  // headless: a fixed frame time
// With a breakpoint or watchpoint set the guest runs one instruction at a time, some
// hundred times slower: a frame then runs at most this many, so that the window still
// answers (Pause, a click on a breakpoint) while the guest runs.
constexpr u64 kSingleStepsPerFrame = 50'000;

// One frame: the guest advances (if running), then every panel is drawn.
void draw_frame(Session& s, SDL_Renderer* renderer, int width, int height) {
  if (s.running)
    s.advance(s.needs_single_steps() ? std::min(s.options.insns_per_frame, kSingleStepsPerFrame)
                                     : s.options.insns_per_frame);
  ImGui_ImplSDLRenderer_NewFrame();
  ImGui::NewFrame();
  float w = float(width), h = float(height), left = w * 0.45f, top = 150.0f;
  draw_control(s, 0, 0, left, top);
  draw_registers(s, 0, top, left, h - top);
  draw_inspector(s, left, 0, w - left, h * 0.6f);
  draw_counters(s, left, h * 0.6f, w - left, h - h * 0.6f);
  ImGui::Render();
  SDL_SetRenderDrawColor(renderer, 30, 30, 36, 255);
  SDL_RenderClear(renderer);
  ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
}

// A frame, then more until the tabs chosen from outside are the ones on screen (at most
// 3), and one more once the exits table has scrolled to an exit chosen from outside (a
// scroll shows in the frame after the one that asks for it).
void draw_settled_frame(Session& s, SDL_Renderer* renderer, int width, int height) {
  bool revealing = s.exits.reveal_selected;
  draw_frame(s, renderer, width, height);
  for (int extra = 0; extra < 3 && !(s.tab_chosen && s.registers_tab_chosen); ++extra)
    draw_frame(s, renderer, width, height);
  if (revealing && !s.exits.reveal_selected) draw_frame(s, renderer, width, height);
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

// Up to 16 bytes from the memory tab's address in its space, as hex digits, as far as
// they are RAM ("-" when not even the first is, or the tab has no address yet).
std::string memory_bytes(const Session& s) {
  std::string out;
  u32 address = u32(std::strtoul(s.memory_address, nullptr, 16));
  for (u32 i = 0; i < 16 && s.memory_address[0]; ++i) {
    AddressViews v = resolve_address(s.machine, AddressSpace(s.memory_space), address + i);
    if (!v.host_physical) break;
    out += fmt::format("{:02x}", s.machine.memory().data()[*v.host_physical]);
  }
  return out.empty() ? "-" : out;
}

// The panels' part of a `print` line: the bytes at the memory tab's address, the exits
// the Exits tab lists, the selected exit, and every watchpoint's value now ("unmapped"
// while the guest's tables do not map it).
std::string panel_state(Session& s) {
  std::string out = fmt::format(" memory={} exits_listed={} selected_exit={}", memory_bytes(s),
                                listed_exits(s, exit_history(s)).size(),
                                s.selected_exit ? std::to_string(*s.selected_exit) : std::string("-"));
  for (const auto& [address, w] : s.watchpoints) {
    std::optional<GuestValue> now = read_guest_virtual(s.machine, address, w.size);
    out += fmt::format(" watch_{:#010x}={}", address, now ? fmt::format("{:#0{}x}", now->value, 2 + 2 * w.size)
                                                           : std::string("unmapped"));
  }
  return out;
}

// One line of state for tests: where the guest is, the last exit, both walks of the
// address the page-walk tab shows and the panels' state; then the Control panel's
// message, if there is one, on a line of its own.
void print_state(Session& s) {
  s.sync_handling();
  const Counters& c = s.machine.counters();
  Monitor* monitor = s.machine.monitor();
  std::string last = monitor && c.exits ? exit_reason_name(u8(monitor->spec().cpu), monitor->last_exit().reason) : "-";
  u32 address = s.walk_follows_cr2 ? s.last_fault_address() : u32(std::strtoul(s.walk_address, nullptr, 16));
  Walks w = walks_for(s, address);
  auto show = [](const std::optional<WalkView>& v) {
    return !v ? std::string("-") : v->ok ? fmt::format("{:#010x}", v->physical) : std::string("not-mapped");
  };
  std::string handling = "-", origin = "-";
  if (monitor) {
    const std::vector<HandlingStep>& steps = monitor->handling_log().steps();
    if (!steps.empty())
      handling = fmt::format("{}/{}:{}", s.handling_shown, steps.size(),
                             s.handling_shown ? steps[s.handling_shown - 1].phase : "-");
    if (std::optional<ShadowEntryOrigin> o = monitor->shadow_entry_origin(address))
      origin = fmt::format("{}#{}", o->kind, o->exit);
  }
  std::printf("state instructions=%llu eip=0x%08x exits=%llu last_exit=%s address=0x%08x guest_walk=%s "
              "real_walk=%s handling=%s shadow_origin=%s com1_rx=%llu%s\n",
              (unsigned long long)c.instructions, s.linear_eip(), (unsigned long long)c.exits, last.c_str(), address,
              show(w.guest).c_str(), show(w.real).c_str(), handling.c_str(), origin.c_str(),
              (unsigned long long)s.machine.counters().device("com1.rx_bytes"), panel_state(s).c_str());
  if (!s.message.empty()) std::printf("message %s\n", s.message.c_str());
  std::fflush(stdout);
}

// One line per mode of the comparison, for tests.
void print_comparison(const Session& s) {
  if (!s.comparison) return;
  for (const CompareRun& run : s.comparison->runs)
    std::printf("compare mode=%s ok=%d cycles=%llu instructions=%llu exits=%llu\n", run.mode.c_str(), run.ok() ? 1 : 0,
                (unsigned long long)run.cycles, (unsigned long long)run.instructions, (unsigned long long)run.exits);
  std::fflush(stdout);
}

// Carry out a headless script: the same Session calls the buttons make.
bool run_script(Session& s, SDL_Renderer* renderer) {
  const GuiOptions& o = s.options;
  for (const ScriptCommand& c : o.script) {
    if (c.verb == "step") {
      s.running = false;
      for (u64 i = 0; i < c.number; ++i) s.advance(1);
    } else if (c.verb == "run") {
      s.advance(c.number);
    } else if (c.verb == "run-to") {
      s.running = false;
      s.run_to_next_exit(c.text == "exit" ? "" : c.text, c.number);
    } else if (apply_view_command(s, c)) {
      continue;
    } else if (c.verb == "frame") {
      for (u64 i = 0; i < c.number; ++i) draw_settled_frame(s, renderer, o.width, o.height);
    } else if (c.verb == "screenshot") {
      if (!save_screenshot(renderer, o.width, o.height, c.text)) return false;
    } else if (c.verb == "compare") {
      s.start_comparison();
      s.collect_comparison(true);
      s.show_comparison = true;
      print_comparison(s);
    } else if (c.verb == "type") {
      if (s.options.com1_input) s.options.com1_input->type(c.text + "\r");
    } else if (c.verb == "goto-exit") {
      if (!s.go_to_exit(c.number)) std::fprintf(stderr, "vmlab: %s (script line %d)\n", s.message.c_str(), c.line);
    } else if (c.verb == "monitor-step") {
      s.sync_handling();
      s.next_handling_step(c.number == ~0ull ? ~size_t(0) : size_t(c.number));
    } else if (c.verb == "print") {
      print_state(s);
    }
  }
  return true;
}

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
  int status = run_script(s, renderer) ? 0 : 1;
  for (int frame = 0; frame < std::max(o.frames, 1); ++frame) draw_settled_frame(s, renderer, o.width, o.height);
  if (!o.screenshot.empty() && !save_screenshot(renderer, o.width, o.height, o.screenshot)) status = 1;
  ImGui_ImplSDLRenderer_Shutdown();
  SDL_DestroyRenderer(renderer);
  SDL_FreeSurface(surface);
  return status;
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
  for (bool quit = false; !quit;) {
    SDL_Event event;
    while (SDL_PollEvent(&event)) {
      ImGui_ImplSDL2_ProcessEvent(&event);
      if (event.type == SDL_QUIT) quit = true;
    }
    int width = 0, height = 0;
    SDL_GetWindowSize(window, &width, &height);
    ImGui_ImplSDL2_NewFrame();
    draw_frame(s, renderer, width, height);
    SDL_RenderPresent(renderer);
    if (!s.running) SDL_Delay(10);  // paused: no need to spin
  }
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
