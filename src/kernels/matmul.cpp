#include "kernels/matmul.h"

#include <algorithm>
#include <cstdint>

#include "kernels/dtype_traits.h"
#include "kernels/gemm_int8.h"
#include "kernels/matmul_bf16_tiles.h"
#include "kernels/weights_x16.h"
#include "util/check.h"

namespace servir::kernels {
namespace {

// Weight rows per tile: enough bytes to amortize a pass of the activation
// rows, small enough that the tile stays in L2 for that pass.
std::int64_t tile_rows(std::size_t w_row_bytes) {
  constexpr std::size_t kTileBytes = 96 * 1024;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(kTileBytes / std::max<std::size_t>(1, w_row_bytes)));
}

// K per int8 tile repack, in 32-value blocks: the tile (10 KiB) and eight
// activation rows of the chunk stay in L1 while the rows pass over it. A
// multiple of 8, so Q4_K super-blocks never straddle chunks.
constexpr std::int64_t kInt8ChunkBlocks = 16;

// How far ahead (in chunks) the tile kernel prefetches weights: DRAM
// streams the next chunks while the current one is multiplied.
constexpr std::int64_t kInt8PrefetchChunks = 1;

// Bytes matmul_int8_tiles needs after the quantized activation rows.
std::size_t int8_tile_scratch(std::int64_t M, std::int64_t K) {
  return static_cast<std::size_t>(M * K) + 2 * sizeof(float) * static_cast<std::size_t>(M * (K / 32)) + 128;
}

// The int8-tile GEMM (gemm_int8.h): for M >= 2 over GGUF rows, for every M
// over interleaved weights (weights_x16.h). The activations (Q8_0 or Q8_K
// rows at `act`) are split into signed values, scales and scaled sums; each
// thread then repacks 16 weight rows x one chunk of K at a time into an L1
// tile and runs every activation row over it, 8 at a time, so every weight
// byte is read from memory once and decoded once per call.
void matmul_int8_tiles(KernelContext& ctx, const std::byte* act, std::size_t act_stride, GgmlType act_type,
                       std::int64_t M, const TensorView& w, const TensorView& c) {
  const KernelTable& table = ctx.kernels();
  const std::int64_t K = w.cols(), N = w.rows();
  const std::int64_t nb = K / 32;
  // The caller sized the scratch: activation rows, values, scales, sums.
  auto* q = reinterpret_cast<std::int8_t*>(const_cast<std::byte*>(act) + act_stride * static_cast<std::size_t>(M));
  auto* d = reinterpret_cast<float*>((reinterpret_cast<std::uintptr_t>(q + M * K) + 63) / 64 * 64);
  float* s = d + M * nb;
  const auto split = act_type == GgmlType::kQ8_0 ? split_int8_act_q8_0 : split_int8_act_q8_K;
  auto split_rows = [&](std::int64_t m0, std::int64_t m1) {
    for (std::int64_t m = m0; m < m1; ++m) split(act + m * act_stride, K, q + m * K, d + m * nb, s + m * nb);
  };
  if (M * K < 64 * 1024) {
    split_rows(0, M);
  } else {
    ctx.parallel_for(M, 1, split_rows);
  }
  const auto slot = static_cast<std::uint32_t>(w.type);
  const bool x16 = w.layout == WeightLayout::kX16;
  const RepackGemmInt8TileFn repack_gemm = table.repack_gemm_int8_tile[slot];
  const RepackGemmX16Fn repack_gemm_x16 = table.repack_gemm_x16[slot];
  const GemmInt8TileFn gemm = table.gemm_int8_tile[slot] != nullptr ? table.gemm_int8_tile[slot] : ref::gemm_int8_tile;
  const std::size_t ldc = c.row_stride() / sizeof(float);
  if (x16 && table.gemm_x16[slot] != nullptr && M >= table.gemm_x16_min_rows) {
    const GemmX16Fn gemm_x16 = table.gemm_x16[slot];
    const Int8Act a{
        .q = q, .q_stride = static_cast<std::size_t>(K), .d = d, .s = s, .d_stride = static_cast<std::size_t>(nb)};
    ctx.parallel_for(N, kInt8TileRows, [&](std::int64_t n0, std::int64_t n1) {
      for (std::int64_t t0 = n0; t0 < n1; t0 += kInt8TileRows) {
        gemm_x16(x16_group(w, t0), nb, a, static_cast<int>(M), c.row_f32(0) + t0, ldc);
      }
    });
    return;
  }
  const std::int64_t n_chunks = (nb + kInt8ChunkBlocks - 1) / kInt8ChunkBlocks;
  const DTypeTraits& wt = *dtype_traits(w.type);
  ctx.parallel_for(N, kInt8TileRows, [&](std::int64_t n0, std::int64_t n1) {
    alignas(64) std::byte tile[kInt8ChunkBlocks * kInt8TileBlockBytes];
    for (std::int64_t t0 = n0; t0 < n1; t0 += kInt8TileRows) {
      const int cols = static_cast<int>(std::min<std::int64_t>(kInt8TileRows, n1 - t0));
      for (std::int64_t b0 = 0; b0 < nb; b0 += kInt8ChunkBlocks) {
        const std::int64_t b1 = std::min(nb, b0 + kInt8ChunkBlocks);
        // The chunk kInt8PrefetchChunks ahead in this thread's range (GGUF
        // rows only: the interleaved groups are one sequential stream that
        // the hardware prefetcher follows).
        Int8Prefetch prefetch;
        const std::int64_t ahead = b0 / kInt8ChunkBlocks + kInt8PrefetchChunks;
        const std::int64_t pt = t0 + kInt8TileRows * (ahead / n_chunks), pb = ahead % n_chunks * kInt8ChunkBlocks;
        if (!x16 && pt < n1) {
          const std::size_t first = row_bytes(wt, 32 * pb);
          prefetch = {.rows = static_cast<const std::byte*>(w.row(pt)) + first,
                      .stride = w.row_stride(),
                      .n_rows = static_cast<int>(std::min<std::int64_t>(kInt8TileRows, n1 - pt)),
                      .bytes = row_bytes(wt, 32 * std::min(nb, pb + kInt8ChunkBlocks)) - first};
        }
        for (std::int64_t m = 0; m < M; m += kInt8TileMaxAct) {
          const int rows = static_cast<int>(std::min<std::int64_t>(kInt8TileMaxAct, M - m));
          const Int8Act a{.q = q + m * K + 32 * b0,
                          .q_stride = static_cast<std::size_t>(K),
                          .d = d + m * nb + b0,
                          .s = s + m * nb + b0,
                          .d_stride = static_cast<std::size_t>(nb)};
          if (m == 0 && x16) {
            repack_gemm_x16(x16_group(w, t0), b0, b1, tile, a, rows,
                            {.c = c.row_f32(m) + t0, .ldc = ldc, .accumulate = b0 > 0});
          } else if (m == 0) {
            repack_gemm({.w = w.row(t0), .stride = w.row_stride(), .n_rows = cols, .b0 = b0, .b1 = b1}, tile, a, rows,
                        {.c = c.row_f32(m) + t0, .ldc = ldc, .accumulate = b0 > 0}, prefetch);
          } else {
            gemm(b1 - b0, tile, a, rows, c.row_f32(m) + t0, ldc, cols, b0 > 0, {});
          }
        }
      }
    }
  });
}

}  // namespace

void matmul(KernelContext& ctx, const TensorView& a, const TensorView& w, const TensorView& c) {
  const std::int64_t K = w.cols();
  const std::int64_t N = w.rows();
  const std::int64_t M = a.rows();
  CHECK(a.type == GgmlType::kF32 && c.type == GgmlType::kF32) << "matmul takes and returns f32 activations";
  CHECK(a.cols() == K) << "matmul: activations have " << a.cols() << " columns, weights " << K;
  CHECK(c.cols() == N && c.rows() == M) << "matmul: output is " << c.rows() << "x" << c.cols() << ", expected " << M
                                        << "x" << N;
  const DTypeTraits* wt = dtype_traits(w.type);
  CHECK(wt != nullptr) << "matmul: no kernels for weight type " << ggml_type_name(w.type);
  const KernelTable& table = ctx.kernels();
  const VecDotFn dot = table.dot(w.type);
  CHECK(dot != nullptr) << "matmul: no vec_dot for " << ggml_type_name(w.type);
  const DTypeTraits* at = dtype_traits(wt->vec_dot_type);
  CHECK(K % wt->block_size == 0 && K % at->block_size == 0)
      << "matmul: K=" << K << " is not whole blocks of " << ggml_type_name(w.type);

  const bool x16 = w.layout == WeightLayout::kX16;
  if (x16) {
    CHECK(table.repack_gemm_x16[static_cast<std::uint32_t>(w.type)] != nullptr && wt->vec_dot_type == GgmlType::kQ8_0)
        << "matmul: no kernels for " << ggml_type_name(w.type) << " interleaved by 16 rows";
    CHECK(c.row_stride() % sizeof(float) == 0) << "matmul: interleaved weights need f32-aligned output rows";
  }
  if (c.row_stride() % sizeof(float) == 0 && a.row_stride() % sizeof(float) == 0 &&
      use_bf16_tiles(table, w.type, M, K, w.layout)) {
    matmul_bf16_tiles(ctx, a, w, c);
    return;
  }

  // Activations in the partner type, one row per `act_stride` bytes.
  const std::byte* act = static_cast<const std::byte*>(a.data);
  std::size_t act_stride = a.row_stride();
  if (wt->vec_dot_type != GgmlType::kF32) {
    act_stride = row_bytes(*at, K);
    // Interleaved weights take the tiles for every M (a one-row tile pass
    // still streams them at memory speed); they have no other path.
    const bool int8_tiles =
        x16 || (M >= table.int8_tile_min_rows && table.gemm_int8_tile[static_cast<std::uint32_t>(w.type)] != nullptr &&
                table.repack_gemm_int8_tile[static_cast<std::uint32_t>(w.type)] != nullptr &&
                c.row_stride() % sizeof(float) == 0);
    const std::size_t q_bytes = act_stride * static_cast<std::size_t>(M);
    std::byte* q = ctx.scratch(q_bytes + (int8_tiles ? int8_tile_scratch(M, K) : 0));
    const FromF32Fn quantize = table.quantizer(wt->vec_dot_type);
    auto quantize_rows = [&](std::int64_t m0, std::int64_t m1) {
      for (std::int64_t m = m0; m < m1; ++m) quantize(a.row_f32(m), q + m * act_stride, K);
    };
    // A few rows (decode) are quicker on this thread than a fork/join.
    if (M * K < 64 * 1024) {
      quantize_rows(0, M);
    } else {
      ctx.parallel_for(M, 1, quantize_rows);
    }
    act = q;
    if (int8_tiles) {
      matmul_int8_tiles(ctx, q, act_stride, wt->vec_dot_type, M, w, c);
      return;
    }
  }

  const std::size_t w_stride = w.row_stride();
  const std::int64_t tile = tile_rows(w_stride);
  // Grain: keep thread ranges a multiple of 16 rows where N allows, so
  // threads split evenly and never share an output cache line in GEMV.
  const std::int64_t grain = N >= 16 * ctx.n_threads() ? 16 : 1;
  ctx.parallel_for(N, grain, [&](std::int64_t n0, std::int64_t n1) {
    float tmp[kMaxDotRows];
    for (std::int64_t t0 = n0; t0 < n1; t0 += tile) {
      const std::int64_t t1 = std::min(n1, t0 + tile);
      for (std::int64_t m = 0; m < M; m += kMaxDotRows) {
        const int rows = static_cast<int>(std::min<std::int64_t>(kMaxDotRows, M - m));
        const std::byte* act_m = act + m * act_stride;
        for (std::int64_t n = t0; n < t1; ++n) {
          dot(K, w.row(n), act_m, act_stride, rows, tmp);
          for (int r = 0; r < rows; ++r) c.row_f32(m + r)[n] = tmp[r];
        }
      }
    }
  });
}

}  // namespace servir::kernels
