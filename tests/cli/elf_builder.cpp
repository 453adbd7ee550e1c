#include "tests/cli/elf_builder.h"

namespace vmlab::test {
namespace {

constexpr uint32_t kEhdrSize = 52;
constexpr uint32_t kPhdrSize = 32;

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(uint8_t(v));
  out.push_back(uint8_t(v >> 8));
}

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(uint8_t(v >> shift));
}

uint32_t align4(uint32_t v) { return (v + 3) & ~3u; }

void write_ehdr(std::vector<uint8_t>& out, const ElfImage& image) {
  const uint8_t ident[16] = {0x7F, 'E', 'L', 'F', 1 /* ELFCLASS32 */, 1 /* ELFDATA2LSB */,
                             1 /* EV_CURRENT */};
  for (uint8_t b : ident) out.push_back(b);
  put16(out, 2);  // e_type ET_EXEC
  put16(out, image.machine);
  put32(out, 1);  // e_version
  put32(out, image.entry);
  put32(out, kEhdrSize);  // e_phoff: the table follows the header
  put32(out, 0);          // e_shoff: no sections
  put32(out, 0);          // e_flags
  put16(out, kEhdrSize);
  put16(out, kPhdrSize);
  put16(out, uint16_t(image.segments.size()));
  put16(out, 40);  // e_shentsize
  put16(out, 0);   // e_shnum
  put16(out, 0);   // e_shstrndx
}

}  // namespace

std::vector<uint8_t> write_elf32(const ElfImage& image) {
  std::vector<uint8_t> out;
  write_ehdr(out, image);
  uint32_t offset = kEhdrSize + kPhdrSize * uint32_t(image.segments.size());
  for (const ElfSegment& s : image.segments) {
    offset = align4(offset);
    put32(out, 1);  // p_type PT_LOAD
    put32(out, offset);
    put32(out, s.paddr);  // p_vaddr
    put32(out, s.paddr);  // p_paddr
    put32(out, uint32_t(s.bytes.size()));
    put32(out, s.memsz);
    put32(out, 7);  // p_flags RWX
    put32(out, 4);  // p_align
    offset += uint32_t(s.bytes.size());
  }
  for (const ElfSegment& s : image.segments) {
    out.resize(align4(uint32_t(out.size())), 0);
    out.insert(out.end(), s.bytes.begin(), s.bytes.end());
  }
  return out;
}

std::vector<uint8_t> multiboot_header() {
  const uint32_t magic = 0x1BADB002, flags = 0;
  std::vector<uint8_t> out;
  put32(out, magic);
  put32(out, flags);
  put32(out, uint32_t(0 - (magic + flags)));
  return out;
}

std::vector<uint8_t> exit_port_code(uint8_t value) {
  return {0xB0, value,  // mov al, value
          0xE6, 0xF4,   // out 0xF4, al
          0xFA, 0xF4};  // cli; hlt
}

}  // namespace vmlab::test
