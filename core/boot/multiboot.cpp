#include "core/boot/multiboot.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "core/error.h"

namespace vmlab {

// MultibootInfo and friends are copied into guest memory byte for byte.
static_assert(std::endian::native == std::endian::little);

namespace {

#ifdef VMLAB_VERSION
constexpr const char* kBootLoaderName = "vmlab " VMLAB_VERSION;
#else
constexpr const char* kBootLoaderName = "vmlab";
#endif

constexpr u64 kPage = PhysicalMemory::kPageSize;
constexpr u64 kFirstLoadable = 0x1000;     // below: real-mode IVT and BIOS data area
constexpr u64 kVgaStart = 0xA0000;         // EBDA ends, VGA memory begins
constexpr u64 kBiosStart = 0xF0000;        // system BIOS ROM
constexpr u64 kMaxRam = 3ull << 30;        // PhysicalMemory's limit
constexpr u64 kMiB = 1 << 20;

u32 le32(const u8* p) {
  return u32(p[0]) | (u32(p[1]) << 8) | (u32(p[2]) << 16) | (u32(p[3]) << 24);
}
u64 align_up(u64 value, u64 alignment) { return (value + alignment - 1) / alignment * alignment; }
std::string range_text(u64 start, u64 end) { return fmt::format("{:#x}-{:#x}", start, end); }

// A half-open physical address range [start, end).
struct Range {
  u64 start, end;
  bool overlaps(const Range& o) const { return start < o.end && o.start < end; }
};

// One piece of the kernel image: `bytes` go to paddr, the rest of memsz is zeroed (.bss).
struct Placement {
  u64 paddr;
  u64 memsz;
  std::span<const u8> bytes;
  Range range() const { return {paddr, paddr + memsz}; }
};

struct KernelLayout {
  std::vector<Placement> segments;   // sorted by paddr once validated
  u32 entry;
  std::vector<ElfSymbol> symbols;
};

// Where each part of the information area goes (see the picture in multiboot.h).
struct InfoPlan {
  std::vector<MultibootMmapEntry> mmap;
  u32 mmap_addr, mods_addr, cmdline_addr, loader_name_addr;
  std::vector<u32> module_string_addrs;
  Range area;
};

[[noreturn]] void fail(std::string_view kernel_name, const std::string& what) {
  throw UserError(fmt::format("'{}': {}", kernel_name, what));
}

// Decode the header at `offset` (magic and checksum already verified). The a.out kludge
// fields must also lie inside the search window, as the spec requires of the whole header.
MultibootHeader decode_header(std::span<const u8> kernel, u32 offset, std::string_view name) {
  const u8* p = kernel.data() + offset;
  MultibootHeader h{offset, le32(p), le32(p + 4), le32(p + 8), 0, 0, 0, 0, 0};
  if (!(h.flags & MULTIBOOT_AOUT_KLUDGE)) return h;
  size_t window = std::min<size_t>(kernel.size(), kMultibootSearchLimit);
  if (offset + 32 > window)
    fail(name, fmt::format("the Multiboot header at file offset {:#x} sets flag bit 16 (a.out "
                           "kludge) but its address fields are cut off by the end of the {}",
                           offset, kernel.size() < kMultibootSearchLimit ? "file" : "first 8 KiB"));
  h.header_addr = le32(p + 12);
  h.load_addr = le32(p + 16);
  h.load_end_addr = le32(p + 20);
  h.bss_end_addr = le32(p + 24);
  h.entry_addr = le32(p + 28);
  return h;
}

// Bits 0-15 are requirements: a loader that cannot meet one must refuse the kernel.
void check_required_flags(const MultibootHeader& h, std::string_view name) {
  if (h.flags & MULTIBOOT_VIDEO_MODE)
    fail(name, "the kernel asks for a graphics video mode (Multiboot header flag bit 2), which "
               "vmlab does not provide; clear that flag in the kernel's Multiboot header");
  u32 unknown = h.flags & 0xFFFF & ~(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO);
  if (unknown != 0)
    fail(name, fmt::format("the kernel requires Multiboot features vmlab does not support "
                           "(header flags {:#x}, unknown required bits {:#x}); vmlab honours "
                           "bits 0, 1 and 16", h.flags, unknown));
}

// ELF kernel: every non-empty PT_LOAD segment goes to its p_paddr.
KernelLayout plan_elf(std::span<const u8> kernel, std::string_view name) {
  Elf32File elf = parse_elf32(kernel, name);
  u32 e_entry = elf.header.e_entry;
  KernelLayout layout{{}, 0, std::move(elf.symbols)};
  std::optional<u32> entry;
  for (const Elf32_Phdr& ph : elf.program_headers) {
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    layout.segments.push_back({ph.p_paddr, ph.p_memsz, elf32_segment_data(kernel, ph)});
    // e_entry is a virtual address. Translating it through the segment that holds it,
    // as GRUB does, lets higher-half kernels (p_vaddr != p_paddr) boot with paging off.
    if (!entry && ph.p_vaddr <= e_entry && e_entry - ph.p_vaddr < ph.p_memsz)
      entry = e_entry - ph.p_vaddr + ph.p_paddr;
  }
  if (layout.segments.empty())
    fail(name, "the ELF file has no loadable (PT_LOAD) segments, so there is nothing to boot");
  if (!entry)
    fail(name, fmt::format("the entry point {:#x} (e_entry) is not inside any loaded segment; "
                           "check ENTRY() in the kernel's linker script", e_entry));
  layout.entry = *entry;
  return layout;
}

[[noreturn]] void fail_kludge(std::string_view name, const std::string& what) {
  fail(name, fmt::format("bad Multiboot a.out kludge fields: {}; fix the kernel's Multiboot "
                         "header", what));
}

// Symbols for a debugger, if the file happens to be a 32-bit ELF. With the a.out kludge
// the header alone decides what is loaded, so an ELF the parser rejects (a 64-bit kernel
// with a 32-bit entry stub, say) still boots, only without symbols.
std::vector<ElfSymbol> optional_symbols(std::span<const u8> kernel, std::string_view name) {
  try {
    return parse_elf32(kernel, name).symbols;
  } catch (const UserError&) {
    return {};
  }
}

// a.out kludge: one block of file bytes starting at load_addr, then .bss up to
// bss_end_addr. The file offset of load_addr follows from where the header sits:
// header_addr - load_addr bytes before it.
KernelLayout plan_aout_kludge(std::span<const u8> kernel, const MultibootHeader& h,
                              std::string_view name) {
  if (h.load_addr > h.header_addr)
    fail_kludge(name, fmt::format("load_addr {:#x} is above header_addr {:#x}", h.load_addr,
                                  h.header_addr));
  u64 header_distance = h.header_addr - h.load_addr;
  if (header_distance > h.file_offset)
    fail_kludge(name, fmt::format("header_addr - load_addr is {:#x} but the header is only "
                                  "{:#x} bytes into the file", header_distance, h.file_offset));
  u64 load_offset = h.file_offset - header_distance;
  u64 load_end = h.load_end_addr ? h.load_end_addr : h.load_addr + (kernel.size() - load_offset);
  if (load_end < h.load_addr)
    fail_kludge(name, fmt::format("load_end_addr {:#x} is below load_addr {:#x}",
                                  h.load_end_addr, h.load_addr));
  u64 file_bytes = load_end - h.load_addr;
  if (load_offset + file_bytes > kernel.size())
    fail_kludge(name, fmt::format("load_end_addr {:#x} asks for {:#x} bytes from file offset "
                                  "{:#x}, past the end of the file ({} bytes)",
                                  load_end, file_bytes, load_offset, kernel.size()));
  u64 bss_end = h.bss_end_addr ? h.bss_end_addr : load_end;
  if (bss_end < load_end)
    fail_kludge(name, fmt::format("bss_end_addr {:#x} is below load_end_addr {:#x}",
                                  h.bss_end_addr, load_end));
  if (bss_end == h.load_addr)
    fail(name, "the a.out kludge image is empty; there is nothing to boot");
  if (h.entry_addr < h.load_addr || h.entry_addr >= bss_end)
    fail(name, fmt::format("the entry point {:#x} (entry_addr) is not inside the loaded image "
                           "{}", h.entry_addr, range_text(h.load_addr, bss_end)));
  Placement image{h.load_addr, bss_end - h.load_addr, kernel.subspan(load_offset, file_bytes)};
  return KernelLayout{{image}, h.entry_addr, optional_symbols(kernel, name)};
}

// One segment must be RAM the kernel may own: not the IVT/BDA page, not the EBDA/VGA/BIOS
// hole below 1 MiB, not past the end of RAM.
void check_segment_place(const Range& r, u64 ram, std::string_view name) {
  std::string where = range_text(r.start, r.end);
  if (r.start < kFirstLoadable)
    fail(name, fmt::format("segment {} lies below 0x1000 (real-mode interrupt table and BIOS "
                           "data); link the kernel at 1 MiB (0x100000)", where));
  if (r.overlaps({kLowMemoryEnd, kHighMemoryStart}))
    fail(name, fmt::format("segment {} overlaps the reserved area 0x9fc00-0x100000 (EBDA, VGA, "
                           "BIOS); link the kernel at 1 MiB (0x100000) or above", where));
  if (r.end > kMaxRam)
    fail(name, fmt::format("segment {} lies above the 3 GiB of RAM vmlab can provide; p_paddr "
                           "must be a physical address (check AT() in the linker script)", where));
  if (r.end > ram)
    fail(name, fmt::format("segment {} lies outside RAM ({} MiB); give the machine at least "
                           "--mem {}", where, ram / kMiB, align_up(r.end, kMiB) / kMiB));
}

// Validate every segment's place and sort them; no two may share a byte.
void check_segments(std::vector<Placement>& segments, u64 ram, std::string_view name) {
  for (const Placement& s : segments) check_segment_place(s.range(), ram, name);
  std::sort(segments.begin(), segments.end(),
            [](const Placement& a, const Placement& b) { return a.paddr < b.paddr; });
  for (size_t i = 1; i < segments.size(); ++i) {
    Range a = segments[i - 1].range(), b = segments[i].range();
    if (a.overlaps(b))
      fail(name, fmt::format("segments {} and {} overlap; fix the kernel's linker script",
                             range_text(a.start, a.end), range_text(b.start, b.end)));
  }
}

// The BIOS-style (INT 15h E820) map of the machine: conventional memory up to the EBDA,
// the EBDA itself and the BIOS ROM reserved, then everything above 1 MiB. The VGA window
// 0xA0000-0xF0000 is left out, as PC firmware does.
std::vector<MultibootMmapEntry> memory_map(u64 ram) {
  std::vector<MultibootMmapEntry> map;
  auto add = [&](u64 base, u64 end, u32 type) {
    if (end > base) map.push_back({sizeof(MultibootMmapEntry) - 4, base, end - base, type});
  };
  add(0, std::min<u64>(ram, kLowMemoryEnd), MULTIBOOT_MEMORY_AVAILABLE);
  add(kLowMemoryEnd, kVgaStart, MULTIBOOT_MEMORY_RESERVED);
  add(kBiosStart, kHighMemoryStart, MULTIBOOT_MEMORY_RESERVED);
  add(kHighMemoryStart, ram, MULTIBOOT_MEMORY_AVAILABLE);
  return map;
}

// Lay out the information area from kMultibootInfoBase; it must end below the EBDA.
InfoPlan plan_info(u64 ram, const std::string& cmdline,
                   const std::vector<MultibootModuleData>& modules) {
  InfoPlan plan;
  plan.mmap = memory_map(ram);
  u64 cursor = kMultibootInfoBase + sizeof(MultibootInfo);
  auto take = [&cursor](u64 bytes) { u32 at = u32(cursor); cursor += bytes; return at; };
  plan.mmap_addr = take(plan.mmap.size() * sizeof(MultibootMmapEntry));
  plan.mods_addr = take(modules.size() * sizeof(MultibootModList));
  plan.cmdline_addr = take(cmdline.size() + 1);
  plan.loader_name_addr = take(std::strlen(kBootLoaderName) + 1);
  for (const MultibootModuleData& m : modules)
    plan.module_string_addrs.push_back(take(m.string.size() + 1));
  plan.area = {kMultibootInfoBase, cursor};
  if (cursor > kLowMemoryEnd)
    throw UserError(fmt::format("the kernel command line and module strings are too long for "
                                "the Multiboot information area {}; shorten them",
                                range_text(kMultibootInfoBase, kLowMemoryEnd)));
  if (cursor > ram)
    throw UserError(fmt::format("{} KiB of RAM is too small to hold the Multiboot information "
                                "at {:#x}; give the machine more memory with --mem",
                                ram / 1024, kMultibootInfoBase));
  return plan;
}

// The first page-aligned address at or after `from` where `size` bytes miss every range
// in `avoid`.
u64 first_free(u64 from, u64 size, std::span<const Range> avoid) {
  u64 at = align_up(from, kPage);
  for (bool moved = true; moved;) {
    moved = false;
    for (const Range& r : avoid) {
      if (Range{at, at + std::max<u64>(size, 1)}.overlaps(r)) {
        at = align_up(r.end, kPage);
        moved = true;
      }
    }
  }
  return at;
}

// Homes for the modules, in order and page-aligned (header flag bit 0 asks for that; we
// always do it), after the kernel's last byte and clear of the info area and the hole
// below 1 MiB (which only a kernel linked low can run into).
std::vector<Range> place_modules(const std::vector<MultibootModuleData>& modules,
                                 u64 kernel_end, const Range& info_area, u64 ram) {
  const Range avoid[] = {info_area, {kLowMemoryEnd, kHighMemoryStart}};
  std::vector<Range> homes;
  u64 cursor = kernel_end;
  for (const MultibootModuleData& m : modules) {
    u64 start = first_free(cursor, m.data.size(), avoid);
    Range home{start, start + m.data.size()};
    if (home.end > ram)
      throw UserError(fmt::format("the modules do not fit in RAM: module '{}' ({} bytes) would "
                                  "end at {:#x}, past the end of RAM at {:#x}; give the machine "
                                  "more memory with --mem",
                                  m.string, m.data.size(), home.end, ram));
    homes.push_back(home);
    cursor = home.end;
  }
  return homes;
}

void write_string(PhysicalMemory& memory, u32 paddr, const std::string& text) {
  memory.write(paddr, text.c_str(), u32(text.size() + 1));
}

// Fill the information area planned by plan_info(); `homes` are the module ranges.
void write_info(PhysicalMemory& memory, const InfoPlan& plan, const std::string& cmdline,
                const std::vector<MultibootModuleData>& modules, const std::vector<Range>& homes) {
  u64 ram = memory.guest_size();
  memory.fill(u32(plan.area.start), 0, u32(plan.area.end - plan.area.start));
  MultibootInfo info{};
  info.flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS |
               MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME;
  info.mem_lower = u32(std::min<u64>(ram, kLowMemoryEnd) / 1024);
  info.mem_upper = u32(ram > kHighMemoryStart ? (ram - kHighMemoryStart) / 1024 : 0);
  info.cmdline = plan.cmdline_addr;
  info.mods_count = u32(modules.size());
  info.mods_addr = plan.mods_addr;
  info.mmap_length = u32(plan.mmap.size() * sizeof(MultibootMmapEntry));
  info.mmap_addr = plan.mmap_addr;
  info.boot_loader_name = plan.loader_name_addr;
  memory.write(u32(plan.area.start), &info, sizeof info);
  memory.write(plan.mmap_addr, plan.mmap.data(), info.mmap_length);
  write_string(memory, plan.cmdline_addr, cmdline);
  write_string(memory, plan.loader_name_addr, kBootLoaderName);
  for (size_t i = 0; i < modules.size(); ++i) {
    MultibootModList entry{u32(homes[i].start), u32(homes[i].end), plan.module_string_addrs[i], 0};
    memory.write(u32(plan.mods_addr + i * sizeof entry), &entry, sizeof entry);
    write_string(memory, plan.module_string_addrs[i], modules[i].string);
  }
}

// An empty span may hold a null pointer, which memcpy must never see, even for 0 bytes.
void copy_in(PhysicalMemory& memory, u64 paddr, std::span<const u8> bytes) {
  if (!bytes.empty()) memory.write(u32(paddr), bytes.data(), u32(bytes.size()));
}

// Copy the checked kernel segments and modules into RAM.
void write_images(PhysicalMemory& memory, const KernelLayout& kernel,
                  const std::vector<MultibootModuleData>& modules,
                  const std::vector<Range>& homes) {
  for (const Placement& s : kernel.segments) {
    copy_in(memory, s.paddr, s.bytes);
    memory.fill(u32(s.paddr + s.bytes.size()), 0, u32(s.memsz - s.bytes.size()));
  }
  for (size_t i = 0; i < modules.size(); ++i)
    copy_in(memory, homes[i].start, modules[i].data);
}

// The whole file at `path`; `what` ("kernel", "module") names it in the error.
std::vector<u8> read_whole_file(const std::string& path, std::string_view what) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file)
    throw UserError(fmt::format("cannot open {} '{}': {}", what, path, std::strerror(errno)));
  std::vector<u8> bytes;
  std::vector<u8> chunk(1 << 16);
  while (size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get()))
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
  if (std::ferror(file.get()))
    throw UserError(fmt::format("cannot read {} '{}': {}", what, path, std::strerror(errno)));
  return bytes;
}

// A hint for the "no header" message: what the file looks like instead.
std::string what_file_is(std::span<const u8> file) {
  if (file.size() < 20 || file[0] != 0x7F || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
    return " (and it is not an ELF file)";
  u16 machine = u16(file[18] | (file[19] << 8));
  if (file[4] == ELFCLASS64) return machine == 62 ? " (it is a 64-bit ELF file for x86-64)" : " (it is a 64-bit ELF file)";
  if (machine != EM_386) return fmt::format(" (it is an ELF file for machine {}, not i386)", machine);
  return "";
}

}  // namespace

MultibootHeader find_multiboot_header(std::span<const u8> kernel, std::string_view kernel_name) {
  size_t window = std::min<size_t>(kernel.size(), kMultibootSearchLimit);
  std::optional<u32> bad_checksum_at;
  for (u32 offset = 0; offset + 12 <= window; offset += 4) {
    const u8* p = kernel.data() + offset;
    if (le32(p) != kMultibootHeaderMagic) continue;
    // The magic number may also occur by chance, so a bad checksum only matters when no
    // valid header follows.
    if (u32(le32(p) + le32(p + 4) + le32(p + 8)) != 0) {
      if (!bad_checksum_at) bad_checksum_at = offset;
      continue;
    }
    MultibootHeader header = decode_header(kernel, offset, kernel_name);
    check_required_flags(header, kernel_name);
    return header;
  }
  if (bad_checksum_at)
    fail(kernel_name, fmt::format("the Multiboot header at file offset {:#x} has a bad checksum "
                                  "(magic + flags + checksum must be 0); fix the kernel's "
                                  "Multiboot header", *bad_checksum_at));
  fail(kernel_name, fmt::format("not a Multiboot kernel: no Multiboot v1 header in the first 8 KiB{}; "
                                "vmlab boots Multiboot v1 ELF kernels for i386", what_file_is(kernel)));
}

MultibootImage load_multiboot(PhysicalMemory& memory, std::span<const u8> kernel,
                              std::string_view kernel_name, const std::string& cmdline,
                              const std::vector<MultibootModuleData>& modules) {
  MultibootHeader header = find_multiboot_header(kernel, kernel_name);
  KernelLayout layout = (header.flags & MULTIBOOT_AOUT_KLUDGE)
                            ? plan_aout_kludge(kernel, header, kernel_name)
                            : plan_elf(kernel, kernel_name);
  check_segments(layout.segments, memory.guest_size(), kernel_name);
  InfoPlan info = plan_info(memory.guest_size(), cmdline, modules);
  u64 kernel_end = 0;
  for (const Placement& s : layout.segments) {
    kernel_end = std::max(kernel_end, s.range().end);
    if (s.range().overlaps(info.area))
      fail(kernel_name, fmt::format("segment {} overlaps the Multiboot information area {}; "
                                    "link the kernel at 1 MiB (0x100000) or above",
                                    range_text(s.paddr, s.range().end),
                                    range_text(info.area.start, info.area.end)));
  }
  std::vector<Range> homes = place_modules(modules, kernel_end, info.area, memory.guest_size());
  write_images(memory, layout, modules, homes);
  write_info(memory, info, cmdline, modules, homes);
  return MultibootImage{layout.entry, kMultibootInfoBase, u32(layout.segments.front().paddr),
                        u32(kernel_end), std::move(layout.symbols)};
}

MultibootImage load_multiboot_file(PhysicalMemory& memory, const std::string& kernel_path,
                                   const std::string& cmdline,
                                   const std::vector<MultibootModule>& modules) {
  std::vector<u8> kernel = read_whole_file(kernel_path, "kernel");
  std::vector<MultibootModuleData> loaded;
  for (const MultibootModule& m : modules)
    loaded.push_back({m.string.empty() ? m.path : m.string, read_whole_file(m.path, "module")});
  return load_multiboot(memory, kernel, kernel_path, cmdline, loaded);
}

}  // namespace vmlab
