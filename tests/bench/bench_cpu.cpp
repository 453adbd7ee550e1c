// Google Benchmark microbenchmarks of the interpreter (not tests: run by hand, see
// docs/PERFORMANCE.md). Each reports guest instructions per second as "guest_ips".
//
//   build/tests/bench/vmlab_benchmarks --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <vector>

#include "core/machine.h"
#include "cpu/decoder.h"

namespace vmlab {
namespace {

constexpr u32 kCode = 0x100000;

// A machine in flat 32-bit protected mode with `code` at 1 MiB.
struct FlatMachine {
  Machine machine{[] {
    MachineConfig c;
    c.mem_mib = 16;
    return c;
  }()};
  explicit FlatMachine(const std::vector<u8>& code) {
    machine.memory().write(kCode, code.data(), u32(code.size()));
    machine.cpu().enter_flat_protected_mode();
    machine.cpu().set_eip(kCode);
    machine.cpu().set_reg(ESP, 0x90000);
    machine.cpu().set_reg(ESI, 0x200000);
  }
};

void run_guest(benchmark::State& state, const std::vector<u8>& code) {
  FlatMachine m(code);
  constexpr u64 kSlice = 1'000'000;
  for (auto _ : state) m.machine.cpu().run(kSlice);
  state.counters["guest_ips"] =
      benchmark::Counter(double(kSlice) * double(state.iterations()), benchmark::Counter::kIsRate);
}

// Dependent ALU work: add, xor, rol, imul, dec + jnz.
void BM_AluLoop(benchmark::State& state) {
  run_guest(state, {
      0x01, 0xD8,              // add eax, ebx
      0x31, 0xC3,              // xor ebx, eax
      0xC1, 0xC0, 0x07,        // rol eax, 7
      0x69, 0xDB, 0x93, 0x01, 0x00, 0x01,  // imul ebx, ebx, 0x01000193
      0x49,                    // dec ecx
      0x75, 0xF0,              // jnz start
      0xEB, 0xEE,              // jmp start (when ecx wraps)
  });
}
BENCHMARK(BM_AluLoop);

// Loads and stores through the TLB fast path: [esi], [esi+4].
void BM_MemoryLoop(benchmark::State& state) {
  run_guest(state, {
      0x8B, 0x06,              // mov eax, [esi]
      0x01, 0x46, 0x04,        // add [esi+4], eax
      0x83, 0xC6, 0x08,        // add esi, 8
      0x81, 0xE6, 0xFF, 0xFF, 0x2F, 0x00,  // and esi, 0x2FFFFF (stay in the buffer)
      0xEB, 0xF0,              // jmp start
  });
}
BENCHMARK(BM_MemoryLoop);

// CALL/RET pairs: short blocks, push/pop, block chaining.
void BM_CallRet(benchmark::State& state) {
  run_guest(state, {
      0xE8, 0x02, 0x00, 0x00, 0x00,  // call +2
      0xEB, 0xF9,                    // jmp start
      0x40,                          // inc eax
      0xC3,                          // ret
  });
}
BENCHMARK(BM_CallRet);

// The decoder alone: what a decode-cache miss costs per instruction.
void BM_DecodeInstruction(benchmark::State& state) {
  const u8 bytes[] = {0x66, 0x8B, 0x84, 0x8B, 0x44, 0x33, 0x22, 0x11};  // mov ax, [ebx+ecx*4+0x11223344]
  for (auto _ : state) benchmark::DoNotOptimize(instruction_length(bytes, sizeof bytes, true));
}
BENCHMARK(BM_DecodeInstruction);

}  // namespace
}  // namespace vmlab

BENCHMARK_MAIN();
