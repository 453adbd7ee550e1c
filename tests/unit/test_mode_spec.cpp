// The mode vocabulary: presets as in DESIGN.md, piece-by-piece specs with defaults,
// every validity rule with its one-line message, and the single "runnable" gate.
#include <gtest/gtest.h>

#include "core/error.h"
#include "modes/mode_spec.h"

namespace vmlab {
namespace {

using C = CpuStrategy;
using M = MmuStrategy;
using I = IoStrategy;

std::string parse_error(std::string_view text) {
  try {
    parse_mode(text);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

struct ExpectedPreset {
  const char* name;
  ModeSpec spec;
  const char* canonical;
};

// DESIGN.md section 2, written out independently of mode_spec.cpp.
const ExpectedPreset kDesignTable[] = {
    {"native", {C::None, M::None, I::Emulated}, "cpu=none,mmu=none,io=emulated"},
    {"tae-shadow", {C::TrapAndEmulate, M::Shadow, I::Emulated}, "cpu=tae,mmu=shadow,io=emulated"},
    {"bt-shadow", {C::BinaryTranslation, M::Shadow, I::Emulated}, "cpu=bt,mmu=shadow,io=emulated"},
    {"pv", {C::Paravirtual, M::PvDirect, I::Virtio}, "cpu=pv,mmu=pv-direct,io=virtio"},
    {"vtx-shadow", {C::Vtx, M::Shadow, I::Emulated}, "cpu=vtx,mmu=shadow,io=emulated"},
    {"vtx-ept", {C::Vtx, M::Ept, I::Emulated}, "cpu=vtx,mmu=ept,io=emulated"},
    {"vtx-ept-virtio", {C::Vtx, M::Ept, I::Virtio}, "cpu=vtx,mmu=ept,io=virtio"},
};

constexpr const char* kPresetList =
    "native, tae-shadow, bt-shadow, pv, vtx-shadow, vtx-ept, vtx-ept-virtio";

TEST(ModeSpec, PresetsMatchTheDesignTable) {
  ASSERT_EQ(presets().size(), std::size(kDesignTable));
  for (std::size_t i = 0; i < presets().size(); ++i) {
    EXPECT_EQ(presets()[i].name, kDesignTable[i].name);
    EXPECT_EQ(presets()[i].spec, kDesignTable[i].spec) << kDesignTable[i].name;
    EXPECT_FALSE(presets()[i].stands_for.empty());
  }
  EXPECT_EQ(presets()[2].stands_for, "VMware Workstation 1999");
  EXPECT_EQ(presets()[6].stands_for, "modern KVM / PVHVM");
}

TEST(ModeSpec, EveryPresetRoundTrips) {
  for (const ExpectedPreset& p : kDesignTable) {
    ModeSpec spec = parse_mode(p.name);
    EXPECT_EQ(spec, p.spec) << p.name;
    EXPECT_EQ(to_string(spec), p.canonical);
    EXPECT_EQ(parse_mode(p.canonical), spec) << p.canonical;
    EXPECT_EQ(preset_name(spec), std::optional<std::string_view>(p.name));
    EXPECT_FALSE(invalid_reason(spec).has_value()) << p.name;
  }
}

TEST(ModeSpec, ShortNames) {
  EXPECT_EQ(short_name(C::TrapAndEmulate), "tae");
  EXPECT_EQ(short_name(C::BinaryTranslation), "bt");
  EXPECT_EQ(short_name(C::Paravirtual), "pv");
  EXPECT_EQ(short_name(M::PvDirect), "pv-direct");
  EXPECT_EQ(short_name(M::Ept), "ept");
  EXPECT_EQ(short_name(I::Virtio), "virtio");
}

TEST(ModeSpec, PieceByPieceInAnyOrder) {
  ModeSpec expected{C::Vtx, M::Ept, I::Virtio};
  EXPECT_EQ(parse_mode("cpu=vtx,mmu=ept,io=virtio"), expected);
  EXPECT_EQ(parse_mode("io=virtio,cpu=vtx,mmu=ept"), expected);
  EXPECT_EQ(parse_mode(" mmu = ept , io=virtio,cpu= vtx "), expected);
}

TEST(ModeSpec, MissingMmuFollowsTheCpuStrategy) {
  EXPECT_EQ(parse_mode("cpu=none"), (ModeSpec{C::None, M::None, I::Emulated}));
  EXPECT_EQ(parse_mode("cpu=tae"), (ModeSpec{C::TrapAndEmulate, M::Shadow, I::Emulated}));
  EXPECT_EQ(parse_mode("cpu=bt"), (ModeSpec{C::BinaryTranslation, M::Shadow, I::Emulated}));
  EXPECT_EQ(parse_mode("cpu=vtx"), (ModeSpec{C::Vtx, M::Shadow, I::Emulated}));
  EXPECT_EQ(parse_mode("cpu=pv"), (ModeSpec{C::Paravirtual, M::PvDirect, I::Emulated}));
  EXPECT_EQ(parse_mode("cpu=pv,io=virtio"), parse_mode("pv"));
}

TEST(ModeSpec, PresetWithOverrides) {
  EXPECT_EQ(parse_mode("vtx-ept,io=virtio"), parse_mode("vtx-ept-virtio"));
  EXPECT_EQ(parse_mode("vtx-ept,mmu=shadow"), parse_mode("vtx-shadow"));
  EXPECT_EQ(parse_mode("pv,io=emulated"), (ModeSpec{C::Paravirtual, M::PvDirect, I::Emulated}));
  EXPECT_EQ(parse_mode("pv,mmu=shadow"), (ModeSpec{C::Paravirtual, M::Shadow, I::Virtio}));
  EXPECT_EQ(parse_mode("native,io=virtio"), (ModeSpec{C::None, M::None, I::Virtio}));
  EXPECT_EQ(preset_name(parse_mode("native,io=virtio")), std::nullopt);
}

TEST(ModeSpec, VirtioGoesWithEveryCpuStrategy) {
  for (const char* cpu : {"none", "tae", "bt", "pv", "vtx"}) {
    ModeSpec spec = parse_mode(std::string("cpu=") + cpu + ",io=virtio");
    EXPECT_EQ(spec.io, I::Virtio) << cpu;
  }
}

TEST(ModeSpec, ExactlyTheseCombinationsAreValid) {
  const std::pair<C, M> valid[] = {{C::None, M::None},
                                   {C::TrapAndEmulate, M::Shadow},
                                   {C::BinaryTranslation, M::Shadow},
                                   {C::Paravirtual, M::PvDirect},
                                   {C::Paravirtual, M::Shadow},
                                   {C::Vtx, M::Shadow},
                                   {C::Vtx, M::Ept}};
  int valid_count = 0;
  for (C cpu : {C::None, C::TrapAndEmulate, C::BinaryTranslation, C::Paravirtual, C::Vtx}) {
    for (M mmu : {M::None, M::Shadow, M::PvDirect, M::Ept}) {
      for (I io : {I::Emulated, I::Virtio}) {
        ModeSpec spec{cpu, mmu, io};
        bool listed =
            std::find(std::begin(valid), std::end(valid), std::pair{cpu, mmu}) != std::end(valid);
        std::optional<std::string> reason = invalid_reason(spec);
        EXPECT_EQ(!reason.has_value(), listed) << to_string(spec);
        if (reason) {
          EXPECT_EQ(parse_error(to_string(spec)), *reason);
          EXPECT_EQ(reason->find('\n'), std::string::npos);
        }
        valid_count += listed ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(valid_count, 14);
}

TEST(ModeSpec, BareMetalNeedsNoMmuStrategy) {
  EXPECT_EQ(parse_error("cpu=none,mmu=shadow"),
            "invalid mode 'cpu=none,mmu=shadow,io=emulated': cpu=none needs mmu=none: a bare-metal "
            "guest has no monitor to shadow or remap its memory; use mmu=none, or choose "
            "cpu=tae|bt|pv|vtx");
}

TEST(ModeSpec, MonitorNeedsAnMmuStrategy) {
  EXPECT_EQ(parse_error("cpu=tae,mmu=none"),
            "invalid mode 'cpu=tae,mmu=none,io=emulated': mmu=none needs cpu=none: under a "
            "monitor guest memory is a slice of host memory and every guest address must be "
            "translated; use mmu=shadow (or mmu=ept with cpu=vtx)");
}

TEST(ModeSpec, EptNeedsVtx) {
  EXPECT_EQ(parse_error("cpu=bt,mmu=ept"),
            "invalid mode 'cpu=bt,mmu=ept,io=emulated': mmu=ept needs cpu=vtx: EPT is part of "
            "VT-x; use cpu=vtx, or mmu=shadow");
  EXPECT_EQ(parse_error("vtx-ept,cpu=tae"), parse_error("cpu=tae,mmu=ept"));
}

TEST(ModeSpec, PvDirectNeedsPv) {
  EXPECT_EQ(parse_error("cpu=vtx,mmu=pv-direct,io=virtio"),
            "invalid mode 'cpu=vtx,mmu=pv-direct,io=virtio': mmu=pv-direct needs cpu=pv: only a "
            "paravirtual guest asks the hypervisor to update its page tables; use cpu=pv, or "
            "mmu=shadow");
}

TEST(ModeSpec, PvNeedsPvDirectOrShadow) {
  std::string rule =
      "cpu=pv needs mmu=pv-direct or mmu=shadow: a paravirtual guest either updates its page "
      "tables by hypercall or has them shadowed; use mmu=pv-direct";
  EXPECT_EQ(parse_error("cpu=pv,mmu=ept"), "invalid mode 'cpu=pv,mmu=ept,io=emulated': " + rule);
  EXPECT_EQ(parse_error("cpu=pv,mmu=none"), "invalid mode 'cpu=pv,mmu=none,io=emulated': " + rule);
}

TEST(ModeSpec, UnknownPresetSuggestsAndLists) {
  EXPECT_EQ(parse_error("vtx-eptt"),
            std::string("unknown mode 'vtx-eptt' (did you mean 'vtx-ept'?): "
                        "use a preset (") +
                kPresetList + ") or cpu=..,mmu=..,io=..");
  EXPECT_EQ(parse_error("xen"), std::string("unknown mode 'xen': use a preset (") + kPresetList +
                                    ") or cpu=..,mmu=..,io=..");
  EXPECT_EQ(parse_error("bt,io=virtio"),
            std::string("unknown preset 'bt' in mode 'bt,io=virtio' (did you mean 'bt-shadow'?): "
                        "use a preset (") +
                kPresetList + ") or cpu=..,mmu=..,io=..");
}

TEST(ModeSpec, UnknownKeyOrValue) {
  EXPECT_EQ(parse_error("cpux=vtx"),
            "unknown key 'cpux' in mode 'cpux=vtx' (did you mean 'cpu'?): keys are cpu, mmu, io");
  EXPECT_EQ(parse_error("cpu=vt"),
            "unknown cpu strategy 'vt' in mode 'cpu=vt' (did you mean 'vtx'?): use one of none, "
            "tae, bt, pv, vtx");
  EXPECT_EQ(parse_error("cpu=vtx,mmu=npt"),
            "unknown mmu strategy 'npt' in mode 'cpu=vtx,mmu=npt' (did you mean 'ept'?): use one "
            "of none, shadow, pv-direct, ept");
  EXPECT_EQ(parse_error("cpu=vtx,io=e1000"),
            "unknown io strategy 'e1000' in mode 'cpu=vtx,io=e1000': use one of emulated, virtio");
}

TEST(ModeSpec, MalformedSpecs) {
  EXPECT_EQ(parse_error("cpu=vtx,io=virtio,io=emulated"),
            "key 'io' appears twice in mode 'cpu=vtx,io=virtio,io=emulated': give each of cpu, "
            "mmu, io at most once");
  EXPECT_EQ(parse_error("  "),
            std::string("empty mode: use a preset (") + kPresetList + ") or cpu=..,mmu=..,io=..");
  EXPECT_EQ(parse_error("cpu=vtx,"), "empty item in mode 'cpu=vtx,': remove the extra comma");
  EXPECT_EQ(
      parse_error("io=virtio,vtx-ept"),
      "preset 'vtx-ept' must come first in mode 'io=virtio,vtx-ept', e.g. 'vtx-ept,io=virtio'");
  EXPECT_EQ(parse_error("vtx-ept,vtx-shadow"),
            "mode 'vtx-ept,vtx-shadow' names two presets: use one, then key=value overrides");
  EXPECT_EQ(parse_error("mmu=ept,io=virtio"),
            std::string("mode 'mmu=ept,io=virtio' has no cpu=: start with a preset (") +
                kPresetList + ") or give cpu=none|tae|bt|pv|vtx");
}

TEST(ModeSpec, NativeAndTaeShadowRunInThisVersion) {
  EXPECT_TRUE(is_runnable(parse_mode("native")));
  EXPECT_NO_THROW(require_runnable(parse_mode("cpu=none")));
  EXPECT_TRUE(is_runnable(parse_mode("tae-shadow")));
  EXPECT_TRUE(is_runnable(parse_mode("cpu=tae")));
  for (const Preset& p : presets()) {
    if (p.name == "native" || p.name == "tae-shadow") continue;
    EXPECT_FALSE(is_runnable(p.spec)) << p.name;
    EXPECT_THROW(require_runnable(p.spec), UserError);
  }
  try {
    require_runnable(parse_mode("bt-shadow"));
    FAIL() << "bt-shadow should not run yet";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(),
                 "mode 'bt-shadow' is valid but not built yet: only 'native', 'tae-shadow' run in "
                 "this version");
  }
  try {
    require_runnable(parse_mode("native,io=virtio"));
    FAIL() << "native with virtio should not run yet";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(),
                 "mode 'cpu=none,mmu=none,io=virtio' is valid but not built yet: only "
                 "'native', 'tae-shadow' run in this version");
  }
}

TEST(ModeSpec, RequireRunnableReportsAnInvalidModeAsInvalid) {
  ModeSpec bad{C::BinaryTranslation, M::Ept, I::Emulated};
  try {
    require_runnable(bad);
    FAIL() << "an invalid mode cannot be runnable";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), *invalid_reason(bad));
  }
}

// A list of modes: a preset starts a mode, key=value items belong to the one before.
TEST(ModeSpec, SplitModeList) {
  using List = std::vector<std::string>;
  EXPECT_EQ(split_mode_list("native"), List{"native"});
  EXPECT_EQ(split_mode_list("native,vtx-ept,io=virtio,bt-shadow"), (List{"native", "vtx-ept,io=virtio", "bt-shadow"}));
  EXPECT_EQ(split_mode_list("cpu=vtx,mmu=ept, native"), (List{"cpu=vtx,mmu=ept", "native"}));
  EXPECT_EQ(split_mode_list("native,,pv"), (List{"native", "", "pv"}));  // "" is left for parse_mode
  EXPECT_EQ(split_mode_list(",io=virtio"), (List{"", "io=virtio"}));
  for (const std::string& mode : split_mode_list("native,vtx-ept,io=virtio")) EXPECT_NO_THROW(parse_mode(mode));
}

}  // namespace
}  // namespace vmlab
