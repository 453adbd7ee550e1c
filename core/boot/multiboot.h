// Multiboot v1 loader: puts a kernel, its modules and the boot information into RAM the
// way a Multiboot 0.6.96 boot loader (GRUB legacy, QEMU -kernel) does.
//
// The kernel announces itself with a header in its first 8 KiB:
//
//   offset  field           present when
//   0       magic           always: 0x1BADB002, 4-byte aligned in the file
//   4       flags           always: bits 0-15 required, 16-31 optional
//   8       checksum        always: magic + flags + checksum == 0 (mod 2^32)
//   12      header_addr     flags bit 16 (a.out kludge): where `magic` ends up in memory
//   16      load_addr       flags bit 16: physical start of the image (text)
//   20      load_end_addr   flags bit 16: end of file bytes to load (0: up to end of file)
//   24      bss_end_addr    flags bit 16: end of zeroed .bss (0: no .bss)
//   28      entry_addr      flags bit 16: physical entry point
//   32..44  mode_type, width, height, depth   flags bit 2 (refused: no graphics modes)
//
// Without bit 16 the kernel must be an ELF executable: PT_LOAD segments go to p_paddr.
//
// Physical memory after loading:
//
//   0x00000000  +--------------------------+
//               | (unused, zero)           |
//   0x00009000  +--------------------------+  kMultibootInfoBase
//               | MultibootInfo   (88 B)   |  <- EBX
//               | memory map entries       |  <- mmap_addr, 24 B each (size field first)
//               | MultibootModList[n]      |  <- mods_addr, 16 B each
//               | cmdline, boot_loader_name|
//               | and module strings (NUL) |
//               +--------------------------+  must stay below 0x9FC00
//   0x0009FC00  | EBDA, VGA, BIOS: reserved|
//   0x00100000  +--------------------------+  kernel segments (usually linked here)
//               | kernel .text .data .bss  |
//   kernel_end  +--------------------------+  rounded up to 4 KiB
//               | module 0, module 1, ...  |  each page-aligned, in command-line order
//               +--------------------------+
//               | free                     |
//   RAM size    +--------------------------+
//
// MultibootInfo (spec section 3.3); flags says which fields are valid:
//
//   offset  field             flags bit   vmlab fills it with
//   0       flags             -           0x24D: bits 0, 2, 3, 6, 9
//   4       mem_lower         0           KiB of RAM below 640 KiB: 639
//   8       mem_upper         0           KiB of RAM above 1 MiB
//   12      boot_device       1           (not set: there is no BIOS disk)
//   16      cmdline           2           address of the --append text ("" when none)
//   20      mods_count        3           number of --initrd modules
//   24      mods_addr         3           address of MultibootModList[mods_count]
//   28..40  syms              4 or 5      (not set)
//   44      mmap_length       6           bytes of memory map
//   48      mmap_addr         6           address of the first entry's size field
//   52..60  drives, config    7, 8        (not set)
//   64      boot_loader_name  9           "vmlab <version>"
//   68..86  apm, vbe          10, 11      (not set)
//
// The caller starts the CPU in 32-bit protected mode with EAX = kMultibootBootloaderMagic
// and EBX = MultibootImage::info_address at MultibootImage::entry; this file never
// touches the CPU.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/boot/elf32.h"
#include "core/physical_memory.h"
#include "core/types.h"

namespace vmlab {

constexpr u32 kMultibootHeaderMagic = 0x1BADB002;      // in the kernel image
constexpr u32 kMultibootBootloaderMagic = 0x2BADB002;  // in EAX at the kernel's entry
constexpr u32 kMultibootSearchLimit = 8192;            // the header lives in these bytes
constexpr u32 kMultibootInfoBase = 0x9000;             // where the info area starts
constexpr u32 kLowMemoryEnd = 0x9FC00;                 // start of the EBDA
constexpr u32 kHighMemoryStart = 0x100000;             // 1 MiB

// Multiboot header flags.
constexpr u32 MULTIBOOT_PAGE_ALIGN = 1u << 0;    // modules on 4 KiB boundaries
constexpr u32 MULTIBOOT_MEMORY_INFO = 1u << 1;   // mem_lower/upper and the memory map
constexpr u32 MULTIBOOT_VIDEO_MODE = 1u << 2;    // video mode table fields
constexpr u32 MULTIBOOT_AOUT_KLUDGE = 1u << 16;  // use header_addr..entry_addr

// MultibootInfo::flags bits.
constexpr u32 MULTIBOOT_INFO_MEMORY = 1u << 0;
constexpr u32 MULTIBOOT_INFO_CMDLINE = 1u << 2;
constexpr u32 MULTIBOOT_INFO_MODS = 1u << 3;
constexpr u32 MULTIBOOT_INFO_MEM_MAP = 1u << 6;
constexpr u32 MULTIBOOT_INFO_BOOT_LOADER_NAME = 1u << 9;

// Memory map entry types.
constexpr u32 MULTIBOOT_MEMORY_AVAILABLE = 1;
constexpr u32 MULTIBOOT_MEMORY_RESERVED = 2;

// The header as found in the kernel file. The a.out kludge fields are valid only when
// flags has MULTIBOOT_AOUT_KLUDGE; file_offset is where `magic` sits in the file.
struct MultibootHeader {
  u32 file_offset;
  u32 magic, flags, checksum;
  u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

// The structures the kernel reads, laid out byte for byte as in guest memory (the host
// is little-endian x86, like the guest).
struct MultibootInfo {
  u32 flags;
  u32 mem_lower, mem_upper;
  u32 boot_device;
  u32 cmdline;
  u32 mods_count, mods_addr;
  u32 syms[4];
  u32 mmap_length, mmap_addr;
  u32 drives_length, drives_addr;
  u32 config_table;
  u32 boot_loader_name;
  u32 apm_table;
  u32 vbe_control_info, vbe_mode_info;
  u16 vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
};
static_assert(sizeof(MultibootInfo) == 88);

struct MultibootModList {
  u32 mod_start;   // first byte of the module
  u32 mod_end;     // one past its last byte
  u32 cmdline;     // address of its NUL-terminated string
  u32 pad;         // reserved, 0
};
static_assert(sizeof(MultibootModList) == 16);

// `size` counts the bytes after itself (20), so a kernel steps by size + 4.
struct [[gnu::packed]] MultibootMmapEntry {
  u32 size;
  u64 base_addr;
  u64 length;
  u32 type;
};
static_assert(sizeof(MultibootMmapEntry) == 24);

// A module named on the command line. The kernel sees `string`, or the path when the
// string is empty (as GRUB's "module" command passes the file name).
struct MultibootModule {
  std::string path;
  std::string string;
};

// A module already read into memory.
struct MultibootModuleData {
  std::string string;   // what the kernel sees as the module's string
  std::vector<u8> data;
};

// What the caller needs to start the kernel, and what debuggers may show.
struct MultibootImage {
  u32 entry;                        // physical address to jump to
  u32 info_address;                 // for EBX
  u32 kernel_start;                 // lowest kernel byte
  u32 kernel_end;                   // one past the highest kernel byte (.bss included)
  std::vector<ElfSymbol> symbols;   // .symtab (link-time addresses); empty if stripped or non-ELF
};

// Find the first valid header in the first 8 KiB of `kernel`. Throws UserError when
// there is none, when the only candidate has a bad checksum, or when the header asks
// for something vmlab cannot honour (a video mode, unknown required flags).
MultibootHeader find_multiboot_header(std::span<const u8> kernel, std::string_view kernel_name);

// Load `kernel` and `modules` into `memory` and write the boot information for
// `cmdline`. Everything is validated before the first byte is written, so on
// UserError memory is unchanged. `kernel_name` appears in error messages.
MultibootImage load_multiboot(PhysicalMemory& memory, std::span<const u8> kernel,
                              std::string_view kernel_name, const std::string& cmdline,
                              const std::vector<MultibootModuleData>& modules);

// Read the kernel and module files, then load_multiboot(). A file that cannot be read
// gives a UserError naming it and the system's reason.
MultibootImage load_multiboot_file(PhysicalMemory& memory, const std::string& kernel_path,
                                   const std::string& cmdline,
                                   const std::vector<MultibootModule>& modules);

}  // namespace vmlab
