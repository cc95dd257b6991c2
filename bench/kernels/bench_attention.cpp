// Decode-step paged attention of the TinyLlama-1.1B shape (32 heads over 4
// KV heads of 64, 22 layers) at long depths, per KV cache type and ISA
// level: one iteration is one decode token attending over `depth` cached
// positions in every layer, the part of a decode step --kv-cache-dtype
// changes. Reports the KV bytes read per second (K and V of every layer).
//
// Run: build/bench/kernels/bench_attention [--benchmark_filter=q8_0]
//      (SERVIR_BENCH_THREADS: threads, default the physical cores)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "kernels/attention.h"
#include "kernels/context.h"
#include "kernels/kernel_table.h"
#include "kernels/thread_pool.h"

namespace servir::kernels::bench {
namespace {

constexpr int kLayers = 22, kHeads = 32, kKvHeads = 4, kHeadDim = 64, kBlock = 16;

ThreadPool& pool() {
  static ThreadPool p(std::getenv("SERVIR_BENCH_THREADS") != nullptr ? std::atoi(std::getenv("SERVIR_BENCH_THREADS"))
                                                                     : 0);
  return p;
}

void decode_attention(benchmark::State& state, Isa isa, GgmlType type) {
  if (!isa_supported(isa)) {
    state.SkipWithError("CPU lacks this ISA level");
    return;
  }
  const int depth = static_cast<int>(state.range(0));
  const int n_blocks = (depth + kBlock - 1) / kBlock;
  PagedKvView view{
      .type = type, .n_blocks = n_blocks, .block_size = kBlock, .n_kv_heads = kKvHeads, .head_dim = kHeadDim};
  const std::size_t pool_bytes = view.slot_bytes() * static_cast<std::size_t>(n_blocks * kBlock);
  std::vector<std::vector<std::byte>> k_pools(kLayers), v_pools(kLayers);
  // Blocks in shuffled order, as a long-running server's pool hands them out.
  std::vector<std::int32_t> table(static_cast<std::size_t>(n_blocks));
  std::iota(table.begin(), table.end(), 0);
  std::mt19937 rng(1);
  std::shuffle(table.begin(), table.end(), rng);
  std::normal_distribution<float> normal;
  std::vector<float> k(static_cast<std::size_t>(kKvHeads * kHeadDim)), v(k.size());
  std::vector<PagedKvView> layers;
  for (int l = 0; l < kLayers; ++l) {
    k_pools[static_cast<std::size_t>(l)].resize(pool_bytes);
    v_pools[static_cast<std::size_t>(l)].resize(pool_bytes);
    PagedKvView layer = view;
    layer.k = k_pools[static_cast<std::size_t>(l)].data();
    layer.v = v_pools[static_cast<std::size_t>(l)].data();
    for (int p = 0; p < depth; ++p) {
      for (auto& x : k) x = normal(rng);
      for (auto& x : v) x = normal(rng);
      paged_kv_store(layer, table.data(), p, k.data(), v.data());
    }
    layers.push_back(layer);
  }
  std::vector<float> q(kHeads * kHeadDim), out(q.size());
  for (auto& x : q) x = normal(rng);
  const std::int32_t seq = 0, pos = depth - 1;
  KernelContext ctx(kernel_table(isa), &pool());
  const AttentionBatch batch{.q = q.data(),
                             .out = out.data(),
                             .n_tokens = 1,
                             .n_heads = kHeads,
                             .token_seq = &seq,
                             .token_pos = &pos,
                             .block_tables = table.data(),
                             .max_blocks_per_seq = n_blocks,
                             .scale = 0.125f};
  for (auto _ : state) {
    for (const PagedKvView& layer : layers) paged_attention(ctx, layer, batch);
    benchmark::DoNotOptimize(out.data());
  }
  const double kv_bytes = 2.0 * kLayers * view.slot_bytes() * depth;
  state.counters["kv_GB/s"] = benchmark::Counter(kv_bytes * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
  state.counters["kv_bytes_per_token"] = 2.0 * kLayers * static_cast<double>(view.slot_bytes());
}

void register_all() {
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    for (GgmlType type : {GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0}) {
      const std::string name =
          std::string("decode_attention/") + std::string(isa_name(isa)) + "/" + std::string(ggml_type_name(type));
      benchmark::RegisterBenchmark(name.c_str(), decode_attention, isa, type)
          ->Arg(2048)
          ->Arg(4096)
          ->Arg(8192)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

}  // namespace
}  // namespace servir::kernels::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  servir::kernels::bench::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
