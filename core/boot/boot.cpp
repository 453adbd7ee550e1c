#include "core/boot/boot.h"

#include "core/machine.h"

namespace vmlab {

MultibootImage boot_multiboot(Machine& machine, const std::string& kernel_path, const std::string& cmdline,
                              const std::vector<MultibootModule>& modules) {
  MultibootImage image = load_multiboot_file(machine.memory(), kernel_path, cmdline, modules);
  Cpu& cpu = machine.cpu();
  cpu.reset();
  cpu.set_a20(true);
  cpu.enter_flat_protected_mode();
  cpu.set_reg(EAX, kMultibootBootloaderMagic);
  cpu.set_reg(EBX, image.info_address);
  cpu.set_eip(image.entry);
  return image;
}

}  // namespace vmlab
