// GEMV (decode) and GEMM (prefill / batched decode) of the TinyLlama-1.1B
// weight shapes, per weight type, after a memory-bandwidth probe.
//
// GEMV cycles through enough copies of the weight matrix to exceed the
// last-level cache (kColdBytes in all), so every call streams its weights
// from DRAM, as in a real decode step; it reports GB/s of weights read and
// the % of the probe. GEMM reports GFLOP/s (2*M*N*K per call), with hot
// weights (gemm/) and, for batched decode, cold ones (gemm_cold/).
// Types the kernel table runs interleaved by 16 rows (kernels/weights_x16.h,
// as the model binder lays them out) are measured in that layout, named
// TYPEx16 (q4_0x16, q8_0x16), beside the GGUF-row layout.
//
// Run: make bench-kernels   (or build/bench/kernels/bench_kernels [flags])
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "bandwidth_probe.h"
#include "kernels/dtype_traits.h"
#include "kernels/matmul.h"
#include "kernels/weights_x16.h"

namespace servir::kernels::bench {
namespace {

constexpr std::size_t kColdBytes = std::size_t{640} << 20;  // > the 260 MB L3 this VM reports
double g_probe_bytes_per_s = 0;

// Physical cores, or SERVIR_BENCH_THREADS.
ThreadPool& pool() {
  static ThreadPool p(std::getenv("SERVIR_BENCH_THREADS") != nullptr ? std::atoi(std::getenv("SERVIR_BENCH_THREADS"))
                                                                     : 0);
  return p;
}

const KernelTable& table() { return **default_kernel_table(); }

struct Shape {
  std::int64_t n, k;
};
// TinyLlama-1.1B: attn q/o, attn k/v (GQA), ffn gate/up, ffn down, output.
constexpr Shape kShapes[] = {{2048, 2048}, {256, 2048}, {5632, 2048}, {2048, 5632}, {32000, 2048}};
constexpr GgmlType kTypes[] = {GgmlType::kF16, GgmlType::kQ8_0, GgmlType::kQ4_0, GgmlType::kQ4_K, GgmlType::kQ6_K};

struct FreeDeleter {
  void operator()(std::byte* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<std::byte, FreeDeleter>;

Buffer alloc(std::size_t bytes) {
  return Buffer(static_cast<std::byte*>(std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096)));
}

// `copies` back-to-back copies of an N x K weight matrix of real quantized
// data (a 64-row pattern quantized once, then tiled).
Buffer make_weights(GgmlType type, Shape s, std::size_t copies) {
  const DTypeTraits& t = *dtype_traits(type);
  const std::size_t row = row_bytes(t, s.k);
  const std::size_t matrix = row * static_cast<std::size_t>(s.n);
  Buffer buf = alloc(matrix * copies);
  const std::int64_t pattern_rows = std::min<std::int64_t>(64, s.n);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> x(static_cast<std::size_t>(s.k));
  for (std::int64_t r = 0; r < pattern_rows; ++r) {
    for (auto& v : x) v = normal(rng);
    t.from_f32(x.data(), buf.get() + static_cast<std::size_t>(r) * row, s.k);
  }
  const std::size_t pattern = row * static_cast<std::size_t>(pattern_rows);
  for (std::size_t off = pattern; off < matrix * copies; off += pattern) {
    std::memcpy(buf.get() + off, buf.get(), std::min(pattern, matrix * copies - off));
  }
  return buf;
}

// The same weights interleaved by 16 rows: the first copy converted, then
// copied (every copy holds the same matrix).
Buffer make_weights_x16(GgmlType type, Shape s, std::size_t copies) {
  const std::size_t matrix = row_bytes(*dtype_traits(type), s.k) * static_cast<std::size_t>(s.n);
  const Buffer rows = make_weights(type, s, 1);
  Buffer buf = alloc(matrix * copies);
  interleave_x16(type, rows.get(), row_bytes(*dtype_traits(type), s.k), s.n, s.k, buf.get());
  for (std::size_t c = 1; c < copies; ++c) std::memcpy(buf.get() + c * matrix, buf.get(), matrix);
  return buf;
}

// A weight view of copy i, in the layout asked for.
TensorView weight_view(const Buffer& w, std::size_t i, std::size_t matrix, GgmlType type, Shape s, bool x16) {
  auto v = TensorView::contiguous(w.get() + i * matrix, type, s.k, s.n);
  if (x16) v.layout = WeightLayout::kX16;
  return v;
}

std::vector<float> make_activations(std::int64_t m, std::int64_t k) {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> a(static_cast<std::size_t>(m * k));
  for (auto& v : a) v = normal(rng);
  return a;
}

// cold: weights cycle through kColdBytes of copies (DRAM); hot: one copy
// that stays in cache (the kernel's compute ceiling).
void BM_Gemv(benchmark::State& state, GgmlType type, Shape s, bool cold, bool x16) {
  const DTypeTraits& t = *dtype_traits(type);
  const std::size_t matrix = row_bytes(t, s.k) * static_cast<std::size_t>(s.n);
  const std::size_t copies = cold ? (kColdBytes + matrix - 1) / matrix : 1;
  Buffer w = x16 ? make_weights_x16(type, s, copies) : make_weights(type, s, copies);
  auto a = make_activations(1, s.k);
  std::vector<float> c(static_cast<std::size_t>(s.n));
  KernelContext ctx(table(), &pool());
  std::size_t i = 0;
  for (auto _ : state) {
    matmul(ctx, TensorView::contiguous(a.data(), GgmlType::kF32, s.k, 1),
           weight_view(w, i++ % copies, matrix, type, s, x16),
           TensorView::contiguous(c.data(), GgmlType::kF32, s.n, 1));
    benchmark::DoNotOptimize(c.data());
  }
  const double bytes = static_cast<double>(matrix);
  state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["%probe"] =
      benchmark::Counter(100.0 * bytes / g_probe_bytes_per_s, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MB"] = bytes / 1e6;
}

// hot: one copy of the weights (the compute ceiling); cold: weights cycle
// through kColdBytes of copies like GEMV, as in a batched decode step, where
// every weight comes from DRAM once per step (compare with gemv/: the ratio
// is the cost of a decode step of M sequences over one of a single one).
void BM_Gemm(benchmark::State& state, GgmlType type, Shape s, bool cold, bool x16) {
  const std::int64_t m = state.range(0);
  const std::size_t matrix = row_bytes(*dtype_traits(type), s.k) * static_cast<std::size_t>(s.n);
  const std::size_t copies = cold ? (kColdBytes + matrix - 1) / matrix : 1;
  Buffer w = x16 ? make_weights_x16(type, s, copies) : make_weights(type, s, copies);
  auto a = make_activations(m, s.k);
  std::vector<float> c(static_cast<std::size_t>(m * s.n));
  KernelContext ctx(table(), &pool());
  std::size_t i = 0;
  for (auto _ : state) {
    matmul(ctx, TensorView::contiguous(a.data(), GgmlType::kF32, s.k, m),
           weight_view(w, i++ % copies, matrix, type, s, x16),
           TensorView::contiguous(c.data(), GgmlType::kF32, s.n, m));
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * static_cast<double>(m * s.n * s.k) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// (type, interleaved) pairs: every type as GGUF rows, and the types the
// table runs interleaved also in that layout.
struct Variant {
  GgmlType type;
  bool x16;
  std::string name() const { return std::string(ggml_type_name(type)) + (x16 ? "x16" : ""); }
};

std::vector<Variant> variants() {
  std::vector<Variant> v;
  for (GgmlType type : kTypes) {
    v.push_back({type, false});
    if (table().interleave_x16 && table().repack_gemm_x16[static_cast<std::uint32_t>(type)] != nullptr) {
      v.push_back({type, true});
    }
  }
  return v;
}

void register_all() {
  for (const Variant& var : variants()) {
    for (Shape s : kShapes) {
      const std::string name = var.name() + "/" + std::to_string(s.n) + "x" + std::to_string(s.k);
      benchmark::RegisterBenchmark(("gemv/" + name).c_str(), BM_Gemv, var.type, s, true, var.x16)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  for (const Variant& var : variants()) {
    const std::string name = var.name() + "/256x2048";
    benchmark::RegisterBenchmark(("gemv_hot/" + name).c_str(), BM_Gemv, var.type, Shape{256, 2048}, false, var.x16)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  for (const Variant& var : variants()) {
    for (Shape s : kShapes) {
      const std::string name = var.name() + "/" + std::to_string(s.n) + "x" + std::to_string(s.k);
      benchmark::RegisterBenchmark(("gemm/" + name).c_str(), BM_Gemm, var.type, s, false, var.x16)
          ->ArgName("M")
          ->Arg(16)
          ->Arg(64)
          ->Arg(512)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
  // Batched decode: M running sequences, one token each.
  for (const Variant& var : variants()) {
    for (Shape s : kShapes) {
      const std::string name = var.name() + "/" + std::to_string(s.n) + "x" + std::to_string(s.k);
      benchmark::RegisterBenchmark(("gemm_cold/" + name).c_str(), BM_Gemm, var.type, s, true, var.x16)
          ->ArgName("M")
          ->Arg(2)
          ->Arg(4)
          ->Arg(8)
          ->Arg(16)
          ->Arg(64)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace
}  // namespace servir::kernels::bench

int main(int argc, char** argv) {
  using namespace servir::kernels;
  benchmark::Initialize(&argc, argv);
  const auto chosen = default_kernel_table();
  if (!chosen.ok()) {
    std::fprintf(stderr, "bench_kernels: %s\n", chosen.status().to_string().c_str());
    return 2;
  }
  bench::g_probe_bytes_per_s = bench::measure_read_bandwidth(bench::pool(), std::size_t{1} << 30, 5);
  std::printf("memory-read probe: %.2f GB/s (%d threads summing a 1 GiB array, median of 5)\n",
              bench::g_probe_bytes_per_s / 1e9, bench::pool().size());
  std::printf("kernels: %s; GEMV weights cycle through %zu MiB of copies (cold, from DRAM)\n",
              std::string(isa_name((*chosen)->isa)).c_str(), bench::kColdBytes >> 20);
  std::fflush(stdout);
  bench::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
