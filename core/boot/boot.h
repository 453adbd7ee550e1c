// Starting a Multiboot kernel on a Machine: load it, then put the CPU in the state the
// Multiboot v1 spec promises (section 3.2): 32-bit protected mode, paging off, flat
// CS/DS/ES/FS/GS/SS, A20 on, IF clear, EAX = 0x2BADB002, EBX = the information structure.
#pragma once
#include <string>
#include <vector>

#include "core/boot/multiboot.h"

namespace vmlab {

class Machine;

MultibootImage boot_multiboot(Machine& machine, const std::string& kernel_path, const std::string& cmdline,
                              const std::vector<MultibootModule>& modules);

}  // namespace vmlab
