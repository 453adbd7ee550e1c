// Reader for 32-bit little-endian i386 ELF executables, the format of Multiboot kernels.
//
// The whole file is parsed from memory, and every offset and size it contains is checked
// against the file's length before anything is read: a truncated or hostile file ends in
// a UserError naming the file, never an out-of-bounds read. The structures carry the
// names of the System V ABI / TIS ELF specification so the code reads alongside it.
//
//   file offset
//   0         +----------------------+
//             | Elf32_Ehdr (52 B)    |  e_phoff, e_shoff locate the two tables
//   e_phoff   +----------------------+
//             | Elf32_Phdr[e_phnum]  |  what to load where (PT_LOAD segments)
//             +----------------------+
//             | segment data ...     |  p_offset .. p_offset + p_filesz
//             | .symtab, .strtab ... |  only found through the section headers
//   e_shoff   +----------------------+
//             | Elf32_Shdr[e_shnum]  |  optional for loading; read for symbols
//             +----------------------+
//
// A segment occupies p_memsz bytes in memory; the first p_filesz come from the file and
// the rest (.bss) is zero.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace vmlab {

// e_ident[] indices and the values we accept.
constexpr unsigned EI_MAG0 = 0;      // 0x7F 'E' 'L' 'F'
constexpr unsigned EI_CLASS = 4;
constexpr unsigned EI_DATA = 5;
constexpr unsigned EI_NIDENT = 16;
constexpr u8 ELFCLASS32 = 1;
constexpr u8 ELFCLASS64 = 2;
constexpr u8 ELFDATA2LSB = 1;        // little-endian

constexpr u16 ET_EXEC = 2;           // e_type: fixed-address executable
constexpr u16 EM_386 = 3;            // e_machine: Intel 80386
constexpr u32 PT_LOAD = 1;           // p_type: loadable segment
constexpr u32 SHT_SYMTAB = 2;        // sh_type: symbol table
constexpr u32 SHT_STRTAB = 3;        // sh_type: string table
constexpr u16 SHN_UNDEF = 0;         // st_shndx: symbol defined elsewhere
constexpr u16 SHN_ABS = 0xFFF1;      // st_shndx: a constant, not an address
constexpr u8 STT_SECTION = 3;        // ELF32_ST_TYPE(st_info): names a section
constexpr u8 STT_FILE = 4;           // ELF32_ST_TYPE(st_info): names a source file

// On-disk sizes; e_phentsize / e_shentsize / sh_entsize must match them.
constexpr u32 kElf32EhdrSize = 52;
constexpr u32 kElf32PhdrSize = 32;
constexpr u32 kElf32ShdrSize = 40;
constexpr u32 kElf32SymSize = 16;

// ELF file header. Decoded field by field, so the in-memory layout does not matter.
struct Elf32_Ehdr {
  u8 e_ident[EI_NIDENT];
  u16 e_type;
  u16 e_machine;
  u32 e_version;
  u32 e_entry;      // virtual address of the first instruction
  u32 e_phoff;      // file offset of the program header table
  u32 e_shoff;      // file offset of the section header table (0: none)
  u32 e_flags;
  u16 e_ehsize;
  u16 e_phentsize;
  u16 e_phnum;
  u16 e_shentsize;
  u16 e_shnum;
  u16 e_shstrndx;
};

// Program header: one segment of the memory image.
struct Elf32_Phdr {
  u32 p_type;
  u32 p_offset;     // where the segment's bytes start in the file
  u32 p_vaddr;      // where the program expects them (linear address)
  u32 p_paddr;      // where a loader without paging puts them (Multiboot uses this)
  u32 p_filesz;
  u32 p_memsz;
  u32 p_flags;      // PF_X 1, PF_W 2, PF_R 4
  u32 p_align;
};

// Section header: only the fields the symbol reader needs are interpreted.
struct Elf32_Shdr {
  u32 sh_name;
  u32 sh_type;
  u32 sh_flags;
  u32 sh_addr;
  u32 sh_offset;
  u32 sh_size;
  u32 sh_link;      // for SHT_SYMTAB: index of its string table
  u32 sh_info;
  u32 sh_addralign;
  u32 sh_entsize;
};

// A named address from .symtab, for showing labels in disassembly.
struct ElfSymbol {
  std::string name;
  u32 value;        // st_value: the symbol's (virtual) address
  u32 size;         // st_size: 0 when the assembler did not record one
};

// "name" or "name+0x1c" for the symbol that `address` falls in (the last one at or
// below it, within its size when it has one), or "" when there is none. `symbols` sorted
// by value, as Elf32File holds them.
std::string symbolize(const std::vector<ElfSymbol>& symbols, u32 address);

// A parsed, validated executable. Every PT_LOAD entry of program_headers has
// p_filesz <= p_memsz and its file bytes lie inside the file.
struct Elf32File {
  Elf32_Ehdr header;
  std::vector<Elf32_Phdr> program_headers;
  std::vector<ElfSymbol> symbols;   // sorted by value; empty when stripped
};

// Parse and validate `file` as an i386 ET_EXEC ELF. `file_name` only appears in error
// messages. Throws UserError (one line naming the file) for anything that is not a
// well-formed 32-bit little-endian i386 executable.
Elf32File parse_elf32(std::span<const u8> file, std::string_view file_name);

// The bytes of segment `phdr` present in `file` (p_filesz of them). `phdr` must come from
// parse_elf32 on the same file, which guarantees the range is inside it.
std::span<const u8> elf32_segment_data(std::span<const u8> file, const Elf32_Phdr& phdr);

}  // namespace vmlab
