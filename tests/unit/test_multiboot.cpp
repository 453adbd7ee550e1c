// Multiboot v1 loader: kernels built here byte by byte are loaded into PhysicalMemory and
// everything a kernel would read (segments, .bss, the information structure, modules,
// memory map) is read back; every refusal must be a one-line UserError.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/boot/multiboot.h"
#include "core/error.h"

namespace vmlab {
namespace {

constexpr u64 k128MiB = 128ull << 20;
constexpr u64 k16MiB = 16ull << 20;   // enough for tests that only need a kernel at 1 MiB

std::vector<u32> multiboot_header(u32 flags) {
  return {kMultibootHeaderMagic, flags, u32(0) - kMultibootHeaderMagic - flags};
}

struct KernelSegment {
  u32 paddr;
  u32 vaddr;
  std::vector<u8> data;
  u32 memsz;
};

// Builds a Multiboot ELF kernel:
//   0       Elf32_Ehdr
//   52      Elf32_Phdr[segments]
//   0x400   Multiboot header (header_offset; outside every segment, which is allowed)
//   0x1000  segment data, one after another
//   ...     .symtab, .strtab, Elf32_Shdr[3] when `symbol` is set
class KernelBuilder {
 public:
  u32 entry = 0x100010;
  std::vector<KernelSegment> segments = {
      {0x100000, 0x100000, pattern(0x20, 1), 0x20},
      {0x101000, 0x101000, pattern(0x10, 7), 0x1000},   // .data then some .bss
      {0x102000, 0x102000, {}, 0x2000},                 // .bss only: no file bytes
  };
  std::vector<u32> header = multiboot_header(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO);
  u32 header_offset = 0x400;
  std::string symbol;   // one global function at `entry`

  static std::vector<u8> pattern(size_t n, u8 seed) {
    std::vector<u8> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = u8(seed + i * 3);
    return v;
  }
  static void put32(std::vector<u8>& f, size_t at, u32 v) {
    if (f.size() < at + 4) f.resize(at + 4);
    for (int i = 0; i < 4; ++i) f[at + i] = u8(v >> (8 * i));
  }

  std::vector<u8> build() const {
    std::vector<u8> f(0x1000, 0);
    const u8 ident[] = {0x7F, 'E', 'L', 'F', ELFCLASS32, ELFDATA2LSB, 1};
    std::copy(std::begin(ident), std::end(ident), f.begin());
    put32(f, 16, ET_EXEC | (EM_386 << 16)), put32(f, 20, 1), put32(f, 24, entry);
    put32(f, 28, kElf32EhdrSize), put32(f, 40, kElf32EhdrSize | (kElf32PhdrSize << 16));
    put32(f, 44, u32(segments.size()));
    for (size_t i = 0; i < segments.size(); ++i) {
      const KernelSegment& s = segments[i];
      u32 ph = kElf32EhdrSize + u32(i) * kElf32PhdrSize;
      put32(f, ph, PT_LOAD), put32(f, ph + 4, s.data.empty() ? 0 : u32(f.size()));
      put32(f, ph + 8, s.vaddr), put32(f, ph + 12, s.paddr), put32(f, ph + 16, u32(s.data.size()));
      put32(f, ph + 20, s.memsz), put32(f, ph + 24, 7);
      f.insert(f.end(), s.data.begin(), s.data.end());
    }
    for (size_t i = 0; i < header.size(); ++i) put32(f, header_offset + 4 * i, header[i]);
    if (!symbol.empty()) add_symbol(f);
    return f;
  }

 private:
  void add_symbol(std::vector<u8>& f) const {
    u32 symtab = u32(f.size());
    f.resize(symtab + 2 * kElf32SymSize, 0);   // null symbol, then ours
    put32(f, symtab + 16, 1), put32(f, symtab + 20, entry), put32(f, symtab + 28, 0x00010012);
    u32 strtab = u32(f.size());
    f.push_back(0);
    f.insert(f.end(), symbol.begin(), symbol.end());
    f.push_back(0);
    u32 shoff = u32(f.size());
    f.resize(shoff + 3 * kElf32ShdrSize, 0);
    u32 sh = shoff + kElf32ShdrSize;
    put32(f, sh + 4, SHT_SYMTAB), put32(f, sh + 16, symtab), put32(f, sh + 20, 2 * kElf32SymSize);
    put32(f, sh + 24, 2), put32(f, sh + 36, kElf32SymSize);
    sh += kElf32ShdrSize;
    put32(f, sh + 4, SHT_STRTAB), put32(f, sh + 16, strtab);
    put32(f, sh + 20, u32(f.size() - strtab));
    put32(f, 32, shoff), put32(f, 44, 1 | (kElf32ShdrSize << 16)), put32(f, 48, 3);
  }
};

// A raw (non-ELF) a.out kludge kernel: the header at offset 0 maps file offset 0 to
// 0x100000; 0x40 bytes of code, .bss to 0x102000, entry at 0x100020.
std::vector<u32> kludge_header(u32 load_end, u32 bss_end, u32 entry) {
  std::vector<u32> h = multiboot_header(MULTIBOOT_MEMORY_INFO | MULTIBOOT_AOUT_KLUDGE);
  h.insert(h.end(), {0x100000, 0x100000, load_end, bss_end, entry});
  return h;
}

std::vector<u8> kludge_image(const std::vector<u32>& header) {
  std::vector<u8> f = KernelBuilder::pattern(0x40, 9);
  for (size_t i = 0; i < header.size(); ++i) KernelBuilder::put32(f, 4 * i, header[i]);
  return f;
}

std::string read_string(const PhysicalMemory& m, u32 paddr) {
  std::string s;
  for (u8 c; paddr < m.size() && (m.read(paddr, &c, 1), c != 0); ++paddr) s += char(c);
  return s;
}

std::vector<u8> read_bytes(const PhysicalMemory& m, u32 paddr, u32 len) {
  std::vector<u8> v(len);
  m.read(paddr, v.data(), len);
  return v;
}

MultibootInfo read_info(const PhysicalMemory& m, u32 paddr) {
  MultibootInfo info;
  m.read(paddr, &info, sizeof info);
  return info;
}

// The message of the UserError that loading `kernel` throws, or "(loaded)".
std::string load_error(const std::vector<u8>& kernel, u64 ram = k16MiB,
                       const std::string& cmdline = "",
                       const std::vector<MultibootModuleData>& modules = {}) {
  PhysicalMemory memory(ram);
  try {
    load_multiboot(memory, kernel, "k.elf", cmdline, modules);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(loaded)";
}

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

TEST(Multiboot, LoadsElfSegmentsAndZeroesBss) {
  PhysicalMemory memory(k16MiB);
  memory.fill(0x100000, 0xAA, 0x10000);   // .bss must not inherit old contents
  KernelBuilder b;
  MultibootImage image = load_multiboot(memory, b.build(), "k.elf", "", {});
  EXPECT_EQ(image.entry, 0x100010u);
  EXPECT_EQ(image.info_address, kMultibootInfoBase);
  EXPECT_EQ(image.kernel_start, 0x100000u);
  EXPECT_EQ(image.kernel_end, 0x104000u);
  EXPECT_EQ(read_bytes(memory, 0x100000, 0x20), b.segments[0].data);
  EXPECT_EQ(read_bytes(memory, 0x101000, 0x10), b.segments[1].data);
  EXPECT_EQ(read_bytes(memory, 0x101010, 0x2FF0), std::vector<u8>(0x2FF0, 0));   // both .bss
  EXPECT_EQ(read_bytes(memory, 0x104000, 1)[0], 0xAA);   // nothing past the kernel
  EXPECT_TRUE(image.symbols.empty());
}

TEST(Multiboot, InfoStructureDescribesTheMachine) {
  PhysicalMemory memory(k128MiB);
  MultibootImage image =
      load_multiboot(memory, KernelBuilder().build(), "k.elf", "console=com1 -v", {});
  MultibootInfo info = read_info(memory, image.info_address);
  EXPECT_EQ(info.flags, 0x24Du);   // memory, cmdline, mods, mmap, boot loader name
  EXPECT_EQ(info.mem_lower, 639u);
  EXPECT_EQ(info.mem_upper, 127u * 1024);
  EXPECT_EQ(read_string(memory, info.cmdline), "console=com1 -v");
#ifdef VMLAB_VERSION
  EXPECT_EQ(read_string(memory, info.boot_loader_name), "vmlab " VMLAB_VERSION);
#else
  EXPECT_EQ(read_string(memory, info.boot_loader_name), "vmlab");
#endif
  EXPECT_EQ(info.mods_count, 0u);
  EXPECT_LT(info.cmdline, kLowMemoryEnd);

  // The memory map: a kernel walks it by size + 4 from mmap_addr.
  ASSERT_EQ(info.mmap_length, 4u * 24);
  const u64 expected[4][3] = {{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2},
                              {0x100000, k128MiB - 0x100000, 1}};
  u32 at = info.mmap_addr;
  for (const auto& e : expected) {
    MultibootMmapEntry entry;
    memory.read(at, &entry, sizeof entry);
    EXPECT_EQ(entry.size, 20u);
    EXPECT_EQ(u64(entry.base_addr), e[0]);
    EXPECT_EQ(u64(entry.length), e[1]);
    EXPECT_EQ(entry.type, e[2]);
    at += entry.size + 4;
  }
}

TEST(Multiboot, CommandLineIsEmptyStringWhenNoneGiven) {
  PhysicalMemory memory(k16MiB);
  MultibootImage image = load_multiboot(memory, KernelBuilder().build(), "k.elf", "", {});
  MultibootInfo info = read_info(memory, image.info_address);
  EXPECT_TRUE(info.flags & MULTIBOOT_INFO_CMDLINE);
  EXPECT_EQ(read_string(memory, info.cmdline), "");
}

TEST(Multiboot, SmallRamShowsInMemUpperAndMap) {
  PhysicalMemory memory(2u << 20);
  MultibootImage image = load_multiboot(memory, KernelBuilder().build(), "k.elf", "", {});
  MultibootInfo info = read_info(memory, image.info_address);
  EXPECT_EQ(info.mem_upper, 1024u);
  MultibootMmapEntry last;
  memory.read(info.mmap_addr + info.mmap_length - 24, &last, sizeof last);
  EXPECT_EQ(u64(last.base_addr), 0x100000u);
  EXPECT_EQ(u64(last.length), 0x100000u);
}

TEST(Multiboot, ModulesFollowTheKernelPageAligned) {
  PhysicalMemory memory(k16MiB);
  std::vector<MultibootModuleData> modules = {
      {"initrd.img root=/", KernelBuilder::pattern(5000, 3)}, {"config", {'a', 'b', 'c'}}};
  MultibootImage image = load_multiboot(memory, KernelBuilder().build(), "k.elf", "", modules);
  MultibootInfo info = read_info(memory, image.info_address);
  ASSERT_EQ(info.mods_count, 2u);
  MultibootModList mods[2];
  memory.read(info.mods_addr, mods, sizeof mods);
  EXPECT_EQ(mods[0].mod_start, 0x104000u);             // first page after kernel_end
  EXPECT_EQ(mods[0].mod_end, 0x104000u + 5000);        // one past the last byte
  EXPECT_EQ(mods[1].mod_start, 0x106000u);             // next page boundary
  EXPECT_EQ(mods[1].mod_end, 0x106003u);
  EXPECT_EQ(mods[0].pad, 0u);
  EXPECT_EQ(read_bytes(memory, mods[0].mod_start, 5000), modules[0].data);
  EXPECT_EQ(read_bytes(memory, mods[1].mod_start, 3), modules[1].data);
  EXPECT_EQ(read_string(memory, mods[0].cmdline), "initrd.img root=/");
  EXPECT_EQ(read_string(memory, mods[1].cmdline), "config");
}

TEST(Multiboot, HigherHalfEntryIsTranslatedToPhysical) {
  KernelBuilder b;
  b.segments = {{0x100000, 0xC0100000, KernelBuilder::pattern(0x100, 1), 0x100}};
  b.entry = 0xC010000C;
  PhysicalMemory memory(k16MiB);
  EXPECT_EQ(load_multiboot(memory, b.build(), "k.elf", "", {}).entry, 0x10000Cu);
}

TEST(Multiboot, SymbolsArePassedThrough) {
  KernelBuilder b;
  b.symbol = "kernel_main";
  PhysicalMemory memory(k16MiB);
  MultibootImage image = load_multiboot(memory, b.build(), "k.elf", "", {});
  ASSERT_EQ(image.symbols.size(), 1u);
  EXPECT_EQ(image.symbols[0].name, "kernel_main");
  EXPECT_EQ(image.symbols[0].value, b.entry);
}

TEST(Multiboot, HeaderMustEndWithinTheFirst8KiB) {
  KernelBuilder b;
  b.header_offset = 0x1FF4;   // last 4-byte slot where all 12 bytes fit
  EXPECT_EQ(load_error(b.build()), "(loaded)");
  b.header_offset = 0x2000;
  EXPECT_EQ(load_error(b.build()),
            "'k.elf': not a Multiboot kernel: no Multiboot v1 header in the first 8 KiB; "
            "vmlab boots Multiboot v1 ELF kernels for i386");
  b.header_offset = 0x402;    // not 4-byte aligned
  EXPECT_CONTAINS(load_error(b.build()), "no Multiboot v1 header");
}

TEST(Multiboot, NoHeaderMessageSaysWhatTheFileIs) {
  const std::string text = "just some text, long enough to be looked at as a kernel";
  std::vector<u8> not_elf(text.begin(), text.end());
  EXPECT_CONTAINS(load_error(not_elf), "(and it is not an ELF file)");
  std::vector<u8> elf64(64, 0);
  elf64[0] = 0x7F, elf64[1] = 'E', elf64[2] = 'L', elf64[3] = 'F', elf64[4] = 2, elf64[18] = 62;
  EXPECT_CONTAINS(load_error(elf64), "(it is a 64-bit ELF file for x86-64)");
  std::vector<u8> arm = elf64;
  arm[4] = 1, arm[18] = 40;
  EXPECT_CONTAINS(load_error(arm), "(it is an ELF file for machine 40, not i386)");
}

TEST(Multiboot, RejectsHeadersItCannotHonour) {
  KernelBuilder b;
  b.header[2] += 1;
  EXPECT_CONTAINS(load_error(b.build()), "bad checksum");
  b.header = multiboot_header(MULTIBOOT_VIDEO_MODE);
  EXPECT_CONTAINS(load_error(b.build()), "video mode (Multiboot header flag bit 2)");
  b.header = multiboot_header(1u << 5);
  EXPECT_CONTAINS(load_error(b.build()), "unknown required bits 0x20");
  b.header = multiboot_header(1u << 20);   // unknown optional bits are ignored
  EXPECT_EQ(load_error(b.build()), "(loaded)");
}

TEST(Multiboot, MagicWithBadChecksumBeforeTheRealHeaderIsSkipped) {
  KernelBuilder b;
  std::vector<u8> f = b.build();
  KernelBuilder::put32(f, 0x100, kMultibootHeaderMagic);   // a stray constant, say
  EXPECT_EQ(load_error(f), "(loaded)");
}

TEST(Multiboot, RejectsBadSegmentPlacement) {
  KernelBuilder b;
  b.segments[1].paddr = 0x100010;
  EXPECT_CONTAINS(load_error(b.build()),
                  "segments 0x100000-0x100020 and 0x100010-0x101010 overlap");
  b = KernelBuilder();
  EXPECT_CONTAINS(load_error(b.build(), 1u << 20),
                  "outside RAM (1 MiB); give the machine at least --mem 2");
  b.segments[1].paddr = 0xC0000000;
  EXPECT_CONTAINS(load_error(b.build()), "above the 3 GiB");
  b.segments[1].paddr = 0x800;
  EXPECT_CONTAINS(load_error(b.build()), "below 0x1000");
  b.segments[1].paddr = 0xB8000;
  EXPECT_CONTAINS(load_error(b.build()), "reserved area 0x9fc00-0x100000");
  b.segments[1].paddr = 0x101000;
  b.segments[2].paddr = 0x8000;   // low memory, but where the information area goes
  EXPECT_CONTAINS(load_error(b.build()),
                  "segment 0x8000-0xa000 overlaps the Multiboot information area 0x9000-");
}

TEST(Multiboot, RejectsEntryOutsideSegmentsAndEmptyKernels) {
  KernelBuilder b;
  b.entry = 0x104000;   // just past the last .bss
  EXPECT_CONTAINS(load_error(b.build()),
                  "entry point 0x104000 (e_entry) is not inside any loaded segment");
  b.segments.clear();
  EXPECT_CONTAINS(load_error(b.build()), "no loadable (PT_LOAD) segments");
}

TEST(Multiboot, RefusalLeavesMemoryUntouched) {
  PhysicalMemory memory(4u << 20);
  memory.fill(kMultibootInfoBase, 0xAA, kLowMemoryEnd - kMultibootInfoBase);
  memory.fill(0x100000, 0xAA, 0x300000);
  std::vector<MultibootModuleData> modules = {{"big", std::vector<u8>(3u << 20, 1)}};
  try {
    load_multiboot(memory, KernelBuilder().build(), "k.elf", "", modules);
    ADD_FAILURE() << "a 3 MiB module cannot fit above a kernel in 4 MiB";
  } catch (const UserError& e) {
    EXPECT_CONTAINS(e.what(), "the modules do not fit in RAM: module 'big'");
    EXPECT_CONTAINS(e.what(), "--mem");
  }
  EXPECT_EQ(read_bytes(memory, 0x100000, 0x20), std::vector<u8>(0x20, 0xAA));
  EXPECT_EQ(read_bytes(memory, 0x9000, 0x10), std::vector<u8>(0x10, 0xAA));
}

TEST(Multiboot, RejectsCommandLineTooLongForTheInfoArea) {
  EXPECT_CONTAINS(load_error(KernelBuilder().build(), k16MiB, std::string(700 * 1024, 'x')),
                  "command line and module strings are too long");
}

TEST(Multiboot, AoutKludgeLoadsRawImage) {
  PhysicalMemory memory(k16MiB);
  memory.fill(0x100000, 0xAA, 0x3000);
  std::vector<u8> image = kludge_image(kludge_header(0, 0x102000, 0x100020));
  MultibootImage loaded = load_multiboot(memory, image, "raw.bin", "", {});
  EXPECT_EQ(loaded.entry, 0x100020u);
  EXPECT_EQ(loaded.kernel_start, 0x100000u);
  EXPECT_EQ(loaded.kernel_end, 0x102000u);
  EXPECT_EQ(read_bytes(memory, 0x100000, 0x40), image);
  EXPECT_EQ(read_bytes(memory, 0x100040, 0x1FC0), std::vector<u8>(0x1FC0, 0));
  EXPECT_EQ(read_bytes(memory, 0x102000, 1)[0], 0xAA);
}

TEST(Multiboot, AoutKludgeTakesPrecedenceOverElfHeaders) {
  KernelBuilder b;
  b.symbol = "kernel_main";
  // Header at file offset 0x400 loaded at 0x200400: file offset 0 goes to 0x200000.
  b.header = multiboot_header(MULTIBOOT_AOUT_KLUDGE);
  b.header.insert(b.header.end(), {0x200400, 0x200000, 0x201000, 0x203000, 0x200000});
  PhysicalMemory memory(k16MiB);
  MultibootImage image = load_multiboot(memory, b.build(), "k.elf", "", {});
  EXPECT_EQ(image.entry, 0x200000u);
  EXPECT_EQ(read_bytes(memory, 0x200000, 4), (std::vector<u8>{0x7F, 'E', 'L', 'F'}));
  EXPECT_EQ(read_bytes(memory, 0x100000, 4), std::vector<u8>(4, 0));   // ELF layout ignored
  ASSERT_EQ(image.symbols.size(), 1u);
}

TEST(Multiboot, RejectsBadAoutKludgeFields) {
  std::vector<u32> h = kludge_header(0, 0x102000, 0x100020);
  h[4] = 0x100004;   // load_addr above header_addr
  EXPECT_CONTAINS(load_error(kludge_image(h)), "load_addr 0x100004 is above header_addr 0x100000");
  h = kludge_header(0x100080, 0x102000, 0x100020);   // 0x80 bytes from a 0x40-byte file
  EXPECT_CONTAINS(load_error(kludge_image(h)), "past the end of the file");
  h = kludge_header(0, 0x100010, 0x100000);
  EXPECT_CONTAINS(load_error(kludge_image(h)),
                  "bss_end_addr 0x100010 is below load_end_addr 0x100040");
  h = kludge_header(0, 0x102000, 0x102000);
  EXPECT_CONTAINS(load_error(kludge_image(h)), "entry point 0x102000 (entry_addr) is not inside");
  h = kludge_header(0, 0, 0x100020);
  h[3] = 0x100010;   // header_addr - load_addr = 0x10, but the header is at offset 0
  EXPECT_CONTAINS(load_error(kludge_image(h)), "header is only 0x0 bytes into the file");
  std::vector<u8> cut = kludge_image(kludge_header(0, 0x102000, 0x100020));
  cut.resize(20);   // address fields cut off
  EXPECT_CONTAINS(load_error(cut), "cut off by the end of the file");
}

// Every prefix of a valid kernel must load or be refused with a UserError; under
// AddressSanitizer this also shows that no read leaves the file.
void expect_every_prefix_loads_or_is_refused(const std::vector<u8>& whole, size_t min_loaded) {
  PhysicalMemory memory(16u << 20);
  size_t loaded = 0;
  for (size_t len = 0; len <= whole.size(); ++len) {
    std::vector<u8> prefix(whole.begin(), whole.begin() + len);
    try {
      load_multiboot(memory, prefix, "k.elf", "x", {{"m", {1, 2, 3}}});
      ++loaded;
    } catch (const UserError& e) {
      EXPECT_CONTAINS(e.what(), "k.elf");
    }
  }
  EXPECT_GE(loaded, min_loaded);
}

TEST(Multiboot, EveryTruncatedKernelLoadsOrIsRefused) {
  KernelBuilder b;
  b.symbol = "kernel_main";
  expect_every_prefix_loads_or_is_refused(b.build(), 1);
  // Raw kludge image with load_end_addr 0 loads whatever the file holds past the header.
  std::vector<u8> raw = kludge_image(kludge_header(0, 0x102000, 0x100020));
  expect_every_prefix_loads_or_is_refused(raw, raw.size() - 32);   // all with a whole header
}

std::string write_temp_file(const std::string& name, const std::vector<u8>& bytes) {
  std::string path = testing::TempDir() + "vmlab_mb_" + name;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return path;
}

TEST(Multiboot, LoadsFilesAndNamesMissingOnes) {
  std::string kernel = write_temp_file("kernel.elf", KernelBuilder().build());
  std::string module = write_temp_file("initrd", {5, 6, 7});
  PhysicalMemory memory(k16MiB);
  MultibootImage image = load_multiboot_file(memory, kernel, "", {{module, ""}, {module, "two"}});
  MultibootModList mods[2];
  memory.read(read_info(memory, image.info_address).mods_addr, mods, sizeof mods);
  EXPECT_EQ(read_string(memory, mods[0].cmdline), module);   // no string: the path
  EXPECT_EQ(read_string(memory, mods[1].cmdline), "two");
  EXPECT_EQ(read_bytes(memory, mods[1].mod_start, 3), (std::vector<u8>{5, 6, 7}));

  try {
    load_multiboot_file(memory, "/nonexistent/x.elf", "", {});
    ADD_FAILURE() << "missing kernel accepted";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "cannot open kernel '/nonexistent/x.elf': No such file or directory");
  }
  try {
    load_multiboot_file(memory, kernel, "", {{"/nonexistent/initrd", ""}});
    ADD_FAILURE() << "missing module accepted";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "cannot open module '/nonexistent/initrd': No such file or directory");
  }
  std::remove(kernel.c_str());
  std::remove(module.c_str());
}

}  // namespace
}  // namespace vmlab
