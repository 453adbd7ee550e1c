// The run loop, reset, and the decode cache.
#include "cpu/cpu.h"

#include <algorithm>

#include "core/bus.h"
#include "core/counters.h"
#include "core/events.h"
#include "core/physical_memory.h"
#include "core/virtual_clock.h"
#include "cpu/decoder.h"
#include "cpu/memory_inl.h"

namespace vmlab {

// A straight run of decoded instructions starting at one physical address. It ends at a
// control transfer, at kMaxBlockInsns, or before an instruction that would leave the
// page (such instructions run uncached through step_uncached()).
//
// Blocks remember their last two successors (chaining), so a hot loop goes from block
// to block without a TLB lookup or a hash probe. A link is trusted only if nothing that
// could change what an EIP maps to has happened since it was made: every TLB flush,
// INVLPG, A20 change and code invalidation bumps m_chain_generation, and the CPL must
// match (user and supervisor fetches are checked differently).
struct Cpu::Block {
  struct Link {
    Block* block = nullptr;
    u32 eip = 0;
    u8 cpl = 0;
    u64 generation = 0;
  };
  u32 phys = 0;
  bool code32 = false;
  u32 ip_mask = 0xFFFF;  // EIP wraps at 64 KiB in 16-bit code
  u32 byte_len = 0;
  u32 count = 0;         // insns.size(), kept for the dispatch loop
  std::vector<Insn> insns;
  Link links[2];
};

struct Cpu::BlockSlot {
  u32 phys = ~0u;
  bool code32 = false;
  Block* block = nullptr;
};

namespace {
constexpr size_t kBlockSlots = 1u << 15;
constexpr size_t kMaxBlockInsns = 64;

u32 slot_index(u32 phys) { return (phys ^ (phys >> 15)) & (kBlockSlots - 1); }

// Fetches code bytes at CS:EIP.. through the TLB, checking the CS limit per byte.
class CodeFetcher : public ByteFetcher {
 public:
  CodeFetcher(Cpu& cpu, u32 eip) : m_cpu(cpu), m_eip(eip) {}
  u8 next() override {
    const SegmentCache& cs = m_cpu.m_seg[CS];
    u32 offset = m_cpu.code32() ? m_eip : (m_eip & 0xFFFF);
    if (offset > cs.limit) throw CpuFault{kGP, true, 0};
    ++m_eip;
    return m_cpu.read_linear<u8>(cs.base + offset, m_cpu.user_access());
  }

 private:
  Cpu& m_cpu;
  u32 m_eip;
};
}  // namespace

Cpu::Cpu(PhysicalMemory& memory, Bus& bus, EventStream& events, Counters& counters, VirtualClock& clock)
    : m_memory(memory), m_bus(bus), m_events(events), m_counters(counters), m_clock(clock) {
  m_block_slots.resize(kBlockSlots);
  m_memory.set_code_write_hook([this](u32 page) { invalidate_code_page(page); });
  reset();
}

Cpu::~Cpu() { m_memory.set_code_write_hook(nullptr); }

void Cpu::reset() {
  std::fill(std::begin(m_regs), std::end(m_regs), 0);
  m_regs[EDX] = kCpuSignature;
  m_eip = m_next_eip = 0xFFF0;
  m_eflags = EFLAGS_FIXED1;
  m_flags = LazyFlags{};
  m_cr0 = CR0_ET | CR0_NW | CR0_CD;
  m_cr2 = m_cr3 = m_cr4 = 0;
  std::fill(std::begin(m_dr), std::end(m_dr), 0);
  m_dr[6] = 0xFFFF0FF0;
  m_dr[7] = 0x400;
  for (auto& s : m_seg) s = SegmentCache{};
  m_seg[CS].selector = 0xF000;
  m_seg[CS].base = 0xFFFF0000;
  m_seg[CS].access = 0x9B;
  m_ldtr = SegmentCache{};
  m_ldtr.access = 0x82;
  m_tr = SegmentCache{};
  m_tr.access = 0x8B;
  m_gdtr = m_idtr = DescriptorTableReg{};
  m_cpl = 0;
  m_sysenter_cs = m_sysenter_esp = m_sysenter_eip = 0;
  m_apic_base_msr = 0xFEE00900;  // BSP, enabled, at the default base
  m_tsc_offset = 0 - m_clock.now();
  m_halted = m_shutdown = m_inhibit_interrupts = m_fault_pending = false;
  m_shutdown_reason.clear();
  refresh_all_segment_limits();
  m_tlb.flush(true);
  ++m_chain_generation;
  m_block_exit = true;
}

void Cpu::enter_flat_protected_mode() {
  m_cr0 |= CR0_PE;
  m_cr0 &= ~CR0_PG;
  SegmentCache code{0x08, 0, 0xFFFFFFFF, 0x9B, 0xC, 0, 0};
  SegmentCache data{0x10, 0, 0xFFFFFFFF, 0x93, 0xC, 0, 0};
  for (int s = ES; s <= GS; ++s) m_seg[s] = s == CS ? code : data;
  m_cpl = 0;
  set_eflags(EFLAGS_FIXED1);
  refresh_all_segment_limits();
  tlb_flush(true);
}

StopReason Cpu::run(u64 max_instructions) { return run_loop(max_instructions, false); }

StopReason Cpu::step() { return run_loop(1, true); }

// The heart of the interpreter. Each iteration is one "boundary": deliver a pending
// interrupt if the CPU can take it, then run one block (or one uncached instruction).
StopReason Cpu::run_loop(u64 max_instructions, bool uncached) {
  const u64 start = m_counters.instructions;
  m_stop_requested = false;
  while (m_counters.instructions - start < max_instructions) {
    u64 budget = max_instructions - (m_counters.instructions - start);
    if (m_shutdown) return StopReason::Shutdown;
    m_retired_blocks.clear();
    // In the shadow of STI, MOV SS or POP SS exactly one instruction runs before the
    // next boundary looks for interrupts again (so `sti; nop; cli` opens a window).
    bool shadow = m_inhibit_interrupts;
    if (shadow) {
      m_inhibit_interrupts = false;
      budget = 1;
    } else if (m_pic && (m_eflags & EFLAGS_IF) && m_pic->intr_pending()) {
      deliver_external_interrupt();
    }
    if (m_trap_pending) break;
    if (m_halted) return StopReason::Halted;
    // A stop asked for while an interrupt was delivered (a debugger waiting for one)
    // takes effect before the handler's first instruction.
    if (m_stop_requested) return StopReason::StopRequest;
    m_block_exit = false;
    Resume resume = m_resume;
    m_resume.block = nullptr;
    bool resumable = resume.block && resume.eip == m_eip && resume.cpl == m_cpl &&
                     resume.generation == m_chain_generation;
    try {
      if (uncached || (m_eflags & EFLAGS_TF)) {
        step_uncached();
      } else if (resumable && resume.index < resume.block->count) {
        run_chain(resume.block, m_counters.instructions + budget, resume.index);
      } else if (Block* block = resumable ? linked_block(resume.block) : nullptr) {
        run_chain(block, m_counters.instructions + budget);
      } else if (Block* looked_up = lookup_block()) {
        if (resumable) remember_link(resume.block, looked_up);
        run_chain(looked_up, m_counters.instructions + budget);
      } else {
        step_uncached();
      }
    } catch (const CpuFault& fault) {
      handle_fault(fault);
    }
    if (m_fault_pending) {
      m_fault_pending = false;
      handle_fault(m_pending_fault);
    }
    if (m_trap_pending) break;
    if (m_stop_requested) return StopReason::StopRequest;
  }
  if (m_trap_pending) {
    m_trap_pending = false;
    return StopReason::MonitorTrap;
  }
  return m_shutdown ? StopReason::Shutdown : StopReason::Budget;
}

// Run `block` and then its successors while nothing asks the run loop to look, until the
// instruction counter reaches `stop_at`. This is the interpreter's inner loop: one
// indirect call per instruction, and between blocks a check of the remembered links.
void Cpu::run_chain(Block* block, u64 stop_at, u32 first) {
  u64& retired = m_counters.instructions;  // held in a register across the handler calls
  for (;; first = 0) {
    if (first == 0) ++m_counters.blocks_executed;  // a resumed block was counted when it started
    const Insn* insn = block->insns.data() + first;
    const Insn* end = insn + std::min<u64>(block->count - first, stop_at - retired);
    const u32 ip_mask = block->ip_mask;
    do {
      m_next_eip = (m_eip + insn->len) & ip_mask;
      insn->fn(*this, *insn);
      if (VMLAB_UNLIKELY(m_block_exit)) {
        if (m_fault_pending) return;  // the instruction faulted (fault_here): it does not retire
        m_eip = m_next_eip;
        ++retired;
        return;
      }
      m_eip = m_next_eip;
      ++retired;
    } while (++insn != end);
    if (retired >= stop_at) {
      m_resume = Resume{block, u32(insn - block->insns.data()), m_eip, m_cpl, m_chain_generation};
      return;
    }
    Block* next = linked_block(block);
    if (!next) {
      next = lookup_block();
      if (!next) return;
      remember_link(block, next);
    }
    block = next;
  }
}

// The block `from` last led to at this EIP, if that link is still good.
Cpu::Block* Cpu::linked_block(Block* from) const {
  const Block::Link* link = from->links;
  if (link[0].eip == m_eip && link[0].generation == m_chain_generation && link[0].cpl == m_cpl) return link[0].block;
  if (link[1].eip == m_eip && link[1].generation == m_chain_generation && link[1].cpl == m_cpl) return link[1].block;
  return nullptr;
}

void Cpu::remember_link(Block* from, Block* to) {
  from->links[1] = from->links[0];
  from->links[0] = Block::Link{to, m_eip, m_cpl, m_chain_generation};
}

// Decode and execute one instruction without the cache; then the single-step trap.
void Cpu::step_uncached() {
  bool single_step = m_eflags & EFLAGS_TF;
  CodeFetcher fetch(*this, m_eip);
  Insn insn;
  decode_instruction(insn, fetch, code32());
  m_next_eip = (m_eip + insn.len) & (code32() ? 0xFFFFFFFF : 0xFFFF);
  insn.fn(*this, insn);
  if (m_fault_pending) return;
  m_eip = m_next_eip;
  ++m_counters.instructions;
  if (single_step && !m_shutdown) {
    m_dr[6] |= 1u << 14;  // BS
    m_next_eip = m_eip;
    interrupt(kDB, IntSource::Exception, false, 0);
    m_eip = m_next_eip;
  }
}

std::optional<CpuFault> Cpu::execute_one() {
  try {
    CodeFetcher fetch(*this, m_eip);
    Insn insn;
    decode_instruction(insn, fetch, code32());
    m_next_eip = (m_eip + insn.len) & (code32() ? 0xFFFFFFFF : 0xFFFF);
    insn.fn(*this, insn);
    m_block_exit = true;
    if (m_fault_pending) {
      m_fault_pending = false;
      m_next_eip = m_eip;
      return m_pending_fault;
    }
    m_eip = m_next_eip;
    ++m_counters.instructions;
    return std::nullopt;
  } catch (const CpuFault& fault) {
    m_next_eip = m_eip;
    m_block_exit = true;
    return fault;
  }
}

Cpu::Block* Cpu::lookup_block() {
  u32 linear = m_seg[CS].base + m_eip;
  bool user = user_access();
  const TlbEntry& e = m_tlb.entry(user, linear);
  u32 phys = e.read_tag == (linear & ~0xFFFu) ? e.phys_page | (linear & 0xFFF)
                                               : translate(linear, false, user);
  bool is32 = code32();
  BlockSlot& slot = m_block_slots[slot_index(phys)];
  Block* block = nullptr;
  if (slot.block && slot.phys == phys && slot.code32 == is32) {
    block = slot.block;
  } else {
    for (auto& b : m_blocks_by_page[phys >> 12])
      if (b->phys == phys && b->code32 == is32) block = b.get();
    if (!block) block = decode_block(phys);
    if (!block) return nullptr;
    slot = BlockSlot{phys, is32, block};
  }
  // A block decoded under a larger CS limit must not run past this one.
  if (u64(m_eip) + block->byte_len - 1 > m_seg[CS].limit) return nullptr;
  return block;
}

// Decode from CS:EIP (which maps to `phys`) up to the first control transfer, the block
// size limit, or the end of the page. Returns nullptr when the very first instruction
// crosses the page end (it runs uncached).
Cpu::Block* Cpu::decode_block(u32 phys) {
  auto block = std::make_unique<Block>();
  block->phys = phys;
  block->code32 = code32();
  u32 page_left = 0x1000 - (phys & 0xFFF);
  u32 eip = m_eip;
  while (block->insns.size() < kMaxBlockInsns) {
    Insn insn;
    try {
      CodeFetcher fetch(*this, eip);
      decode_instruction(insn, fetch, block->code32);
    } catch (const CpuFault&) {
      if (block->insns.empty()) throw;  // the fault belongs to this instruction
      break;                            // a later one faults: end the block before it
    }
    if (block->byte_len + insn.len > page_left) break;
    block->insns.push_back(insn);
    block->byte_len += insn.len;
    eip += insn.len;
    if (insn.flags & INSN_ENDS_BLOCK) break;
  }
  if (block->insns.empty()) return nullptr;
  block->count = u32(block->insns.size());
  block->ip_mask = block->code32 ? 0xFFFFFFFF : 0xFFFF;
  ++m_counters.blocks_decoded;
  u32 page = phys >> 12;
  if (m_memory.contains(phys, 1) && !m_memory.is_code(phys)) {
    m_memory.mark_code(phys);
    m_tlb.revoke_writes_to(phys & ~0xFFFu);
  }
  auto& list = m_blocks_by_page[page];
  list.push_back(std::move(block));
  return list.back().get();
}

void Cpu::invalidate_code_page(u32 page) {
  auto it = m_blocks_by_page.find(page);
  if (it == m_blocks_by_page.end()) return;
  ++m_counters.code_invalidations;
  for (auto& b : it->second) {
    BlockSlot& slot = m_block_slots[slot_index(b->phys)];
    if (slot.block == b.get()) slot = BlockSlot{};
    // The block may be the one running right now: free it at the next boundary.
    m_retired_blocks.push_back(std::move(b));
  }
  m_blocks_by_page.erase(it);
  ++m_chain_generation;
  m_block_exit = true;
}

void Cpu::flush_decode_cache() {
  for (auto& [page, list] : m_blocks_by_page)
    for (auto& b : list) m_retired_blocks.push_back(std::move(b));
  m_blocks_by_page.clear();
  std::fill(m_block_slots.begin(), m_block_slots.end(), BlockSlot{});
  ++m_chain_generation;
  m_block_exit = true;
}

}  // namespace vmlab
