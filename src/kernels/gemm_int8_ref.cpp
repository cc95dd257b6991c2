// Scalar twins of the int8 GEMM tile kernels (layout in gemm_int8.h), and
// the activation split every level uses.
#include <cstring>

#include "kernels/gemm_int8.h"
#include "kernels/quant/block_types.h"
#include "util/half.h"

namespace servir::kernels {
namespace {

std::byte* tile_block(void* tile, std::int64_t i) { return static_cast<std::byte*>(tile) + i * kInt8TileBlockBytes; }

// Writes 32 levels, scale and offset of row j into tile block i.
void put_block(void* tile, std::int64_t i, int j, const std::uint8_t* u, float scale, float offset) {
  std::byte* t = tile_block(tile, i);
  for (int g = 0; g < 8; ++g) std::memcpy(t + 64 * g + 4 * j, u + 4 * g, 4);
  std::memcpy(t + 512 + 4 * j, &scale, 4);
  std::memcpy(t + 576 + 4 * j, &offset, 4);
}

template <typename Block>
const Block* row_blocks(const void* w, std::size_t w_stride, int j) {
  return reinterpret_cast<const Block*>(static_cast<const std::byte*>(w) + j * w_stride);
}

}  // namespace

namespace ref {

void repack_q8_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  std::memset(tile, 0, static_cast<std::size_t>(b1 - b0) * kInt8TileBlockBytes);
  for (int j = 0; j < n_rows; ++j) {
    const auto* x = row_blocks<BlockQ8_0>(w, w_stride, j);
    for (std::int64_t b = b0; b < b1; ++b) {
      std::uint8_t u[kQK];
      for (int i = 0; i < kQK; ++i) u[i] = static_cast<std::uint8_t>(x[b].qs[i] + 128);
      const float d = f16_to_f32(x[b].d);
      put_block(tile, b - b0, j, u, d, -128.0f * d);
    }
  }
}

void repack_q4_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  std::memset(tile, 0, static_cast<std::size_t>(b1 - b0) * kInt8TileBlockBytes);
  for (int j = 0; j < n_rows; ++j) {
    const auto* x = row_blocks<BlockQ4_0>(w, w_stride, j);
    for (std::int64_t b = b0; b < b1; ++b) {
      std::uint8_t u[kQK];
      for (int i = 0; i < kQK / 2; ++i) {
        u[i] = x[b].qs[i] & 0x0F;
        u[i + 16] = x[b].qs[i] >> 4;
      }
      const float d = f16_to_f32(x[b].d);
      put_block(tile, b - b0, j, u, d, -8.0f * d);
    }
  }
}

void repack_q4_K_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  std::memset(tile, 0, static_cast<std::size_t>(b1 - b0) * kInt8TileBlockBytes);
  for (int j = 0; j < n_rows; ++j) {
    const auto* x = row_blocks<BlockQ4_K>(w, w_stride, j);
    for (std::int64_t b = b0; b < b1; ++b) {
      const BlockQ4_K& blk = x[b / 8];
      const int sub = static_cast<int>(b % 8);  // 32-value sub-block
      const std::uint8_t* qs = blk.qs + 32 * (sub / 2);
      std::uint8_t u[kQK];
      for (int i = 0; i < kQK; ++i) u[i] = sub % 2 == 0 ? qs[i] & 0x0F : qs[i] >> 4;
      std::uint8_t sc, m;
      k_scale_min(sub, blk.scales, &sc, &m);
      put_block(tile, b - b0, j, u, f16_to_f32(blk.d) * static_cast<float>(sc),
                -(f16_to_f32(blk.dmin) * static_cast<float>(m)));
    }
  }
}

void gemm_int8_tile(std::int64_t n_blocks, const void* tile, const Int8Act& act, int n_act, float* c, std::size_t ldc,
                    int n_cols, bool accumulate, const Int8Prefetch& /*prefetch: a hint the reference ignores*/) {
  for (int r = 0; r < n_act; ++r) {
    for (int j = 0; j < n_cols; ++j) {
      float sum = accumulate ? c[r * ldc + j] : 0.0f;
      for (std::int64_t b = 0; b < n_blocks; ++b) {
        const auto* t = static_cast<const std::byte*>(tile) + b * kInt8TileBlockBytes;
        const std::int8_t* q = act.q + r * act.q_stride + 32 * b;
        std::int32_t dot = 0;
        for (int g = 0; g < 8; ++g) {
          for (int i = 0; i < 4; ++i) dot += static_cast<std::uint8_t>(t[64 * g + 4 * j + i]) * q[4 * g + i];
        }
        float scale, offset;
        std::memcpy(&scale, t + 512 + 4 * j, 4);
        std::memcpy(&offset, t + 576 + 4 * j, 4);
        sum += static_cast<float>(dot) * (scale * act.d[r * act.d_stride + b]) + offset * act.s[r * act.d_stride + b];
      }
      c[r * ldc + j] = sum;
    }
  }
}

namespace {

void repack_then_multiply(RepackInt8TileFn repack, const Int8Weights& w, void* tile, const Int8Act& act, int n_act,
                          const Int8Out& out) {
  repack(w.w, w.stride, w.n_rows, w.b0, w.b1, tile);
  gemm_int8_tile(w.b1 - w.b0, tile, act, n_act, out.c, out.ldc, w.n_rows, out.accumulate, {});
}

}  // namespace

void repack_gemm_q8_0_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& /*prefetch*/) {
  repack_then_multiply(repack_q8_0_tile, w, tile, act, n_act, out);
}

void repack_gemm_q4_0_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& /*prefetch*/) {
  repack_then_multiply(repack_q4_0_tile, w, tile, act, n_act, out);
}

void repack_gemm_q4_K_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& /*prefetch*/) {
  repack_then_multiply(repack_q4_K_tile, w, tile, act, n_act, out);
}

}  // namespace ref

void split_int8_act_q8_0(const void* row, std::int64_t k, std::int8_t* q, float* d, float* s) {
  const auto* y = static_cast<const BlockQ8_0*>(row);
  for (std::int64_t b = 0; b < k / kQK; ++b) {
    std::int32_t sum = 0;
    for (int i = 0; i < kQK; ++i) sum += y[b].qs[i];
    std::memcpy(q + kQK * b, y[b].qs, kQK);
    d[b] = f16_to_f32(y[b].d);
    s[b] = d[b] * static_cast<float>(sum);
  }
}

void split_int8_act_q8_K(const void* row, std::int64_t k, std::int8_t* q, float* d, float* s) {
  const auto* y = static_cast<const BlockQ8_K*>(row);
  for (std::int64_t b = 0; b < k / kQK; ++b) {
    const BlockQ8_K& blk = y[b / 8];
    const int sub = static_cast<int>(b % 8);
    std::memcpy(q + kQK * b, blk.qs + kQK * sub, kQK);
    d[b] = blk.d;
    s[b] = blk.d * static_cast<float>(blk.bsums[2 * sub] + blk.bsums[2 * sub + 1]);
  }
}

}  // namespace servir::kernels
