// ELF32 reader: well-formed executables parse, symbols come out sorted and filtered,
// and every malformed or truncated file ends in a UserError, never an out-of-bounds read.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/boot/elf32.h"
#include "core/error.h"

namespace vmlab {
namespace {

// Builds an i386 ET_EXEC image in memory:
//   0       Elf32_Ehdr
//   52      Elf32_Phdr[segments]
//   0x1000  segment data, one after another
//   ...     .symtab, .strtab, then Elf32_Shdr[3] (null, .symtab, .strtab) if symbols exist
struct TestSymbol {
  std::string name;
  u32 value;
  u32 size;
  u8 info;          // (bind << 4) | type
  u16 shndx;
};

struct TestSegment {
  u32 vaddr;
  std::vector<u8> data;
  u32 memsz;
};

class ElfBuilder {
 public:
  u32 entry = 0x100000;
  std::vector<TestSegment> segments;
  std::vector<TestSymbol> symbols;

  std::vector<u8> build() const {
    std::vector<u8> f(0x1000, 0);
    const u8 ident[] = {0x7F, 'E', 'L', 'F', ELFCLASS32, ELFDATA2LSB, 1};
    std::copy(std::begin(ident), std::end(ident), f.begin());
    put16(f, 16, ET_EXEC), put16(f, 18, EM_386), put32(f, 20, 1), put32(f, 24, entry);
    put32(f, 28, kElf32EhdrSize), put16(f, 40, kElf32EhdrSize), put16(f, 42, kElf32PhdrSize);
    put16(f, 44, u16(segments.size()));
    for (size_t i = 0; i < segments.size(); ++i) {
      const TestSegment& s = segments[i];
      u32 ph = kElf32EhdrSize + u32(i) * kElf32PhdrSize;
      u32 offset = s.data.empty() ? 0 : u32(f.size());
      put32(f, ph, PT_LOAD), put32(f, ph + 4, offset), put32(f, ph + 8, s.vaddr);
      put32(f, ph + 12, s.vaddr), put32(f, ph + 16, u32(s.data.size()));
      put32(f, ph + 20, s.memsz), put32(f, ph + 24, 7), put32(f, ph + 28, 0x1000);
      f.insert(f.end(), s.data.begin(), s.data.end());
    }
    if (!symbols.empty()) add_symbol_table(f);
    return f;
  }

  static void put16(std::vector<u8>& f, size_t at, u16 v) {
    if (f.size() < at + 2) f.resize(at + 2);
    f[at] = u8(v), f[at + 1] = u8(v >> 8);
  }
  static void put32(std::vector<u8>& f, size_t at, u32 v) {
    put16(f, at, u16(v)), put16(f, at + 2, u16(v >> 16));
  }

 private:
  void add_symbol_table(std::vector<u8>& f) const {
    std::vector<u8> strtab(1, 0), symtab(kElf32SymSize, 0);   // both start with a null entry
    for (const TestSymbol& s : symbols) {
      size_t at = symtab.size();
      put32(symtab, at, u32(strtab.size())), put32(symtab, at + 4, s.value);
      put32(symtab, at + 8, s.size), put16(symtab, at + 12, s.info);
      put16(symtab, at + 14, s.shndx);
      strtab.insert(strtab.end(), s.name.begin(), s.name.end());
      strtab.push_back(0);
    }
    u32 symtab_off = u32(f.size());
    f.insert(f.end(), symtab.begin(), symtab.end());
    u32 strtab_off = u32(f.size());
    f.insert(f.end(), strtab.begin(), strtab.end());
    u32 shoff = u32(f.size());
    f.resize(shoff + 3 * kElf32ShdrSize, 0);
    u32 sh = shoff + kElf32ShdrSize;   // [1] .symtab, linked to [2]
    put32(f, sh + 4, SHT_SYMTAB), put32(f, sh + 16, symtab_off);
    put32(f, sh + 20, u32(symtab.size()));
    put32(f, sh + 24, 2), put32(f, sh + 36, kElf32SymSize);
    sh += kElf32ShdrSize;              // [2] .strtab
    put32(f, sh + 4, SHT_STRTAB), put32(f, sh + 16, strtab_off);
    put32(f, sh + 20, u32(strtab.size()));
    put32(f, 32, shoff), put16(f, 46, kElf32ShdrSize), put16(f, 48, 3);
  }
};

ElfBuilder typical() {
  ElfBuilder b;
  b.entry = 0x10000c;
  b.segments = {{0x100000, {0x90, 0x90, 0xF4, 0xEB}, 0x10}, {0x102000, {}, 0x3000}};
  b.symbols = {{"start", 0x10000c, 4, 0x12, 1},      // global function
               {"boot_stack", 0x102000, 0x3000, 0x11, 2},
               {"_start", 0x100000, 0, 0x10, 1},     // global, no type (assembler label)
               {".text", 0x100000, 0, 0x03, 1},      // section symbol
               {"kernel.c", 0, 0, 0x04, SHN_ABS},     // file symbol
               {"printf", 0, 0, 0x10, SHN_UNDEF},    // undefined
               {"KCODE", 8, 0, 0x00, SHN_ABS}};      // assembler constant
  return b;
}

std::string parse_error(const std::vector<u8>& file) {
  try {
    parse_elf32(file, "k.elf");
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Elf32, ParsesHeaderAndProgramHeaders) {
  std::vector<u8> file = typical().build();
  Elf32File elf = parse_elf32(file, "k.elf");
  EXPECT_EQ(elf.header.e_entry, 0x10000cu);
  EXPECT_EQ(elf.header.e_machine, EM_386);
  ASSERT_EQ(elf.program_headers.size(), 2u);
  const Elf32_Phdr& text = elf.program_headers[0];
  EXPECT_EQ(text.p_type, PT_LOAD);
  EXPECT_EQ(text.p_offset, 0x1000u);
  EXPECT_EQ(text.p_paddr, 0x100000u);
  EXPECT_EQ(text.p_filesz, 4u);
  EXPECT_EQ(text.p_memsz, 0x10u);
  EXPECT_EQ(text.p_flags, 7u);
  std::span<const u8> data = elf32_segment_data(file, text);
  EXPECT_EQ(std::vector<u8>(data.begin(), data.end()), (std::vector<u8>{0x90, 0x90, 0xF4, 0xEB}));
  EXPECT_TRUE(elf32_segment_data(file, elf.program_headers[1]).empty());
}

TEST(Elf32, ReadsNamedDefinedSymbolsSortedByValue) {
  Elf32File elf = parse_elf32(typical().build(), "k.elf");
  ASSERT_EQ(elf.symbols.size(), 3u);
  EXPECT_EQ(elf.symbols[0].name, "_start");
  EXPECT_EQ(elf.symbols[0].value, 0x100000u);
  EXPECT_EQ(elf.symbols[1].name, "start");
  EXPECT_EQ(elf.symbols[1].size, 4u);
  EXPECT_EQ(elf.symbols[2].name, "boot_stack");
  EXPECT_EQ(elf.symbols[2].value, 0x102000u);
}

TEST(Elf32, StrippedFileHasNoSymbols) {
  ElfBuilder b = typical();
  b.symbols.clear();
  EXPECT_TRUE(parse_elf32(b.build(), "k.elf").symbols.empty());
}

TEST(Elf32, BssSegmentMayPointPastTheEndOfTheFile) {
  std::vector<u8> file = typical().build();
  ElfBuilder::put32(file, kElf32EhdrSize + kElf32PhdrSize + 4, 0x7FFFFFF0);   // p_offset
  EXPECT_EQ(parse_elf32(file, "k.elf").program_headers[1].p_offset, 0x7FFFFFF0u);
}

TEST(Elf32, RejectsFilesThatAreNotI386Executables) {
  std::vector<u8> good = typical().build();
  auto patched = [&](size_t at, u8 value) { std::vector<u8> f = good; f[at] = value; return f; };
  EXPECT_NE(parse_error(patched(1, 'X')).find("'k.elf' is not an ELF file"), std::string::npos);
  EXPECT_NE(parse_error(patched(EI_CLASS, ELFCLASS64)).find("not a 32-bit"), std::string::npos);
  EXPECT_NE(parse_error(patched(EI_DATA, 2)).find("not a little-endian"), std::string::npos);
  EXPECT_NE(parse_error(patched(16, 3)).find("not an ELF executable"), std::string::npos);
  EXPECT_NE(parse_error(patched(18, 62)).find("EM_386"), std::string::npos);
  EXPECT_NE(parse_error(std::vector<u8>(good.begin(), good.begin() + 30)).find("truncated"),
            std::string::npos);
  EXPECT_NE(parse_error({}).find("not an ELF file"), std::string::npos);
}

TEST(Elf32, RejectsInconsistentProgramHeaders) {
  std::vector<u8> f = typical().build();
  ElfBuilder::put32(f, kElf32EhdrSize + 16, 0x20);   // p_filesz > p_memsz (0x10)
  EXPECT_NE(parse_error(f).find("p_filesz 0x20 larger than p_memsz 0x10"), std::string::npos);

  f = typical().build();
  ElfBuilder::put32(f, kElf32EhdrSize + 4, 0xFFFFFFFE);   // p_offset near 4 GiB must not wrap
  EXPECT_NE(parse_error(f).find("segment 0 (offset 0xfffffffe"), std::string::npos);

  f = typical().build();
  ElfBuilder::put32(f, 28, u32(f.size()) - 8);   // e_phoff: table hangs off the end
  EXPECT_NE(parse_error(f).find("program header table"), std::string::npos);

  f = typical().build();
  ElfBuilder::put16(f, 42, 56);   // e_phentsize of ELF64
  EXPECT_NE(parse_error(f).find("e_phentsize"), std::string::npos);
}

TEST(Elf32, RejectsDamagedSymbolTables) {
  std::vector<u8> good = typical().build();
  u32 shoff = u32(good[32] | (good[33] << 8));
  std::vector<u8> f = good;
  ElfBuilder::put32(f, shoff + kElf32ShdrSize + 20, 0x100000);   // .symtab sh_size
  EXPECT_NE(parse_error(f).find(".symtab (offset"), std::string::npos);

  f = good;
  ElfBuilder::put32(f, shoff + kElf32ShdrSize + 24, 9);   // sh_link to a missing section
  EXPECT_NE(parse_error(f).find("no linked .strtab"), std::string::npos);

  f = good;
  u32 symtab_off = u32(f[shoff + kElf32ShdrSize + 16] | (f[shoff + kElf32ShdrSize + 17] << 8));
  ElfBuilder::put32(f, symtab_off + kElf32SymSize, 0x5000);   // st_name outside .strtab
  EXPECT_NE(parse_error(f).find("runs past the end of .strtab"), std::string::npos);

  f = good;
  ElfBuilder::put16(f, 48, 200);   // e_shnum: table runs past the end
  EXPECT_NE(parse_error(f).find("section header table"), std::string::npos);
}

// Every prefix of a valid file either parses or is refused with a UserError naming it.
// Run under AddressSanitizer this also proves no read leaves the buffer.
TEST(Elf32, EveryTruncationIsParsedOrRefused) {
  std::vector<u8> good = typical().build();
  size_t parsed = 0;
  for (size_t len = 0; len <= good.size(); ++len) {
    std::vector<u8> prefix(good.begin(), good.begin() + len);   // exact-size heap block
    try {
      parse_elf32(prefix, "k.elf");
      ++parsed;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("'k.elf'"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(parsed, 1u);   // only the whole file: its section table is last
}

// Corrupt single header bytes with every value: each result is a parse or a UserError.
TEST(Elf32, CorruptHeaderBytesNeverEscapeTheFile) {
  std::vector<u8> good = typical().build();
  int parsed = 0, refused = 0;
  for (size_t at = 0; at < kElf32EhdrSize + 2 * kElf32PhdrSize; ++at) {
    for (int value : {0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF}) {
      std::vector<u8> f = good;
      f[at] = u8(value);
      try {
        parse_elf32(f, "k.elf");
        ++parsed;
      } catch (const UserError&) {
        ++refused;
      }
    }
  }
  // Both outcomes must occur: padding bytes are harmless, offsets and sizes are not.
  EXPECT_GT(parsed, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace vmlab

namespace vmlab {
namespace {

TEST(Elf32Symbolize, NamesTheSymbolAnAddressFallsIn) {
  std::vector<ElfSymbol> symbols = {{"start", 0x1000, 0}, {"main", 0x1100, 0x40}, {"data", 0x2000, 4}};
  EXPECT_EQ(symbolize(symbols, 0x0FFF), "") << "below every symbol";
  EXPECT_EQ(symbolize(symbols, 0x1000), "start");
  EXPECT_EQ(symbolize(symbols, 0x10FF), "start+0xff") << "a symbol without a size reaches the next";
  EXPECT_EQ(symbolize(symbols, 0x1123), "main+0x23");
  EXPECT_EQ(symbolize(symbols, 0x1140), "") << "past main's size";
  EXPECT_EQ(symbolize(symbols, 0x2003), "data+0x3");
  EXPECT_EQ(symbolize({}, 0x1000), "");
}

}  // namespace
}  // namespace vmlab
