#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <cstdio>
#include <cstdlib>

#include "modes/address_views.h"

namespace vmlab::gui {

// One address in the guest-virtual, guest-physical and host-physical spaces, and the
// bytes there (read from host memory; nothing is written or faulted).
void memory_tab(Session& s) {
  if (!s.memory_address[0])
    std::snprintf(s.memory_address, sizeof s.memory_address, "%08x",
                  s.machine.cpu().seg(SS).base + s.machine.cpu().reg(ESP));
  static const char* kSpaces[] = {"guest-virtual", "guest-physical", "host-physical"};
  ImGui::SetNextItemWidth(160);
  ImGui::Combo("##space", &s.memory_space, kSpaces, 3);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(120);
  ImGui::InputText("address (hex)", s.memory_address, sizeof s.memory_address, ImGuiInputTextFlags_CharsHexadecimal);
  u32 address = u32(std::strtoul(s.memory_address, nullptr, 16));
  AddressViews v = resolve_address(s.machine, AddressSpace(s.memory_space), address);
  auto show = [](const std::optional<u32>& a) { return a ? fmt::format("{:#010x}", *a) : std::string("-"); };
  ImGui::Text("guest-virtual %s   guest-physical %s   host-physical %s", show(v.guest_virtual).c_str(),
              show(v.guest_physical).c_str(), show(v.host_physical).c_str());
  if (!v.note.empty()) ImGui::TextWrapped("%s", v.note.c_str());
  if (!v.host_physical) return;
  const PhysicalMemory& memory = s.machine.memory();
  u32 base = *v.host_physical & ~0xFu;
  for (u32 row = 0; row < 16; ++row) {
    std::string line = fmt::format("{:08x} ", base + row * 16);
    for (u32 i = 0; i < 16; ++i) {
      u32 at = base + row * 16 + i;
      line += memory.contains(at, 1) ? fmt::format(" {:02x}", memory.data()[at]) : std::string(" --");
    }
    ImGui::TextUnformatted(line.c_str());
  }
}

}  // namespace vmlab::gui
