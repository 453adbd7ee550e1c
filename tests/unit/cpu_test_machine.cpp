#include "tests/unit/cpu_test_machine.h"

#include <ostream>
#include <stdexcept>

namespace vmlab::test {

// ---- Descriptors ----

u64 segment_descriptor(u32 base, u32 raw_limit, u8 access, u8 flags) {
  u32 lo = (base << 16) | (raw_limit & 0xFFFF);
  u32 hi = (base & 0xFF000000u) | (u32(flags & 0xF) << 20) | (raw_limit & 0x000F0000u) |
           (u32(access) << 8) | ((base >> 16) & 0xFF);
  return (u64(hi) << 32) | lo;
}

u64 flat_code(u8 dpl) {
  return segment_descriptor(0, 0xFFFFF, ACC_P | acc_dpl(dpl) | ACC_CODE_R, FLAG_G | FLAG_DB);
}
u64 flat_data(u8 dpl) {
  return segment_descriptor(0, 0xFFFFF, ACC_P | acc_dpl(dpl) | ACC_DATA_W, FLAG_G | FLAG_DB);
}

u64 data_segment(u32 base, u32 limit, u8 dpl, bool present) {
  return segment_descriptor(base, limit, u8((present ? ACC_P : 0) | acc_dpl(dpl) | ACC_DATA_W), FLAG_DB);
}

u64 code16_segment(u32 base, u32 limit) { return segment_descriptor(base, limit, ACC_P | ACC_CODE_R, 0); }

u64 tss_descriptor(u32 base, u32 limit) { return segment_descriptor(base, limit, ACC_P | STS_T32A, 0); }
u64 ldt_descriptor(u32 base, u32 limit) { return segment_descriptor(base, limit, ACC_P | STS_LDT, 0); }

u64 gate_descriptor(u8 type, u16 selector, u32 offset, u8 dpl, u8 params, bool present) {
  u32 lo = (u32(selector) << 16) | (offset & 0xFFFF);
  u32 hi = (offset & 0xFFFF0000u) | (present ? 0x8000u : 0) | (u32(dpl & 3) << 13) | (u32(type) << 8) |
           (params & 0x1F);
  return (u64(hi) << 32) | lo;
}

// ---- TSS ----

void write_tss(PhysicalMemory& memory, u32 base, const Tss32& t) {
  auto w16 = [&](u32 off, u16 v) { memory.write(base + off, &v, 2); };
  auto w32 = [&](u32 off, u32 v) { memory.write(base + off, &v, 4); };
  memory.fill(base, 0, 0x68);
  w16(0x00, t.link);
  w32(0x04, t.esp0);
  w16(0x08, t.ss0);
  w32(0x0C, t.esp1);
  w16(0x10, t.ss1);
  w32(0x14, t.esp2);
  w16(0x18, t.ss2);
  w32(0x1C, t.cr3);
  w32(0x20, t.eip);
  w32(0x24, t.eflags);
  const u32 regs[8] = {t.eax, t.ecx, t.edx, t.ebx, t.esp, t.ebp, t.esi, t.edi};
  for (u32 r = 0; r < 8; ++r) w32(0x28 + 4 * r, regs[r]);
  const u16 sregs[6] = {t.es, t.cs, t.ss, t.ds, t.fs, t.gs};
  for (u32 s = 0; s < 6; ++s) w16(0x48 + 4 * s, sregs[s]);
  w16(0x60, t.ldt);
  w16(0x64, t.t);
  w16(0x66, t.iomap_base);
}

Tss32 read_tss(const PhysicalMemory& memory, u32 base) {
  auto r16 = [&](u32 off) { u16 v; memory.read(base + off, &v, 2); return v; };
  auto r32 = [&](u32 off) { u32 v; memory.read(base + off, &v, 4); return v; };
  Tss32 t;
  t.link = r16(0x00);
  t.esp0 = r32(0x04);
  t.ss0 = r16(0x08);
  t.esp1 = r32(0x0C);
  t.ss1 = r16(0x10);
  t.esp2 = r32(0x14);
  t.ss2 = r16(0x18);
  t.cr3 = r32(0x1C);
  t.eip = r32(0x20);
  t.eflags = r32(0x24);
  u32* regs[8] = {&t.eax, &t.ecx, &t.edx, &t.ebx, &t.esp, &t.ebp, &t.esi, &t.edi};
  for (u32 r = 0; r < 8; ++r) *regs[r] = r32(0x28 + 4 * r);
  u16* sregs[6] = {&t.es, &t.cs, &t.ss, &t.ds, &t.fs, &t.gs};
  for (u32 s = 0; s < 6; ++s) *sregs[s] = r16(0x48 + 4 * s);
  t.ldt = r16(0x60);
  t.t = r16(0x64);
  t.iomap_base = r16(0x66);
  return t;
}

// ---- Page tables ----

PageTables::PageTables(PhysicalMemory& memory, u32 directory)
    : m_memory(memory), m_directory(directory), m_next_table(directory + 0x1000) {
  m_memory.fill(directory, 0, 0x1000);
}

u32 PageTables::pde_address(u32 linear) const { return m_directory + 4 * pdx(linear); }
u32 PageTables::pte_address(u32 linear) const { return (pde(linear) & PTE_FRAME) + 4 * ptx(linear); }

u32 PageTables::pde(u32 linear) const {
  u32 v;
  m_memory.read(pde_address(linear), &v, 4);
  return v;
}

u32 PageTables::pte(u32 linear) const {
  u32 v;
  m_memory.read(pte_address(linear), &v, 4);
  return v;
}

void PageTables::set_pde(u32 linear, u32 value) { m_memory.write(pde_address(linear), &value, 4); }
void PageTables::set_pte(u32 linear, u32 value) { m_memory.write(pte_address(linear), &value, 4); }

void PageTables::map(u32 linear, u32 phys, u32 pte_flags, u32 pde_flags) {
  if (!(pde(linear) & PTE_P) || (pde(linear) & PTE_PS)) {
    u32 table = m_next_table;
    m_next_table += 0x1000;
    m_memory.fill(table, 0, 0x1000);
    set_pde(linear, table | pde_flags);
  }
  set_pte(linear, (phys & PTE_FRAME) | pte_flags);
}

void PageTables::map_large(u32 linear, u32 phys, u32 pde_flags) {
  set_pde(linear, (phys & PDE_FRAME_4M) | pde_flags | PTE_PS);
}

void PageTables::identity_map(u32 start, u32 length, u32 flags) {
  for (u32 a = start; a < start + length; a += 0x1000) map(a, a, flags);
}

// ---- Code ----

CodeBuilder& CodeBuilder::b(std::initializer_list<u8> bytes) {
  m_bytes.insert(m_bytes.end(), bytes);
  return *this;
}

CodeBuilder& CodeBuilder::b(const std::vector<u8>& bytes) {
  m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
  return *this;
}

CodeBuilder& CodeBuilder::w(u16 value) { return b({u8(value), u8(value >> 8)}); }
CodeBuilder& CodeBuilder::d(u32 value) { return b({u8(value), u8(value >> 8), u8(value >> 16), u8(value >> 24)}); }

// ---- The machine ----

bool vector_has_error_code(u8 vector) {
  return vector == kDF || (vector >= kTS && vector <= kPF) || vector == kAC;
}

CpuTestMachine::CpuTestMachine() {
  cpu.enter_flat_protected_mode();
  set_gdt(kKernelCs, flat_code(0));
  set_gdt(kKernelDs, flat_data(0));
  set_gdt(kUserCs, flat_code(3));
  set_gdt(kUserDs, flat_data(3));
  const u32 tss_limit = kIoMapOffset + 0x2000;  // the bitmap, then its terminating 0xFF byte
  set_gdt(kTssSel, tss_descriptor(kTssBase, tss_limit));
  cpu.set_gdtr({kGdtBase, u16(kGdtEntries * 8 - 1)});

  Tss32 tss;
  tss.esp0 = kKernelStackTop;
  tss.ss0 = kKernelDs;
  tss.iomap_base = kIoMapOffset;
  write_tss(memory, kTssBase, tss);
  memory.fill(kTssBase + kIoMapOffset, 0xFF, 0x2001);

  for (int v = 0; v < 256; ++v) {
    write8(stub(u8(v)), 0xF4);  // hlt
    set_idt(u8(v), gate_descriptor(STS_IG32, kKernelCs, stub(u8(v)), v == kExitVector ? 3 : 0));
  }
  cpu.set_idtr({kIdtBase, 256 * 8 - 1});

  // LTR through the instruction, so TR's cache and the busy bit are what the CPU makes.
  CodeBuilder boot(kStubs + 0x800);
  boot.b({0x66, 0xB8}).w(kTssSel);  // mov ax, kTssSel
  boot.b({0x0F, 0x00, 0xD8});       // ltr ax
  boot.b({0xF4});                   // hlt
  if (run_kernel(boot) != StopReason::Halted || cpu.tr().selector != kTssSel)
    throw std::logic_error("CpuTestMachine: LTR did not load the TSS");
}

void CpuTestMachine::load(u32 addr, std::initializer_list<u8> bytes) {
  memory.write(addr, bytes.begin(), u32(bytes.size()));
}
void CpuTestMachine::load(const CodeBuilder& code) {
  memory.write(code.origin(), code.bytes().data(), u32(code.bytes().size()));
}
void CpuTestMachine::write8(u32 addr, u8 value) { memory.write(addr, &value, 1); }
void CpuTestMachine::write16(u32 addr, u16 value) { memory.write(addr, &value, 2); }
void CpuTestMachine::write32(u32 addr, u32 value) { memory.write(addr, &value, 4); }
void CpuTestMachine::write64(u32 addr, u64 value) { memory.write(addr, &value, 8); }
u8 CpuTestMachine::read8(u32 addr) const { u8 v; memory.read(addr, &v, 1); return v; }
u16 CpuTestMachine::read16(u32 addr) const { u16 v; memory.read(addr, &v, 2); return v; }
u32 CpuTestMachine::read32(u32 addr) const { u32 v; memory.read(addr, &v, 4); return v; }

void CpuTestMachine::set_gdt(u16 selector, u64 descriptor) {
  memory.write(kGdtBase + (selector & ~7u), &descriptor, 8);
}
u64 CpuTestMachine::gdt(u16 selector) const {
  u64 d;
  memory.read(kGdtBase + (selector & ~7u), &d, 8);
  return d;
}
void CpuTestMachine::set_idt(u8 vector, u64 gate) { memory.write(kIdtBase + 8u * vector, &gate, 8); }

void CpuTestMachine::allow_ports(u16 first, u16 count) {
  for (u32 port = first; port < u32(first) + count; ++port) {
    u32 addr = kTssBase + kIoMapOffset + port / 8;
    write8(addr, u8(read8(addr) & ~(1u << (port % 8))));
  }
}

PageTables& CpuTestMachine::enable_paging() {
  m_paging = std::make_unique<PageTables>(memory, kPageTablesBase);
  m_paging->identity_map(0, 4u << 20, PTE_P | PTE_W | PTE_U);
  cpu.set_cr3(m_paging->cr3());
  cpu.set_cr0(cpu.cr0() | CR0_PG);
  return *m_paging;
}

void CpuTestMachine::load_segment_from_gdt(SegReg s, u16 selector) {
  Descriptor d;
  u64 raw = gdt(selector);
  d.lo = u32(raw);
  d.hi = u32(raw >> 32);
  SegmentCache cache = make_cache(selector, d);
  cache.access |= 1;  // accessed, as a real load leaves it
  cpu.set_segment_cache(s, cache);
}

void CpuTestMachine::start(u32 eip, u32 esp, u32 eflags) {
  load_segment_from_gdt(CS, kKernelCs);
  for (SegReg s : {SS, DS, ES, FS, GS}) load_segment_from_gdt(s, kKernelDs);
  cpu.set_reg(ESP, esp);
  cpu.set_eflags(eflags);
  cpu.set_eip(eip);
  cpu.set_halted(false);
}

void CpuTestMachine::start_user(u32 eip, u32 esp, u32 eflags) {
  load_segment_from_gdt(CS, kUserCs);
  for (SegReg s : {SS, DS, ES, FS, GS}) load_segment_from_gdt(s, kUserDs);
  cpu.set_reg(ESP, esp);
  cpu.set_eflags(eflags);
  cpu.set_eip(eip);
  cpu.set_halted(false);
}

void CpuTestMachine::start_real(u16 cs, u16 ip, u32 eflags) {
  cpu.reset();
  cpu.load_segment_real(CS, cs);
  for (SegReg s : {SS, DS, ES}) cpu.load_segment_real(s, 0);
  cpu.set_reg(ESP, kRealModeSp);
  cpu.set_eflags(eflags);
  cpu.set_eip(ip);
}

StopReason CpuTestMachine::run(u64 budget) {
  cpu.set_halted(false);
  return cpu.run(budget);
}

StopReason CpuTestMachine::run_kernel(const CodeBuilder& code) {
  load(code);
  start(code.origin());
  return run();
}

StopReason CpuTestMachine::run_user(const CodeBuilder& code, u32 esp) {
  load(code);
  start_user(code.origin(), esp);
  return run();
}

Delivery CpuTestMachine::delivery() const {
  Delivery d;
  u32 linear = cpu.seg(CS).base + cpu.eip() - 1;  // HLT has been executed
  if (!cpu.halted() || linear < kStubs || linear >= stub(255) + 8 || (linear - kStubs) % 8) return d;
  d.vector = int((linear - kStubs) / 8);
  u32 sp = cpu.seg(SS).base + cpu.reg(ESP);
  auto pop = [&] {
    u32 v = read32(sp);
    sp += 4;
    return v;
  };
  d.has_error = vector_has_error_code(u8(d.vector));
  if (d.has_error) d.error = pop();
  d.eip = pop();
  d.cs = pop() & 0xFFFF;
  d.eflags = pop();
  d.outer = (d.cs & 3) > cpu.cpl();
  if (d.outer) {
    d.esp = pop();
    d.ss = pop() & 0xFFFF;
  }
  return d;
}

std::string vector_label(int vector) {
  if (vector < 0) return "none";
  const char* name = exception_mnemonic(u32(vector));
  return name ? name : std::to_string(vector);
}

void PrintTo(const Delivery& d, std::ostream* os) {
  *os << "{vector " << vector_label(d.vector);
  if (d.has_error) *os << " error 0x" << std::hex << d.error;
  *os << std::hex << " eip 0x" << d.eip << " cs 0x" << d.cs << " eflags 0x" << d.eflags;
  if (d.outer) *os << " esp 0x" << d.esp << " ss 0x" << d.ss;
  *os << std::dec << "}";
}

}  // namespace vmlab::test

namespace vmlab {
void PrintTo(Vector v, std::ostream* os) { *os << int(v) << " (" << test::vector_label(v) << ")"; }
}  // namespace vmlab
