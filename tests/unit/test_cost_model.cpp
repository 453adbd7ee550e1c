// Cost profiles: the built-ins carry the published anchors, overrides stack on a base,
// and every mistake in a profile file is reported in one line with file, line and key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/cost_model.h"
#include "core/error.h"

namespace vmlab {
namespace {

// The UserError message parse_cost_model gives for `text`, or "" if it parsed.
std::string parse_error(const std::string& text, const std::string& source = "profiles/my.toml") {
  try {
    parse_cost_model(text, source);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

std::string load_error(const std::string& name_or_path) {
  try {
    load_cost_profile(name_or_path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

// A complete profile written from `model`, one key per line, tables as [section].
std::string to_toml(const CostModel& model) {
  std::string top, tables, current;
  for (const CostParam& p : kCostParams) {
    std::string value = std::to_string(model.*p.member);
    std::size_t dot = p.key.find('.');
    if (dot == std::string_view::npos) {
      top += std::string(p.key) + " = " + value + "\n";
      continue;
    }
    std::string table(p.key.substr(0, dot));
    if (table != current) {
      tables += "[" + table + "]\n";
      current = table;
    }
    tables += std::string(p.key.substr(dot + 1)) + " = " + value + "\n";
  }
  return top + tables;
}

// p4-2006 as a complete text, so an error test can break exactly one line of it.
std::string complete_profile() { return to_toml(load_cost_profile("p4-2006")); }

TEST(CostModel, BuiltinsAreListedSorted) {
  EXPECT_EQ(builtin_cost_profiles(), (std::vector<std::string>{"modern", "p4-2006"}));
  EXPECT_TRUE(builtin_cost_profile_text("p4-2006").has_value());
  EXPECT_FALSE(builtin_cost_profile_text("p4").has_value());
}

TEST(CostModel, P4ProfileCarriesAdamsAgesenAnchors) {
  CostModel m = load_cost_profile("p4-2006");
  EXPECT_EQ(m.name, "p4-2006");
  EXPECT_EQ(m.base_cpi, 1u);
  EXPECT_EQ(m.native_exception, 900u);
  EXPECT_EQ(m.native_page_fault, 1100u);
  EXPECT_EQ(m.bt_callout_port_io, 214u);
  EXPECT_EQ(m.bt_callout_pte_write, 391u);
  EXPECT_EQ(m.trap_reflect, 2300u);
  EXPECT_EQ(m.shadow_hidden_fault_bt, 2800u);
  EXPECT_EQ(m.shadow_hidden_fault_vtx, 10100u);
  EXPECT_EQ(m.shadow_traced_pte_write_vtx, 12733u);
  EXPECT_EQ(m.vmx_exit_entry, 4340u);
  EXPECT_EQ(m.io_port_exit_total, 15826u);
  EXPECT_EQ(m.tlb_refs_per_miss, 2u);
  EXPECT_EQ(m.tlb_refs_per_miss_ept, 14u);
}

TEST(CostModel, ModernProfileCarriesItsAnchors) {
  CostModel m = load_cost_profile("modern");
  EXPECT_EQ(m.name, "modern");
  EXPECT_EQ(m.vmx_exit_entry, 1000u);
  // KVM's VMCALL round trip including the handler is about 1500 in total.
  EXPECT_EQ(m.vmx_exit_entry + m.vmx_exit_handling_trivial, 1500u);
  EXPECT_GE(m.io_port_exit_total, 3000u);
  EXPECT_LE(m.io_port_exit_total, 5000u);
  EXPECT_EQ(m.tlb_refs_per_miss_ept, 14u);
  EXPECT_NE(m, load_cost_profile("p4-2006"));
}

TEST(CostModel, ParamTableCoversEveryFieldOnce) {
  // Give every parameter a distinct value through its member pointer; if two rows shared
  // a field, the earlier row would read back the later row's value.
  CostModel m;
  u64 value = 0;
  for (const CostParam& p : kCostParams)
    m.*p.member = p.unit == CostUnit::CacheLevel ? 3 : 10 + ++value;
  value = 0;
  for (const CostParam& p : kCostParams) {
    u64 expected = p.unit == CostUnit::CacheLevel ? 3 : 10 + ++value;
    EXPECT_EQ(m.*p.member, expected) << p.key;
  }
  // Each key in the TOML reaches its own field, and nothing else is needed for a complete file.
  CostModel parsed = parse_cost_model(to_toml(m), "dir/roundtrip.toml");
  m.name = "roundtrip";
  EXPECT_EQ(parsed, m);
}

TEST(CostModel, OverrideStartsFromItsBase) {
  CostModel m = parse_cost_model("base = \"modern\"\n[vmx]\nexit_entry = 1234\n", "x/fast.toml");
  CostModel expected = load_cost_profile("modern");
  expected.name = "fast";
  expected.vmx_exit_entry = 1234;
  EXPECT_EQ(m, expected);
}

TEST(CostModel, OverrideFileLoadsByPath) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "vmlab_cost_model_test";
  std::filesystem::create_directories(dir);
  std::filesystem::path file = dir / "slow-walks.toml";
  std::ofstream(file) << "base = \"p4-2006\"\ntlb.walk_ref_level = 4\n";
  CostModel m = load_cost_profile(file.string());
  EXPECT_EQ(m.name, "slow-walks");
  EXPECT_EQ(m.vmx_exit_entry, 4340u);
  EXPECT_EQ(walk_ref_cycles(m), 200u);
  EXPECT_EQ(walk_ref_cycles(load_cost_profile("p4-2006")), 12u);
  std::filesystem::remove_all(dir);
}

TEST(CostModel, MisspelledKeySuggestsTheRealOne) {
  EXPECT_EQ(parse_error("base = \"p4-2006\"\n\n[vmx]\nexit_handling_trival = 600\n"),
            "profiles/my.toml:4: unknown key 'vmx.exit_handling_trival' "
            "(did you mean 'vmx.exit_handling_trivial'?)");
}

TEST(CostModel, UnknownKeyListsTheTablesKeys) {
  EXPECT_EQ(parse_error("base = \"p4-2006\"\n[vmx]\nvmcs_read = 178\n"),
            "profiles/my.toml:3: unknown key 'vmx.vmcs_read' "
            "(keys of [vmx]: exit_entry, exit_handling_trivial)");
}

TEST(CostModel, UnknownTableSuggestsTheRealOne) {
  EXPECT_EQ(parse_error("base = \"p4-2006\"\n[vmxx]\nexit_entry = 1\n"),
            "profiles/my.toml:2: unknown table 'vmxx' (did you mean 'vmx'?)");
  EXPECT_EQ(parse_error("base = \"p4-2006\"\n[disk]\nseek = 1\n"),
            "profiles/my.toml:2: unknown table 'disk' "
            "(tables: native, bt, trap, shadow, vmx, io, hypercall, tlb)");
}

TEST(CostModel, UnknownTopLevelKeyListsWhatIsAllowed) {
  EXPECT_EQ(parse_error("base = \"p4-2006\"\nspeed = 3\n"),
            "profiles/my.toml:2: unknown key 'speed' (top-level keys: base, base_cpi; "
            "tables: native, bt, trap, shadow, vmx, io, hypercall, tlb)");
}

TEST(CostModel, BareParameterNamesItsTable) {
  EXPECT_EQ(parse_error("base = \"p4-2006\"\nexit_entry = 10\n"),
            "profiles/my.toml:2: unknown key 'exit_entry' (did you mean 'vmx.exit_entry'?)");
}

TEST(CostModel, SectionMustBeATable) {
  EXPECT_EQ(
      parse_error("base = \"p4-2006\"\nvmx = 10\n"),
      "profiles/my.toml:2: 'vmx' must be a table: write [vmx] with its keys on the lines below");
}

TEST(CostModel, ValueMustBeAnInteger) {
  EXPECT_EQ(
      parse_error("base = \"p4-2006\"\n[io]\nport_exit_total = \"slow\"\n"),
      "profiles/my.toml:3: 'io.port_exit_total' must be a whole number (cycles), not a string");
  EXPECT_EQ(parse_error("base = \"p4-2006\"\n[io]\nport_exit_total = 1.5\n"),
            "profiles/my.toml:3: 'io.port_exit_total' must be a whole number (cycles), "
            "not a floating-point number");
}

TEST(CostModel, ValueMustBeInRange) {
  EXPECT_EQ(parse_error("base = \"p4-2006\"\n[trap]\nreflect = -5\n"),
            "profiles/my.toml:3: 'trap.reflect' is -5; it must be between 0 and 10000000 (cycles)");
  EXPECT_EQ(parse_error("base = \"p4-2006\"\n[trap]\nreflect = 10000001\n"),
            "profiles/my.toml:3: 'trap.reflect' is 10000001; it must be between 0 and 10000000 "
            "(cycles)");
  EXPECT_EQ(parse_error("base = \"p4-2006\"\nbase_cpi = 0\n"),
            "profiles/my.toml:2: 'base_cpi' is 0; it must be between 1 and 10000000 (a count)");
  EXPECT_EQ(parse_error("base = \"p4-2006\"\n[tlb]\nwalk_ref_level = 5\n"),
            "profiles/my.toml:3: 'tlb.walk_ref_level' is 5; it must be between 1 and 4 "
            "(1 = L1, 2 = L2, 3 = LLC, 4 = DRAM)");
  EXPECT_EQ(parse_error("base = \"p4-2006\"\n[trap]\nreflect = 10000000\n"), "");
}

TEST(CostModel, CompleteProfileMustSetEveryKey) {
  std::string text = complete_profile();
  EXPECT_EQ(parse_error(text), "");
  std::size_t at = text.find("exit_handling_trivial = ");
  std::string missing_one = text.substr(0, at) + text.substr(text.find('\n', at) + 1);
  std::size_t vmx_line = std::count(text.begin(), text.begin() + text.find("[vmx]"), '\n') + 1;
  EXPECT_EQ(parse_error(missing_one),
            "profiles/my.toml:" + std::to_string(vmx_line) +
                ": missing key 'vmx.exit_handling_trivial': a profile without "
                "base = \"<built-in>\" must set every key");
  EXPECT_EQ(parse_error("[vmx]\nexit_entry = 1\n"),
            "profiles/my.toml: missing key 'base_cpi' and " +
                std::to_string(std::size(kCostParams) - 2) +
                " more: a profile without base = \"<built-in>\" must set every key");
}

TEST(CostModel, SyntaxErrorGivesFileAndLine) {
  std::string message = parse_error("base = \"p4-2006\"\n[vmx]\nexit_entry = = 3\n");
  EXPECT_TRUE(message.starts_with("profiles/my.toml:3: TOML syntax error: ")) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(CostModel, BaseMustNameABuiltin) {
  EXPECT_EQ(parse_error("base = \"p4\"\n"),
            "profiles/my.toml:1: unknown base profile 'p4' (did you mean 'p4-2006'?); "
            "built-in profiles: modern, p4-2006");
  EXPECT_EQ(
      parse_error("\nbase = 2006\n"),
      "profiles/my.toml:2: 'base' must be a string naming a built-in profile, not an integer");
}

TEST(CostModel, UnknownProfileNameListsBuiltins) {
  EXPECT_EQ(load_error("p4"),
            "cost profile 'p4' is not a built-in profile or a file (did you mean 'p4-2006'?); "
            "use a built-in (modern, p4-2006) or the path of a .toml profile");
  EXPECT_EQ(load_error("/nonexistent/fast.toml"),
            "cost profile '/nonexistent/fast.toml' is not a built-in profile or a file; "
            "use a built-in (modern, p4-2006) or the path of a .toml profile");
  std::string dir = std::filesystem::temp_directory_path().string();
  EXPECT_EQ(load_error(dir), "cost profile '" + dir + "' is not a readable file; " +
                                 "use a built-in (modern, p4-2006) or the path of a .toml profile");
}

}  // namespace
}  // namespace vmlab
