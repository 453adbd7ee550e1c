#include "devices/pc_platform.h"

#include <fmt/format.h>

#include "core/bus.h"
#include "core/counters.h"
#include "core/error.h"
#include "core/events.h"
#include "core/physical_memory.h"
#include "core/virtual_clock.h"
#include "devices/disk_image.h"
#include "devices/firmware/bios.h"
#include "devices/firmware/mp_table.h"
#include "devices/firmware/rom_image.h"
#include "devices/i8042.h"
#include "devices/ide.h"
#include "devices/imcr.h"
#include "devices/ioapic.h"
#include "devices/local_apic.h"
#include "devices/local_apic_regs.h"
#include "devices/pci.h"
#include "devices/pci_host_bridge.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/system_ports.h"
#include "devices/uart16550.h"
#include "devices/vga_text.h"

namespace vmlab {

// What the CPU's INTR pin sees. In PIC mode (IMCR = 0, the state after reset) the 8259's
// INTR goes straight to the CPU; in symmetric I/O mode it reaches the local APIC's LINT0,
// which passes it on as ExtINT when LINT0 is programmed so (or when the APIC is off).
// Interrupts the local APIC accepted itself (I/O APIC, LAPIC timer, IPIs) come first.
class PcPlatform::Fabric : public InterruptController {
 public:
  Fabric(PicPair& pic, LocalApic& lapic, Imcr& imcr) : m_pic(pic), m_lapic(lapic), m_imcr(imcr) {}

  bool intr_pending() const override {
    return lapic_has_interrupt() || (pic_reaches_cpu() && m_pic.intr_pending());
  }
  u8 intr_acknowledge() override {
    if (lapic_has_interrupt()) return m_lapic.intr_acknowledge();
    return m_pic.intr_acknowledge();
  }

 private:
  bool lapic_active() const { return m_lapic.enabled() && m_lapic.software_enabled(); }
  bool lapic_has_interrupt() const { return lapic_active() && m_lapic.intr_pending(); }
  bool pic_reaches_cpu() const {
    if (!m_imcr.apic_mode() || !lapic_active()) return true;
    u32 lint0 = m_lapic.lvt(LVT_LINT0);
    bool extint = ((lint0 & LVT_DELIVERY_MODE) >> LVT_DELIVERY_MODE_SHIFT) == u32(DeliveryMode::ExtInt);
    return extint && !(lint0 & LVT_MASK);
  }

  PicPair& m_pic;
  LocalApic& m_lapic;
  Imcr& m_imcr;
};

PcPlatform::PcPlatform(Bus& bus, PhysicalMemory& memory, Cpu& cpu, Counters& counters, EventStream& events,
                       VirtualClock& clock, EventQueue& timers, const PlatformConfig& config)
    : m_bus(bus), m_cpu(cpu), m_counters(counters), m_events(events) {
  if (config.disks.size() > 2)
    throw UserError(fmt::format("{} disks given, but the primary IDE channel holds two: drop --disk {}",
                                config.disks.size(), config.disks[2].path));
  for (size_t k = 0; k < config.disks.size(); ++k) {
    WritePolicy policy = config.disks[k].write_through ? WritePolicy::WriteThrough : WritePolicy::CopyOnWrite;
    m_disks.push_back(std::make_unique<DiskImage>(config.disks[k].path, policy, counters, fmt::format("disk{}", k)));
  }
  for (unsigned line = 0; line < 16; ++line) m_line_raises[line] = &counters.device(fmt::format("irq.{}", line));

  memory.add_hole(VgaText::kWindowBase, VgaText::kWindowSize);
  m_pic = std::make_unique<PicPair>(counters);
  m_lapic = std::make_unique<LocalApic>(0, clock, timers, counters);
  m_ioapic = std::make_unique<Ioapic>(1, counters);
  m_imcr = std::make_unique<Imcr>(counters);
  m_fabric = std::make_unique<Fabric>(*m_pic, *m_lapic, *m_imcr);
  m_pit = std::make_unique<Pit8254>(clock, timers, IrqLine(this, 0), counters);
  m_rtc = std::make_unique<CmosRtc>(clock, timers, IrqLine(this, CmosRtc::kIrq), counters, config.rtc);
  m_i8042 = std::make_unique<I8042>(IrqLine(this, I8042::kIrq), counters);
  m_system_ports = std::make_unique<SystemPorts>(counters);
  m_com1 = std::make_unique<Uart16550>("com1", clock, timers, counters, IrqLine(this, Uart16550::kCom1Irq),
                                       config.com1_output);
  m_vga = std::make_unique<VgaText>(counters);
  m_pci = std::make_unique<PciBus>(counters);
  m_pci->add(0, 0, std::make_unique<PciHostBridge>());
  m_ide = std::make_unique<IdeChannel>(counters, IrqLine(this, IdeChannel::kIrq),
                                       m_disks.size() > 0 ? m_disks[0].get() : nullptr,
                                       m_disks.size() > 1 ? m_disks[1].get() : nullptr);
  m_bios = std::make_unique<Bios>(bus, memory, cpu, counters);
  m_bios->set_disk_count(unsigned(m_disks.size()));

  m_pic->attach(bus);
  m_lapic->attach(bus);
  m_ioapic->attach(bus);
  m_imcr->attach(bus);
  m_pit->attach(bus);
  m_rtc->attach(bus);
  m_i8042->attach(bus);
  m_system_ports->attach(bus);
  m_com1->attach(bus, Uart16550::kCom1Base);
  m_vga->attach(bus);
  m_pci->attach(bus);
  m_ide->attach(bus);
  if (config.bios_path.empty()) {
    m_bios->install();
  } else {
    m_rom = std::make_unique<RomImage>(config.bios_path);  // the Bus reads it from here
    m_rom->install(bus, memory);
  }
  if (config.com1_input) m_com1->set_input(config.com1_input);
  // COM1's interrupt reaches IRQ 4 whatever MCR.OUT2 says, as on QEMU: xv6 and other
  // kernels developed there never set OUT2 and rely on receive interrupts.
  m_com1->set_out2_gates_irq(false);
  wire_interrupts();
  reset();
}

// The CPU outlives the platform inside the Machine: take the platform's hooks back.
PcPlatform::~PcPlatform() {
  m_cpu.set_interrupt_controller(nullptr);
  m_cpu.m_has_apic = false;
  m_cpu.m_on_apic_enable = nullptr;
}

void PcPlatform::wire_interrupts() {
  m_cpu.set_interrupt_controller(m_fabric.get());
  m_cpu.m_has_apic = true;
  m_cpu.m_on_apic_enable = [this](bool enabled) { m_lapic->set_enabled(enabled); };
  auto notify = [this] { m_cpu.notify_interrupt(); };
  m_pic->set_intr_changed(notify);
  m_lapic->on_intr_changed = notify;
  m_lapic->on_eoi = [this](u8 vector) { m_ioapic->eoi(vector); };
  m_ioapic->on_deliver = [this](u8 vector, bool level, DeliveryMode mode) { m_lapic->deliver(vector, level, mode); };
  m_i8042->on_a20 = [this](bool on) {
    m_kbc_a20 = on;
    update_a20();
  };
  m_system_ports->on_a20 = [this](bool on) {
    m_port92_a20 = on;
    update_a20();
  };
  auto reset_request = [this] {
    if (on_reset_request) on_reset_request();
  };
  m_i8042->on_reset = reset_request;
  m_system_ports->on_reset = reset_request;
}

// The A20 line is the OR of the keyboard controller's output port and port 92h.
void PcPlatform::update_a20() { m_cpu.set_a20(m_kbc_a20 || m_port92_a20); }

void PcPlatform::reset() {
  m_pic->reset();
  m_lapic->reset();
  m_ioapic->reset();
  m_imcr->reset();
  m_pit->reset();
  m_rtc->reset();
  m_i8042->reset();
  m_system_ports->reset();
  m_com1->reset();
  m_vga->reset();
  m_pci->reset();
  m_ide->reset();
  m_kbc_a20 = m_i8042->a20();
  m_port92_a20 = false;
  update_a20();
}

void PcPlatform::set_irq(unsigned line, bool level) {
  if (line >= 16) return;
  if (level && !m_line_level[line]) ++*m_line_raises[line];
  if (level != m_line_level[line] && m_events.listening()) {
    Event e;
    e.kind = EventKind::IrqLine;
    e.a = line;
    e.b = level;
    m_events.emit(e);
  }
  m_line_level[line] = level;
  m_pic->set_irq(line, level);
  m_ioapic->set_irq(isa_irq_to_ioapic_pin(line), level);
}

}  // namespace vmlab
