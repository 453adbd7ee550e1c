// Hardware task switches (SDM Vol. 3, 7.3): JMP or CALL to a TSS or task gate, INT
// through a task gate, IRET with NT set.
//
// 32-bit TSS (offsets in hex)            16-bit TSS
//   00 previous task link                 00 link   02 SP0 04 SS0 ... 0C SS2
//   04 ESP0  08 SS0  ... 18 SS2           0E IP     10 FLAGS
//   1C CR3   20 EIP  24 EFLAGS            12..20 AX CX DX BX SP BP SI DI
//   28..44 EAX ECX EDX EBX ESP EBP ESI EDI 22..28 ES CS SS DS
//   48..5C ES CS SS DS FS GS               2A LDT selector
//   60 LDT selector  64 T  66 I/O map base
#include "core/events.h"
#include "cpu/descriptors.h"
#include "cpu/memory_inl.h"

namespace vmlab {
namespace {

struct TaskState {
  u32 cr3 = 0, eip = 0, eflags = 0, regs[8] = {};
  u16 sregs[6] = {}, ldt = 0;
};

constexpr SegReg kTssSegOrder[6] = {ES, CS, SS, DS, FS, GS};

void save_state(Cpu& cpu, u32 base, bool tss32, u32 eip, u32 eflags) {
  auto w32 = [&](u32 off, u32 v) { cpu.write_linear<u32>(base + off, v, false); };
  auto w16 = [&](u32 off, u32 v) { cpu.write_linear<u16>(base + off, u16(v), false); };
  if (tss32) {
    w32(0x20, eip);
    w32(0x24, eflags);
    for (int r = 0; r < 8; ++r) w32(0x28 + 4 * r, cpu.m_regs[r]);
    for (int k = 0; k < 6; ++k) w16(0x48 + 4 * k, cpu.m_seg[kTssSegOrder[k]].selector);
  } else {
    w16(0x0E, eip);
    w16(0x10, eflags);
    for (int r = 0; r < 8; ++r) w16(0x12 + 2 * r, cpu.m_regs[r]);
    for (int k = 0; k < 4; ++k) w16(0x22 + 2 * k, cpu.m_seg[kTssSegOrder[k]].selector);
  }
}

TaskState read_state(Cpu& cpu, u32 base, bool tss32) {
  TaskState t;
  auto r32 = [&](u32 off) { return cpu.read_linear<u32>(base + off, false); };
  auto r16 = [&](u32 off) { return u32(cpu.read_linear<u16>(base + off, false)); };
  if (tss32) {
    t.cr3 = r32(0x1C);
    t.eip = r32(0x20);
    t.eflags = r32(0x24);
    for (int r = 0; r < 8; ++r) t.regs[r] = r32(0x28 + 4 * r);
    for (int k = 0; k < 6; ++k) t.sregs[k] = u16(r16(0x48 + 4 * k));
    t.ldt = u16(r16(0x60));
  } else {
    t.eip = r16(0x0E);
    t.eflags = r16(0x10);
    for (int r = 0; r < 8; ++r) t.regs[r] = 0xFFFF0000u | r16(0x12 + 2 * r);
    for (int k = 0; k < 4; ++k) t.sregs[k] = u16(r16(0x22 + 2 * k));
    t.ldt = u16(r16(0x2A));
  }
  return t;
}

bool is_null(u16 sel) { return selector_index(sel) == 0 && !selector_ldt(sel); }

// Load the new task's segment registers; any failure is #TS(selector) (or #NP/#SS for
// a segment that is not present), raised in the context of the new task.
void load_task_segments(Cpu& cpu, const TaskState& t) {
  u16 cs = t.sregs[1], ss = t.sregs[2];
  u8 cpl = selector_rpl(cs);
  if (is_null(cs)) cpu.raise(kTS, 0);
  Descriptor csd = cpu.read_descriptor(cs, kTS);
  if (!csd.is_code() || (csd.conforming() ? csd.dpl() > cpl : csd.dpl() != cpl)) cpu.raise(kTS, cs & ~3u);
  if (!csd.present()) cpu.raise(kNP, cs & ~3u);
  if (is_null(ss)) cpu.raise(kTS, 0);
  Descriptor ssd = cpu.read_descriptor(ss, kTS);
  if (selector_rpl(ss) != cpl || ssd.dpl() != cpl || !ssd.writable()) cpu.raise(kTS, ss & ~3u);
  if (!ssd.present()) cpu.raise(kSS, ss & ~3u);
  cpu.load_code_segment(cs, csd, cpl);
  cpu.set_accessed(ss, ssd);
  cpu.m_seg[SS] = make_cache(ss, ssd);
  cpu.refresh_segment_limits(cpu.m_seg[SS]);
  for (int k : {0, 3, 4, 5}) {
    SegReg s = kTssSegOrder[k];
    u16 sel = t.sregs[k];
    if (is_null(sel)) {
      cpu.m_seg[s] = SegmentCache{};
      cpu.m_seg[s].selector = sel;
      cpu.m_seg[s].access = 0;
      cpu.refresh_segment_limits(cpu.m_seg[s]);
      continue;
    }
    Descriptor d = cpu.read_descriptor(sel, kTS);
    if (!d.is_segment() || !d.readable()) cpu.raise(kTS, sel & ~3u);
    if (!d.conforming() && (selector_rpl(sel) > d.dpl() || cpl > d.dpl())) cpu.raise(kTS, sel & ~3u);
    if (!d.present()) cpu.raise(kNP, sel & ~3u);
    cpu.set_accessed(sel, d);
    cpu.m_seg[s] = make_cache(sel, d);
    cpu.refresh_segment_limits(cpu.m_seg[s]);
  }
}

void load_task_ldt(Cpu& cpu, u16 ldt) {
  if (is_null(ldt)) {
    cpu.m_ldtr = SegmentCache{};
    cpu.m_ldtr.access = 0;
    return;
  }
  if (selector_ldt(ldt)) cpu.raise(kTS, ldt & ~3u);
  Descriptor d = cpu.read_descriptor(ldt, kTS);
  if (d.is_segment() || d.type() != STS_LDT) cpu.raise(kTS, ldt & ~3u);
  if (!d.present()) cpu.raise(kTS, ldt & ~3u);
  cpu.m_ldtr = make_cache(ldt, d);
}

}  // namespace

void Cpu::task_switch(u16 selector, int reason, u32 next_eip, bool has_error, u32 error_code) {
  constexpr int kJmp = 0, kCall = 1, kIret = 2;
  m_block_exit = true;
  if (selector_ldt(selector)) raise(reason == kIret ? kTS : kGP, selector & ~3u);
  Descriptor nd = read_descriptor(selector, reason == kIret ? kTS : kGP);
  u8 type = nd.type();
  bool busy = type == STS_T16B || type == STS_T32B;
  bool is_tss = !nd.is_segment() && (type == STS_T16A || type == STS_T32A || busy);
  if (!is_tss || (reason == kIret) != busy) raise(reason == kIret ? kTS : kGP, selector & ~3u);
  if (!nd.present()) raise(kNP, selector & ~3u);
  bool new32 = type & 0x8;
  if (nd.limit() < (new32 ? 0x67u : 0x2Bu)) raise(kTS, selector & ~3u);

  // Save the outgoing task, update busy bits and the link, then switch TR.
  bool old32 = (m_tr.access & 0x8) != 0;
  u32 eflags = get_eflags();
  if (reason == kIret) eflags &= ~EFLAGS_NT;
  save_state(*this, m_tr.base, old32, next_eip, eflags);
  u16 old_tr = m_tr.selector;
  if (reason == kJmp || reason == kIret) {
    Descriptor od = read_descriptor(old_tr);
    write_descriptor_hi(old_tr, od.hi & ~0x200u);
  }
  TaskState t = read_state(*this, nd.base(), new32);
  if (reason == kCall) {
    write_linear<u16>(nd.base(), old_tr, false);
    t.eflags |= EFLAGS_NT;
  }
  if (reason != kIret) nd.hi |= 0x200;
  write_descriptor_hi(selector, nd.hi);
  m_tr = make_cache(selector, nd);
  m_cr0 |= CR0_TS;
  ++m_counters.task_switches;
  if (m_events.listening()) {
    Event e;
    e.kind = EventKind::TaskSwitch;
    e.a = old_tr;
    e.b = selector;
    e.c = u32(reason);
    m_events.emit(e);
  }

  // Load the incoming task. From here on, faults belong to the new task.
  m_eip = m_next_eip = new32 ? t.eip : t.eip & 0xFFFF;
  if (new32 && (m_cr0 & CR0_PG)) set_cr3(t.cr3);
  else if (new32) m_cr3 = t.cr3;
  for (int r = 0; r < 8; ++r) m_regs[r] = new32 ? t.regs[r] : (m_regs[r] & 0xFFFF0000u) | (t.regs[r] & 0xFFFF);
  set_eflags(new32 ? t.eflags : (get_eflags() & 0xFFFF0000u) | (t.eflags & 0xFFFF));
  for (int k = 0; k < 6; ++k) m_seg[kTssSegOrder[k]].selector = t.sregs[k];
  load_task_ldt(*this, t.ldt);
  load_task_segments(*this, t);
  if (has_error) push(error_code, new32 ? 4 : 2);
  if (m_next_eip > m_seg[CS].limit) raise(kGP, 0);
}

}  // namespace vmlab
