#include "core/boot/elf32.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

namespace vmlab {

namespace {

// ELF fields are little-endian on i386 whatever the host is, so decode byte by byte.
u16 le16(const u8* p) { return static_cast<u16>(p[0] | (p[1] << 8)); }
u32 le32(const u8* p) {
  return u32(p[0]) | (u32(p[1]) << 8) | (u32(p[2]) << 16) | (u32(p[3]) << 24);
}

// True when [offset, offset + size) lies inside the file. Computed in 64 bits so that
// a hostile offset near 4 GiB cannot wrap around to a small number.
bool in_file(std::span<const u8> file, u64 offset, u64 size) {
  return offset <= file.size() && size <= file.size() - offset;
}

[[noreturn]] void fail(std::string_view file_name, const std::string& what) {
  throw UserError(fmt::format("'{}' {}", file_name, what));
}

// Reject anything that is not a 32-bit little-endian ELF before reading further:
// those three bytes decide how every later field must be decoded.
void check_ident(std::span<const u8> file, std::string_view name) {
  static constexpr u8 kMagic[4] = {0x7F, 'E', 'L', 'F'};
  if (file.size() < EI_NIDENT || std::memcmp(file.data() + EI_MAG0, kMagic, 4) != 0)
    fail(name, "is not an ELF file (bad magic); vmlab boots 32-bit i386 ELF kernels");
  if (file[EI_CLASS] != ELFCLASS32)
    fail(name, fmt::format("is not a 32-bit ELF file (EI_CLASS {}{}, need ELFCLASS32); "
                           "build the kernel for i386 (gcc -m32, ld -m elf_i386)",
                           file[EI_CLASS], file[EI_CLASS] == ELFCLASS64 ? " = ELFCLASS64" : ""));
  if (file[EI_DATA] != ELFDATA2LSB)
    fail(name, "is not a little-endian ELF file (EI_DATA is not ELFDATA2LSB); "
               "build the kernel for i386");
  if (file.size() < kElf32EhdrSize)
    fail(name, fmt::format("is truncated: the ELF header needs {} bytes but the file has {}",
                           kElf32EhdrSize, file.size()));
}

Elf32_Ehdr decode_ehdr(const u8* p) {
  Elf32_Ehdr h;
  std::memcpy(h.e_ident, p, EI_NIDENT);
  h.e_type = le16(p + 16);
  h.e_machine = le16(p + 18);
  h.e_version = le32(p + 20);
  h.e_entry = le32(p + 24);
  h.e_phoff = le32(p + 28);
  h.e_shoff = le32(p + 32);
  h.e_flags = le32(p + 36);
  h.e_ehsize = le16(p + 40);
  h.e_phentsize = le16(p + 42);
  h.e_phnum = le16(p + 44);
  h.e_shentsize = le16(p + 46);
  h.e_shnum = le16(p + 48);
  h.e_shstrndx = le16(p + 50);
  return h;
}

void check_ehdr(const Elf32_Ehdr& h, std::string_view name) {
  if (h.e_type != ET_EXEC)
    fail(name, fmt::format("is not an ELF executable (e_type {}, need ET_EXEC = 2); link it as "
                           "a fixed-address executable, not an object file or PIE",
                           h.e_type));
  if (h.e_machine != EM_386)
    fail(name, fmt::format("is not for i386 (e_machine {}, need EM_386 = 3); "
                           "build the kernel for i386 (gcc -m32, ld -m elf_i386)",
                           h.e_machine));
}

Elf32_Phdr decode_phdr(const u8* p) {
  return Elf32_Phdr{le32(p), le32(p + 4), le32(p + 8), le32(p + 12),
                    le32(p + 16), le32(p + 20), le32(p + 24), le32(p + 28)};
}

// Read every program header; PT_LOAD entries must describe bytes inside the file.
std::vector<Elf32_Phdr> read_program_headers(std::span<const u8> file, const Elf32_Ehdr& h,
                                             std::string_view name) {
  if (h.e_phnum == 0) return {};
  if (h.e_phentsize != kElf32PhdrSize)
    fail(name, fmt::format("is corrupt: e_phentsize is {} but an Elf32_Phdr is {} bytes",
                           h.e_phentsize, kElf32PhdrSize));
  if (!in_file(file, h.e_phoff, u64(h.e_phnum) * kElf32PhdrSize))
    fail(name, fmt::format("is truncated or corrupt: its program header table (offset {:#x}, "
                           "{} entries) runs past the end of the file ({} bytes)",
                           h.e_phoff, h.e_phnum, file.size()));
  std::vector<Elf32_Phdr> phdrs;
  for (u32 i = 0; i < h.e_phnum; ++i) {
    Elf32_Phdr ph = decode_phdr(file.data() + h.e_phoff + i * kElf32PhdrSize);
    if (ph.p_type == PT_LOAD && ph.p_filesz > ph.p_memsz)
      fail(name, fmt::format("is corrupt: segment {} has p_filesz {:#x} larger than "
                             "p_memsz {:#x}", i, ph.p_filesz, ph.p_memsz));
    // A segment with no file bytes (pure .bss) may carry any p_offset.
    if (ph.p_type == PT_LOAD && ph.p_filesz != 0 && !in_file(file, ph.p_offset, ph.p_filesz))
      fail(name, fmt::format("is truncated or corrupt: segment {} (offset {:#x}, {:#x} bytes) "
                             "runs past the end of the file ({} bytes)",
                             i, ph.p_offset, ph.p_filesz, file.size()));
    phdrs.push_back(ph);
  }
  return phdrs;
}

Elf32_Shdr decode_shdr(const u8* p) {
  return Elf32_Shdr{le32(p), le32(p + 4), le32(p + 8), le32(p + 12), le32(p + 16),
                    le32(p + 20), le32(p + 24), le32(p + 28), le32(p + 32), le32(p + 36)};
}

// Read the section header table, or nothing when the file has none. Loading does not
// need sections, but a table that points outside the file means the file is damaged.
std::vector<Elf32_Shdr> read_section_headers(std::span<const u8> file, const Elf32_Ehdr& h,
                                             std::string_view name) {
  if (h.e_shoff == 0 || h.e_shnum == 0) return {};
  if (h.e_shentsize != kElf32ShdrSize)
    fail(name, fmt::format("is corrupt: e_shentsize is {} but an Elf32_Shdr is {} bytes",
                           h.e_shentsize, kElf32ShdrSize));
  if (!in_file(file, h.e_shoff, u64(h.e_shnum) * kElf32ShdrSize))
    fail(name, fmt::format("is truncated or corrupt: its section header table (offset {:#x}, "
                           "{} entries) runs past the end of the file ({} bytes)",
                           h.e_shoff, h.e_shnum, file.size()));
  std::vector<Elf32_Shdr> shdrs;
  for (u32 i = 0; i < h.e_shnum; ++i)
    shdrs.push_back(decode_shdr(file.data() + h.e_shoff + i * kElf32ShdrSize));
  return shdrs;
}

// The bytes of section `sh`, which must lie inside the file.
std::span<const u8> section_bytes(std::span<const u8> file, const Elf32_Shdr& sh,
                                  std::string_view what, std::string_view name) {
  if (!in_file(file, sh.sh_offset, sh.sh_size))
    fail(name, fmt::format("is truncated or corrupt: its {} (offset {:#x}, {:#x} bytes) runs "
                           "past the end of the file ({} bytes)",
                           what, sh.sh_offset, sh.sh_size, file.size()));
  return file.subspan(sh.sh_offset, sh.sh_size);
}

// The NUL-terminated string at `offset` in a string table; it must end inside the table.
std::string string_at(std::span<const u8> strtab, u32 offset, std::string_view name) {
  const u8* begin = strtab.data() + std::min<size_t>(offset, strtab.size());
  const u8* end = std::find(begin, strtab.data() + strtab.size(), u8{0});
  if (offset >= strtab.size() || end == strtab.data() + strtab.size())
    fail(name, fmt::format("is corrupt: a symbol name (string table offset {:#x}) runs past "
                           "the end of .strtab ({:#x} bytes)", offset, strtab.size()));
  return std::string(reinterpret_cast<const char*>(begin), end - begin);
}

// Collect the named, defined code and data symbols of the first SHT_SYMTAB section.
// Section and file symbols are dropped, and so are absolute ones (assembler constants
// such as a selector value of 8): shown in a disassembly they would label the wrong
// addresses.
std::vector<ElfSymbol> read_symbols(std::span<const u8> file,
                                    const std::vector<Elf32_Shdr>& shdrs, std::string_view name) {
  auto symtab = std::find_if(shdrs.begin(), shdrs.end(),
                             [](const Elf32_Shdr& sh) { return sh.sh_type == SHT_SYMTAB; });
  if (symtab == shdrs.end()) return {};
  if (symtab->sh_entsize != kElf32SymSize || symtab->sh_link >= shdrs.size() ||
      shdrs[symtab->sh_link].sh_type != SHT_STRTAB)
    fail(name, "is corrupt: its .symtab has a bad entry size or no linked .strtab");
  std::span<const u8> syms = section_bytes(file, *symtab, ".symtab", name);
  std::span<const u8> strtab = section_bytes(file, shdrs[symtab->sh_link], ".strtab", name);

  std::vector<ElfSymbol> symbols;
  // Entry 0 is the reserved null symbol.
  for (size_t off = kElf32SymSize; off + kElf32SymSize <= syms.size(); off += kElf32SymSize) {
    const u8* p = syms.data() + off;   // st_name, st_value, st_size, st_info, st_other, st_shndx
    u8 type = p[12] & 0xF;             // ELF32_ST_TYPE(st_info)
    u16 shndx = le16(p + 14);
    if (shndx == SHN_UNDEF || shndx == SHN_ABS || type == STT_SECTION || type == STT_FILE) continue;
    std::string sym_name = string_at(strtab, le32(p), name);
    if (!sym_name.empty()) symbols.push_back({std::move(sym_name), le32(p + 4), le32(p + 8)});
  }
  std::sort(symbols.begin(), symbols.end(), [](const ElfSymbol& a, const ElfSymbol& b) {
    return a.value != b.value ? a.value < b.value : a.name < b.name;
  });
  return symbols;
}

}  // namespace

Elf32File parse_elf32(std::span<const u8> file, std::string_view file_name) {
  check_ident(file, file_name);
  Elf32File elf;
  elf.header = decode_ehdr(file.data());
  check_ehdr(elf.header, file_name);
  elf.program_headers = read_program_headers(file, elf.header, file_name);
  elf.symbols = read_symbols(file, read_section_headers(file, elf.header, file_name), file_name);
  return elf;
}

std::string symbolize(const std::vector<ElfSymbol>& symbols, u32 address) {
  auto after = std::upper_bound(symbols.begin(), symbols.end(), address,
                                [](u32 a, const ElfSymbol& s) { return a < s.value; });
  if (after == symbols.begin()) return "";
  const ElfSymbol& s = *std::prev(after);
  if (s.size && address - s.value >= s.size) return "";
  return address == s.value ? s.name : fmt::format("{}+{:#x}", s.name, address - s.value);
}

std::span<const u8> elf32_segment_data(std::span<const u8> file, const Elf32_Phdr& phdr) {
  if (phdr.p_filesz == 0) return {};   // p_offset of an all-.bss segment may be anything
  return file.subspan(phdr.p_offset, phdr.p_filesz);
}

}  // namespace vmlab
