#include "ui/gui/panels.h"

#include <fmt/format.h>
#include <imgui.h>

#include <cstdio>
#include <cstdlib>

#include "modes/address_views.h"

namespace vmlab::gui {
namespace {

const ImVec4 kChanged(1.0f, 0.85f, 0.2f, 1.0f);  // the Registers panel's yellow

// Why there are no bytes to show, as a sentence: the address as typed, then the reason.
std::string no_bytes_sentence(const Session& s, const AddressViews& v) {
  return fmt::format("{} {:#010x}: {}, so there are no bytes to show here. Type another address or pick another "
                     "space in the list.",
                     address_space_name(AddressSpace(s.memory_space)), std::strtoul(s.memory_address, nullptr, 16),
                     v.note);
}

// The button that watches the address typed, in the space chosen, and the watchpoints set.
void watch_controls(Session& s) {
  static const char* kSizes[] = {"1 byte", "2 bytes", "4 bytes"};
  int choice = s.watch_size == 1 ? 0 : s.watch_size == 2 ? 1 : 2;
  ImGui::SetNextItemWidth(90);
  if (ImGui::Combo("##watchsize", &choice, kSizes, 3)) s.watch_size = choice == 0 ? 1 : choice == 1 ? 2 : 4;
  ImGui::SameLine();
  if (ImGui::Button("Watch this address"))
    s.toggle_watch(u32(std::strtoul(s.memory_address, nullptr, 16)), u32(s.watch_size), AddressSpace(s.memory_space));
  std::optional<u64> remove;
  for (const auto& [key, w] : s.watchpoints) {
    std::optional<GuestValue> now = read_value(s.machine, w.space, w.address, w.size);
    std::string value = now ? fmt::format("{:#0{}x}", now->value, 2 + 2 * w.size) : std::string("not mapped now");
    std::string symbol = w.space == AddressSpace::GuestVirtual ? symbolize(s.options.symbols, w.address) : "";
    ImGui::Text("watch %s %s(%u byte%s) = %s", watch_name(w).c_str(), symbol.empty() ? "" : (symbol + " ").c_str(),
                w.size, w.size == 1 ? "" : "s", value.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton(fmt::format("remove##{}", key).c_str())) remove = key;
  }
  if (remove) s.watchpoints.erase(*remove);
}

// 16 rows of 16 bytes from `base` (host-physical); a byte that differs from the snapshot
// taken before the last step or run is drawn in yellow.
void hex_dump(const Session& s, u32 base) {
  const PhysicalMemory& memory = s.machine.memory();
  const MemorySnapshot* before = s.memory_before && s.memory_before->base == base ? &*s.memory_before : nullptr;
  for (u32 row = 0; row < kMemoryDumpBytes / 16; ++row) {
    ImGui::Text("%08x ", base + row * 16);
    for (u32 i = 0; i < 16; ++i) {
      u32 offset = row * 16 + i, at = base + offset;
      ImGui::SameLine(0, 0);
      if (!memory.contains(at, 1)) {
        ImGui::TextUnformatted(" --");
        continue;
      }
      u8 byte = memory.data()[at];
      if (before && before->bytes[offset] != byte) ImGui::TextColored(kChanged, " %02x", byte);
      else ImGui::Text(" %02x", byte);
    }
  }
}

}  // namespace

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
  AddressViews v = s.memory_views();
  auto show = [](const std::optional<u32>& a) { return a ? fmt::format("{:#010x}", *a) : std::string("-"); };
  ImGui::Text("guest-virtual %s   guest-physical %s   host-physical %s", show(v.guest_virtual).c_str(),
              show(v.guest_physical).c_str(), show(v.host_physical).c_str());
  if (v.guest_virtual) {
    ImGui::SameLine();
    if (ImGui::SmallButton("page walk")) s.show_walk(*v.guest_virtual);
  }
  watch_controls(s);
  if (!v.host_physical) {
    ImGui::TextWrapped("%s", no_bytes_sentence(s, v).c_str());
    return;
  }
  if (!v.note.empty()) ImGui::TextWrapped("%s", v.note.c_str());
  ImGui::TextDisabled("yellow: bytes that changed in the last step or run");
  hex_dump(s, *v.host_physical & ~0xFu);
}

}  // namespace vmlab::gui
