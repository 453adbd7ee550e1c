#include "devices/system_ports.h"

#include "core/bus.h"
#include "core/counters.h"

namespace vmlab {

SystemPorts::SystemPorts(Counters& counters)
    : m_counters(counters),
      m_post_writes(counters.device("post.writes")),
      m_fast_resets(counters.device("port92.resets")) {}

void SystemPorts::attach(Bus& bus) {
  bus.map_ports(kPort92, 1, "port92", [this](IoAccess& a) { port92_io(a); });
  bus.map_ports(kPostPort, 1, "post", [this](IoAccess& a) { post_io(a); });
  bus.map_ports(kTestDevBase, kTestDevCount, "testdev", [this](IoAccess& a) { testdev_io(a); });
}

void SystemPorts::reset() {
  m_port92 = 0;
  m_echo = 0;
}

u8 SystemPorts::post_code() const { return m_counters.last_post_code; }

// Port 0x92 is a single port: in a wide access only the low byte is ours, the rest
// reads as open bus. The A20 change is reported before a reset asked for in the same
// write, so the Machine resets with the gate as the guest left it.
void SystemPorts::port92_io(IoAccess& a) {
  if (!a.is_write) {
    a.data = 0xFFFFFF00u | m_port92;
    return;
  }
  u8 value = u8(a.data) & (PORT92_INIT_NOW | PORT92_ALT_A20_GATE);
  u8 old = m_port92;
  m_port92 = value;
  if (((old ^ value) & PORT92_ALT_A20_GATE) && on_a20) on_a20(value & PORT92_ALT_A20_GATE);
  if ((value & PORT92_INIT_NOW) && !(old & PORT92_INIT_NOW)) {
    ++m_fast_resets;
    if (on_reset) on_reset();
  }
}

void SystemPorts::post_io(IoAccess& a) {
  if (!a.is_write) {
    a.data = 0xFFFFFF00u | m_counters.last_post_code;
    return;
  }
  m_counters.last_post_code = u8(a.data);
  ++m_post_writes;
}

// The Bus delivers a wide access as one access to its first port, so a 4-byte write
// at 0xE0 stores all four bytes here.
void SystemPorts::testdev_io(IoAccess& a) {
  bool echo_port = a.addr == kTestDevBase;
  if (a.is_write) {
    if (echo_port) m_echo = a.data;
    return;
  }
  a.data = echo_port ? m_echo : 0;
}

}  // namespace vmlab
