#include "devices/ide.h"

#include <stdexcept>

#include "devices/disk_image.h"

namespace vmlab {

using namespace ata;

IdeChannel::IdeChannel(Counters& counters, IrqLine irq, DiskImage* master, DiskImage* slave)
    : m_irq(irq) {
  if (slave && !master) throw std::invalid_argument("IDE slave drive without a master");
  if (master) m_drives[0].emplace(*master, counters, "ide0", "VMLAB-IDE-0");
  if (slave) m_drives[1].emplace(*slave, counters, "ide1", "VMLAB-IDE-1");
  // The drives start in their power-on state and the line low; the constructor does not
  // call the sink, which may not be wired yet.
}

void IdeChannel::attach(Bus& bus) {
  bus.map_ports(kCommandBlockBase, 8, "ide", [this](IoAccess& a) { io_command_block(a); });
  bus.map_ports(kControlBlockPort, 1, "ide", [this](IoAccess& a) { io_control_block(a); });
}

void IdeChannel::reset() {
  for (auto& drive : m_drives) {
    if (drive) drive->power_on_reset();
  }
  m_selected = 0;
  m_device_control = 0;
  m_irq_level = false;
  m_irq.lower();
}

AtaDrive* IdeChannel::selected() {
  return m_drives[m_selected] ? &*m_drives[m_selected] : nullptr;
}

// IRQ14 follows the selected device's pending interrupt; nIEN or an absent device leaves
// the line undriven (low). Only changes reach the interrupt controller.
void IdeChannel::update_irq() {
  AtaDrive* drive = selected();
  bool level = !(m_device_control & DEVCTL_nIEN) && drive && drive->interrupt_pending();
  if (level == m_irq_level) return;
  m_irq_level = level;
  m_irq.set(level);
}

void IdeChannel::io_command_block(IoAccess& a) {
  unsigned first = a.addr - kCommandBlockBase;
  if (first == REG_DATA) {
    if (a.is_write)
      write_data(a.data, a.size);
    else
      a.data = read_data(a.size);
  } else {
    // A byte register: a wide access is byte accesses to consecutive ports.
    u32 value = 0;
    for (unsigned i = 0; i < a.size; ++i) {
      unsigned reg = first + i;
      u8 byte = static_cast<u8>(a.data >> (8 * i));
      if (a.is_write) {
        if (reg <= REG_COMMAND) write_register(reg, byte);
      } else {
        value |= u32(reg <= REG_STATUS ? read_register(reg) : 0xFF) << (8 * i);
      }
    }
    if (!a.is_write) a.data = value;
  }
  update_irq();
}

void IdeChannel::io_control_block(IoAccess& a) {
  if (a.is_write) {
    write_device_control(static_cast<u8>(a.data));
  } else {
    // Alternate Status: the status without acknowledging the interrupt. Bytes beyond
    // 3F6h belong to other devices: open bus.
    AtaDrive* drive = selected();
    a.data = 0xFFFFFF00u | (drive ? drive->status() : 0x00);
  }
  update_irq();
}

u32 IdeChannel::read_data(u8 size) {
  AtaDrive* drive = selected();
  if (!drive) return 0xFFFFFFFF;
  u32 value = drive->read_data();
  if (size == 4) value |= u32(drive->read_data()) << 16;
  return value;
}

void IdeChannel::write_data(u32 value, u8 size) {
  AtaDrive* drive = selected();
  if (!drive) return;
  drive->write_data(static_cast<u16>(size == 1 ? value & 0xFF : value));
  if (size == 4) drive->write_data(static_cast<u16>(value >> 16));
}

// Registers 1-7; Status reads acknowledge the selected device's interrupt. With the
// selected device absent, device 0 answers for the other registers if it exists.
u8 IdeChannel::read_register(unsigned reg) {
  AtaDrive* drive = selected();
  if (reg == REG_STATUS) return drive ? drive->read_status() : 0x00;
  if (!drive && m_drives[0]) drive = &*m_drives[0];
  return drive ? drive->read_register(reg) : 0x00;
}

void IdeChannel::write_register(unsigned reg, u8 value) {
  if (reg == REG_COMMAND) return write_command(value);
  for (auto& drive : m_drives) {
    if (drive) drive->write_register(reg, value);
  }
  if (reg == REG_DEVICE && !(m_device_control & DEVCTL_SRST))
    m_selected = (value & DEVICE_DEV) ? 1 : 0;
}

// Writing Command withdraws a pending interrupt before the command runs, so a command
// that completes at once still gives the interrupt controller a fresh edge.
void IdeChannel::write_command(u8 command) {
  if (m_device_control & DEVCTL_SRST) return;
  if (command == CMD_EXECUTE_DEVICE_DIAGNOSTIC) {
    for (auto& drive : m_drives) {
      if (drive) drive->acknowledge_interrupt();
    }
    update_irq();
    return execute_device_diagnostic();
  }
  AtaDrive* drive = selected();
  if (!drive) return;
  drive->acknowledge_interrupt();
  update_irq();
  drive->write_command(command);
}

// Both devices run the diagnostic; device 0 reports for the pair (01h: both passed or
// device 1 absent; emulated devices never fail) and raises the interrupt. The
// signature's Device register is 00h, so device 0 is selected afterwards.
void IdeChannel::execute_device_diagnostic() {
  if (m_drives[1]) m_drives[1]->execute_device_diagnostic(DIAG_PASSED, false);
  if (m_drives[0]) m_drives[0]->execute_device_diagnostic(DIAG_PASSED, true);
  m_selected = 0;
}

// SRST: setting it puts both devices in reset (BSY); clearing it lets them finish the
// reset protocol, posting the signature and diagnostic codes. No interrupt follows a
// software reset. nIEN takes effect at once.
void IdeChannel::write_device_control(u8 value) {
  bool was_reset = m_device_control & DEVCTL_SRST;
  bool in_reset = value & DEVCTL_SRST;
  m_device_control = value;
  if (!was_reset && in_reset) {
    for (auto& drive : m_drives) {
      if (drive) drive->begin_software_reset();
    }
  } else if (was_reset && !in_reset) {
    for (auto& drive : m_drives) {
      if (drive) drive->finish_software_reset(DIAG_PASSED);
    }
    m_selected = 0;
  }
}

}  // namespace vmlab
