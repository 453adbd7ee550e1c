// A minimal ELF32 writer for kernels the toolchain will not produce on purpose: segments
// that overlap, a foreign e_machine, no Multiboot header. Each test writes exactly the
// defect it checks, and a well-formed kernel from the same writer proves that the writer
// itself is not the defect.
//
//   offset 0     Elf32_Ehdr (52 bytes)
//   offset 52    Elf32_Phdr[n] (32 bytes each), all PT_LOAD
//   then         each segment's bytes, 4-byte aligned, in order
#pragma once
#include <cstdint>
#include <vector>

namespace vmlab::test {

struct ElfSegment {
  uint32_t paddr;               // p_paddr and p_vaddr
  std::vector<uint8_t> bytes;   // p_filesz bytes
  uint32_t memsz;               // p_memsz; must be >= bytes.size()
};

struct ElfImage {
  uint16_t machine = 3;  // EM_386
  uint32_t entry = 0;
  std::vector<ElfSegment> segments;
};

// The file bytes of `image` as an ELFCLASS32, little-endian, ET_EXEC file.
std::vector<uint8_t> write_elf32(const ElfImage& image);

// A 12-byte Multiboot v1 header (magic, flags 0, checksum).
std::vector<uint8_t> multiboot_header();

// Code that writes `value` to port 0xF4 and halts: mov al, value; out 0xF4, al; cli; hlt.
std::vector<uint8_t> exit_port_code(uint8_t value);

}  // namespace vmlab::test
