#include "kernels/matmul_bf16_tiles.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "kernels/gemm_bf16.h"
#include "util/check.h"

namespace servir::kernels {
namespace {

struct FreeAligned {
  void operator()(void* p) const { std::free(p); }
};

// Per-thread scratch for a dequantized strip (and the f32 row the generic
// path dequantizes into). The pool threads live as long as the process, so
// this grows to the largest K once and is reused, never freed per call.
struct StripScratch {
  std::unique_ptr<std::uint16_t, FreeAligned> strip;
  std::unique_ptr<float, FreeAligned> row;
  std::int64_t k = 0;

  void reserve(std::int64_t want) {
    if (want <= k) return;
    const auto strip_bytes = static_cast<std::size_t>(want) * kBf16StripRows * sizeof(std::uint16_t);
    strip.reset(static_cast<std::uint16_t*>(std::aligned_alloc(64, strip_bytes)));
    row.reset(static_cast<float*>(std::aligned_alloc(64, static_cast<std::size_t>(want) * sizeof(float))));
    CHECK(strip != nullptr && row != nullptr) << "out of memory for a " << want << "-wide bf16 strip";
    k = want;
  }
};

}  // namespace

bool use_bf16_tiles(const KernelTable& table, GgmlType w_type, std::int64_t m, std::int64_t k) {
  const auto slot = static_cast<std::uint32_t>(w_type);
  if (table.gemm_bf16_strip == nullptr || !table.bf16_tiles_for[slot] || k % kBf16StepK != 0) return false;
  if (table.pack_bf16_strip[slot] != nullptr) return m >= table.bf16_tile_min_rows;
  return table.to_f32[slot] != nullptr && table.pack_bf16_row != nullptr && m >= table.bf16_tile_min_rows_generic;
}

void matmul_bf16_tiles(KernelContext& ctx, const TensorView& a, const TensorView& w, const TensorView& c) {
  const KernelTable& table = ctx.kernels();
  const std::int64_t M = a.rows(), K = w.cols(), N = w.rows();
  const std::int64_t groups = (M + kBf16GroupRows - 1) / kBf16GroupRows;
  const std::size_t group_elems = static_cast<std::size_t>(K / kBf16StepK) * kBf16GroupStepElems;
  auto* act = reinterpret_cast<std::uint16_t*>(
      ctx.scratch(static_cast<std::size_t>(groups) * group_elems * sizeof(std::uint16_t)));
  const std::size_t lda = a.row_stride() / sizeof(float);
  ctx.parallel_for(groups, 1, [&](std::int64_t g0, std::int64_t g1) {
    for (std::int64_t g = g0; g < g1; ++g) {
      const int rows = static_cast<int>(std::min<std::int64_t>(kBf16GroupRows, M - g * kBf16GroupRows));
      table.pack_bf16_act(a.row_f32(g * kBf16GroupRows), lda, rows, K, act + g * group_elems);
    }
  });

  const PackBf16StripFn pack = table.pack_bf16_strip[static_cast<std::uint32_t>(w.type)];
  const ToF32Fn to_f32 = table.to_f32[static_cast<std::uint32_t>(w.type)];
  const std::size_t ldc = c.row_stride() / sizeof(float);
  const std::int64_t strips = (N + kBf16StripRows - 1) / kBf16StripRows;
  ctx.parallel_for(strips, 1, [&](std::int64_t s0, std::int64_t s1) {
    thread_local StripScratch scratch;
    scratch.reserve(K);
    std::uint16_t* strip = scratch.strip.get();
    for (std::int64_t s = s0; s < s1; ++s) {
      const std::int64_t n0 = s * kBf16StripRows;
      const int rows = static_cast<int>(std::min<std::int64_t>(kBf16StripRows, N - n0));
      if (pack != nullptr) {
        pack(w.row(n0), w.row_stride(), rows, K, strip);
      } else {
        for (int j = 0; j < kBf16StripRows; ++j) {
          if (j < rows) {
            to_f32(w.row(n0 + j), scratch.row.get(), K);
          } else {
            std::fill_n(scratch.row.get(), K, 0.0f);
          }
          table.pack_bf16_row(scratch.row.get(), K, j, strip);
        }
      }
      table.gemm_bf16_strip(strip, rows, K, act, M, c.row_f32(0) + n0, ldc);
    }
  });
}

}  // namespace servir::kernels
