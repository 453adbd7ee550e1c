#include "modes/mode_spec.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/closest_name.h"
#include "core/error.h"

namespace vmlab {
namespace {

template <typename E>
struct NamedValue {
  E value;
  std::string_view name;
};

constexpr NamedValue<CpuStrategy> kCpuNames[] = {
    {CpuStrategy::None, "none"},
    {CpuStrategy::TrapAndEmulate, "tae"},
    {CpuStrategy::BinaryTranslation, "bt"},
    {CpuStrategy::Paravirtual, "pv"},
    {CpuStrategy::Vtx, "vtx"},
};
constexpr NamedValue<MmuStrategy> kMmuNames[] = {
    {MmuStrategy::None, "none"},
    {MmuStrategy::Shadow, "shadow"},
    {MmuStrategy::PvDirect, "pv-direct"},
    {MmuStrategy::Ept, "ept"},
};
constexpr NamedValue<IoStrategy> kIoNames[] = {
    {IoStrategy::Emulated, "emulated"},
    {IoStrategy::Virtio, "virtio"},
};

// The modes this version can run. A monitor that is finished is switched on here and
// nowhere else.
const ModeSpec kRunnableModes[] = {
    ModeSpec{CpuStrategy::None, MmuStrategy::None, IoStrategy::Emulated},
    ModeSpec{CpuStrategy::TrapAndEmulate, MmuStrategy::Shadow, IoStrategy::Emulated},
};

template <typename E, std::size_t N>
std::string_view name_of(E value, const NamedValue<E> (&names)[N]) {
  for (const NamedValue<E>& n : names)
    if (n.value == value) return n.name;
  return "?";
}

template <typename E, std::size_t N>
std::vector<std::string> all_names(const NamedValue<E> (&names)[N]) {
  std::vector<std::string> out;
  for (const NamedValue<E>& n : names) out.emplace_back(n.name);
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  return fmt::format("{}", fmt::join(items, separator));
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const Preset& p : presets()) names.emplace_back(p.name);
  return names;
}


std::string_view trim(std::string_view s) {
  std::size_t first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// "vtx-ept, io=virtio" -> {"vtx-ept", "io=virtio"}, each item trimmed. Empty items are
// kept so that parse_mode can point at the stray comma.
std::vector<std::string_view> split_items(std::string_view text) {
  std::vector<std::string_view> items;
  while (true) {
    std::size_t comma = text.find(',');
    items.push_back(trim(text.substr(0, comma)));
    if (comma == std::string_view::npos) return items;
    text.remove_prefix(comma + 1);
  }
}

// `name` is no preset; `text` is the whole mode it came from.
[[noreturn]] void unknown_preset(std::string_view name, std::string_view text) {
  std::string subject = name == text ? fmt::format("unknown mode '{}'", name)
                                     : fmt::format("unknown preset '{}' in mode '{}'", name, text);
  throw UserError(fmt::format("{}{}: use a preset ({}) or cpu=..,mmu=..,io=..", subject,
                              did_you_mean(name, preset_names()), join(preset_names())));
}

// The pieces a spec names explicitly; the rest come from a preset or the defaults.
struct Settings {
  std::optional<CpuStrategy> cpu;
  std::optional<MmuStrategy> mmu;
  std::optional<IoStrategy> io;
};

// Store `value` in `slot` after checking the key is new and the value is one of `names`.
template <typename E, std::size_t N>
void set_once(std::optional<E>& slot, std::string_view key, std::string_view value,
              const NamedValue<E> (&names)[N], std::string_view what, std::string_view text) {
  if (slot)
    throw UserError(fmt::format(
        "key '{}' appears twice in mode '{}': give each of cpu, mmu, io at most once", key, text));
  for (const NamedValue<E>& n : names) {
    if (n.name == value) {
      slot = n.value;
      return;
    }
  }
  throw UserError(fmt::format("unknown {} '{}' in mode '{}'{}: use one of {}", what, value, text,
                              did_you_mean(value, all_names(names)), join(all_names(names))));
}

// Record one "key=value" item of `text` (the whole mode, quoted in errors).
void apply_item(std::string_view item, Settings& settings, std::string_view text) {
  std::size_t eq = item.find('=');
  std::string_view key = trim(item.substr(0, eq));
  std::string_view value = trim(item.substr(eq + 1));
  if (key == "cpu") return set_once(settings.cpu, key, value, kCpuNames, "cpu strategy", text);
  if (key == "mmu") return set_once(settings.mmu, key, value, kMmuNames, "mmu strategy", text);
  if (key == "io") return set_once(settings.io, key, value, kIoNames, "io strategy", text);
  throw UserError(fmt::format("unknown key '{}' in mode '{}'{}: keys are cpu, mmu, io", key, text,
                              did_you_mean(key, {"cpu", "mmu", "io"})));
}

// What a CPU strategy runs with when the spec does not say: the MMU strategy it was
// designed around (shadow paging for every monitor that cannot change the guest).
MmuStrategy default_mmu(CpuStrategy cpu) {
  switch (cpu) {
    case CpuStrategy::None:
      return MmuStrategy::None;
    case CpuStrategy::Paravirtual:
      return MmuStrategy::PvDirect;
    default:
      return MmuStrategy::Shadow;
  }
}

// Fill in what the text left out: from its preset, else from the defaults.
ModeSpec resolve(const std::optional<ModeSpec>& preset, const Settings& s, std::string_view text) {
  if (!preset && !s.cpu)
    throw UserError(fmt::format("mode '{}' has no cpu=: start with a preset ({}) or give cpu={}",
                                text, join(preset_names()), join(all_names(kCpuNames), "|")));
  ModeSpec spec = preset.value_or(ModeSpec{});
  if (s.cpu) spec.cpu = *s.cpu;
  if (s.mmu)
    spec.mmu = *s.mmu;
  else if (!preset)
    spec.mmu = default_mmu(spec.cpu);
  if (s.io) spec.io = *s.io;
  return spec;
}

// The rule a combination breaks, or nullopt. Checked in this order so that each rule is
// the one reported for some combination (pv's rule before the generic mmu=none rule).
std::optional<std::string> broken_rule(const ModeSpec& m) {
  using C = CpuStrategy;
  using M = MmuStrategy;
  if (m.cpu == C::None && m.mmu != M::None)
    return "cpu=none needs mmu=none: a bare-metal guest has no monitor to shadow or remap its "
           "memory; use mmu=none, or choose cpu=tae|bt|pv|vtx";
  if (m.cpu == C::Paravirtual && m.mmu != M::PvDirect && m.mmu != M::Shadow)
    return "cpu=pv needs mmu=pv-direct or mmu=shadow: a paravirtual guest either updates its "
           "page tables by hypercall or has them shadowed; use mmu=pv-direct";
  if (m.mmu == M::None && m.cpu != C::None)
    return "mmu=none needs cpu=none: under a monitor guest memory is a slice of host memory and "
           "every guest address must be translated; use mmu=shadow (or mmu=ept with cpu=vtx)";
  if (m.mmu == M::Ept && m.cpu != C::Vtx)
    return "mmu=ept needs cpu=vtx: EPT is part of VT-x; use cpu=vtx, or mmu=shadow";
  if (m.mmu == M::PvDirect && m.cpu != C::Paravirtual)
    return "mmu=pv-direct needs cpu=pv: only a paravirtual guest asks the hypervisor to update "
           "its page tables; use cpu=pv, or mmu=shadow";
  return std::nullopt;
}

// How a mode is named in messages: its preset name, else its canonical spec.
std::string display_name(const ModeSpec& spec) {
  std::optional<std::string_view> preset = preset_name(spec);
  return preset ? std::string(*preset) : to_string(spec);
}

}  // namespace

const std::vector<Preset>& presets() {
  using C = CpuStrategy;
  using M = MmuStrategy;
  using I = IoStrategy;
  static const std::vector<Preset> kPresets = {
      {"native", {C::None, M::None, I::Emulated}, "bare metal, the 100% baseline"},
      {"tae-shadow",
       {C::TrapAndEmulate, M::Shadow, I::Emulated},
       "the classic textbook monitor (and why x86 defeats it)"},
      {"bt-shadow", {C::BinaryTranslation, M::Shadow, I::Emulated}, "VMware Workstation 1999"},
      {"pv", {C::Paravirtual, M::PvDirect, I::Virtio}, "Xen 2003"},
      {"vtx-shadow", {C::Vtx, M::Shadow, I::Emulated}, "first-generation VT-x, 2006"},
      {"vtx-ept", {C::Vtx, M::Ept, I::Emulated}, "VT-x + EPT, 2008"},
      {"vtx-ept-virtio", {C::Vtx, M::Ept, I::Virtio}, "modern KVM / PVHVM"},
  };
  return kPresets;
}

std::string_view short_name(CpuStrategy cpu) { return name_of(cpu, kCpuNames); }
std::string_view short_name(MmuStrategy mmu) { return name_of(mmu, kMmuNames); }
std::string_view short_name(IoStrategy io) { return name_of(io, kIoNames); }

ModeSpec parse_mode(std::string_view text) {
  text = trim(text);
  if (text.empty())
    throw UserError(
        fmt::format("empty mode: use a preset ({}) or cpu=..,mmu=..,io=..", join(preset_names())));
  std::optional<ModeSpec> preset;
  Settings settings;
  std::vector<std::string_view> items = split_items(text);
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string_view item = items[i];
    if (item.empty())
      throw UserError(fmt::format("empty item in mode '{}': remove the extra comma", text));
    if (item.find('=') != std::string_view::npos) {
      apply_item(item, settings, text);
      continue;
    }
    auto found = std::find_if(presets().begin(), presets().end(),
                              [&](const Preset& p) { return p.name == item; });
    if (found == presets().end()) unknown_preset(item, text);
    if (preset)
      throw UserError(
          fmt::format("mode '{}' names two presets: use one, then key=value overrides", text));
    if (i != 0)
      throw UserError(fmt::format(
          "preset '{}' must come first in mode '{}', e.g. 'vtx-ept,io=virtio'", item, text));
    preset = found->spec;
  }
  ModeSpec spec = resolve(preset, settings, text);
  if (std::optional<std::string> reason = invalid_reason(spec)) throw UserError(*reason);
  return spec;
}

std::vector<std::string> split_mode_list(std::string_view text) {
  std::vector<std::string> modes;
  bool open = false;  // the last mode may still take key=value items
  for (std::string_view item : split_items(text)) {
    if (open && item.find('=') != std::string_view::npos) {
      modes.back() += fmt::format(",{}", item);
      continue;
    }
    modes.emplace_back(item);
    open = !item.empty();
  }
  return modes;
}

std::optional<std::string> invalid_reason(const ModeSpec& spec) {
  std::optional<std::string> rule = broken_rule(spec);
  if (!rule) return std::nullopt;
  return fmt::format("invalid mode '{}': {}", to_string(spec), *rule);
}

std::string to_string(const ModeSpec& spec) {
  return fmt::format("cpu={},mmu={},io={}", short_name(spec.cpu), short_name(spec.mmu),
                     short_name(spec.io));
}

std::optional<std::string_view> preset_name(const ModeSpec& spec) {
  for (const Preset& p : presets())
    if (p.spec == spec) return p.name;
  return std::nullopt;
}

bool is_runnable(const ModeSpec& spec) {
  return std::find(std::begin(kRunnableModes), std::end(kRunnableModes), spec) !=
         std::end(kRunnableModes);
}

std::vector<std::string> runnable_mode_names() {
  std::vector<std::string> names;
  for (const ModeSpec& m : kRunnableModes) names.push_back(display_name(m));
  return names;
}

void require_runnable(const ModeSpec& spec) {
  if (is_runnable(spec)) return;
  if (std::optional<std::string> reason = invalid_reason(spec)) throw UserError(*reason);
  std::vector<std::string> runnable;
  for (const ModeSpec& m : kRunnableModes) runnable.push_back(fmt::format("'{}'", display_name(m)));
  throw UserError(fmt::format("mode '{}' is valid but not built yet: only {} {} in this version",
                              display_name(spec), join(runnable),
                              runnable.size() == 1 ? "runs" : "run"));
}

}  // namespace vmlab
