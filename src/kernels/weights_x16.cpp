// The 16-row interleaved weight layout (weights_x16.h): the conversion made
// at load, and the scalar twins of its kernels.
#include "kernels/weights_x16.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/dtype_traits.h"
#include "kernels/gemm_bf16.h"
#include "util/half.h"

namespace servir::kernels {
namespace {

constexpr std::int64_t kBlockValues = 32;

// Bytes of one row-major block (f16 d first, then qs).
std::size_t row_block_bytes(GgmlType type) { return x16_block_bytes(type) / kX16Rows; }

// Blocks [b0, b1) of the 16 rows of `group` back into row-major blocks:
// row j's block b0 + i at rows + j * stride + i * row_block_bytes.
void deinterleave_blocks(GgmlType type, const void* group, std::int64_t b0, std::int64_t b1, std::byte* rows,
                         std::size_t stride) {
  const std::size_t block = row_block_bytes(type), qs = block - 2, x16 = x16_block_bytes(type);
  for (std::int64_t b = b0; b < b1; ++b) {
    const std::byte* src = static_cast<const std::byte*>(group) + static_cast<std::size_t>(b) * x16;
    for (int j = 0; j < kX16Rows; ++j) {
      std::byte* dst = rows + j * stride + static_cast<std::size_t>(b - b0) * block;
      std::memcpy(dst, src + kX16Rows * qs + 2 * j, 2);
      for (std::size_t q = 0; q < qs / 4; ++q) std::memcpy(dst + 2 + 4 * q, src + 64 * q + 4 * j, 4);
    }
  }
}

}  // namespace

bool x16_supported(GgmlType type, std::int64_t n_rows, std::int64_t k) {
  return x16_block_bytes(type) != 0 && n_rows > 0 && n_rows % kX16Rows == 0 && k > 0 && k % kBlockValues == 0;
}

void interleave_x16(GgmlType type, const void* w, std::size_t stride, std::int64_t n_rows, std::int64_t k, void* out) {
  const std::size_t block = row_block_bytes(type), qs = block - 2;
  const std::int64_t nb = k / kBlockValues;
  auto* dst = static_cast<std::byte*>(out);
  for (std::int64_t g = 0; g < n_rows / kX16Rows; ++g) {
    const std::byte* rows = static_cast<const std::byte*>(w) + static_cast<std::size_t>(g * kX16Rows) * stride;
    for (std::int64_t b = 0; b < nb; ++b, dst += x16_block_bytes(type)) {
      for (int j = 0; j < kX16Rows; ++j) {
        const std::byte* src = rows + j * stride + static_cast<std::size_t>(b) * block;
        for (std::size_t q = 0; q < qs / 4; ++q) std::memcpy(dst + 64 * q + 4 * j, src + 2 + 4 * q, 4);
        std::memcpy(dst + kX16Rows * qs + 2 * j, src, 2);
      }
    }
  }
}

void deinterleave_x16(GgmlType type, const void* groups, std::int64_t n_rows, std::int64_t k, void* w,
                      std::size_t stride) {
  const std::size_t group_bytes = x16_group_bytes(type, k);
  for (std::int64_t g = 0; g < n_rows / kX16Rows; ++g) {
    deinterleave_blocks(type, static_cast<const std::byte*>(groups) + static_cast<std::size_t>(g) * group_bytes, 0,
                        k / kBlockValues, static_cast<std::byte*>(w) + static_cast<std::size_t>(g * kX16Rows) * stride,
                        stride);
  }
}

namespace ref {

void repack_x16_tile(GgmlType type, const void* group, std::int64_t b0, std::int64_t b1, void* tile) {
  const std::size_t stride = static_cast<std::size_t>(b1 - b0) * row_block_bytes(type);
  std::vector<std::byte> rows(kX16Rows * stride);
  deinterleave_blocks(type, group, b0, b1, rows.data(), stride);
  const auto repack = type == GgmlType::kQ4_0 ? repack_q4_0_tile : repack_q8_0_tile;
  repack(rows.data(), stride, kX16Rows, 0, b1 - b0, tile);
}

void repack_gemm_q4_0_x16(const void* group, std::int64_t b0, std::int64_t b1, void* tile, const Int8Act& act,
                          int n_act, const Int8Out& out) {
  repack_x16_tile(GgmlType::kQ4_0, group, b0, b1, tile);
  gemm_int8_tile(b1 - b0, tile, act, n_act, out.c, out.ldc, kX16Rows, out.accumulate, {});
}

void repack_gemm_q8_0_x16(const void* group, std::int64_t b0, std::int64_t b1, void* tile, const Int8Act& act,
                          int n_act, const Int8Out& out) {
  repack_x16_tile(GgmlType::kQ8_0, group, b0, b1, tile);
  gemm_int8_tile(b1 - b0, tile, act, n_act, out.c, out.ldc, kX16Rows, out.accumulate, {});
}

namespace {

// The twin of the AMX-INT8 kernel, in its order of operations.
void gemm_x16_signed(GgmlType type, const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c,
                     std::size_t ldc) {
  const std::size_t block = row_block_bytes(type), stride = block * static_cast<std::size_t>(nb);
  std::vector<std::byte> rows(kX16Rows * stride);
  deinterleave_blocks(type, group, 0, nb, rows.data(), stride);
  for (int j = 0; j < kX16Rows; ++j) {
    for (int m = 0; m < n_act; ++m) {
      float acc = 0.0f;
      for (std::int64_t b = 0; b < nb; ++b) {
        const std::byte* x = rows.data() + j * stride + static_cast<std::size_t>(b) * block;
        std::uint16_t h;
        std::memcpy(&h, x, 2);
        const std::int8_t* q = act.q + m * act.q_stride + 32 * b;
        std::int32_t dot = 0;
        for (int i = 0; i < 32; ++i) {
          int level;
          if (type == GgmlType::kQ4_0) {
            const auto byte = static_cast<std::uint8_t>(x[2 + i % 16]);
            level = (i < 16 ? byte & 0x0F : byte >> 4) - 8;
          } else {
            level = static_cast<std::int8_t>(x[2 + i]);
          }
          dot += level * q[i];
        }
        acc = std::fma(static_cast<float>(dot), f16_to_f32(h) * act.d[m * act.d_stride + b], acc);
      }
      c[m * ldc + j] = acc;
    }
  }
}

// Through the row-major reference: de-interleave, dequantize each row with
// the type's scalar to_f32, round into the strip.
void pack_bf16_strip_x16(GgmlType type, const void* groups, int n_groups, std::int64_t k, std::uint16_t* strip) {
  const std::size_t stride = row_block_bytes(type) * static_cast<std::size_t>(k / kBlockValues);
  std::vector<std::byte> rows(static_cast<std::size_t>(kBf16StripRows) * stride);
  deinterleave_x16(type, groups, static_cast<std::int64_t>(n_groups) * kX16Rows, k, rows.data(), stride);
  const ToF32Fn to_f32 = dtype_traits(type)->to_f32;
  std::vector<float> row(static_cast<std::size_t>(k));
  for (int j = 0; j < kBf16StripRows; ++j) {
    if (j < n_groups * kX16Rows) {
      to_f32(rows.data() + j * stride, row.data(), k);
    } else {
      std::fill(row.begin(), row.end(), 0.0f);
    }
    pack_bf16_row(row.data(), k, j, strip);
  }
}

}  // namespace

void gemm_x16_q4_0(const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c, std::size_t ldc) {
  gemm_x16_signed(GgmlType::kQ4_0, group, nb, act, n_act, c, ldc);
}

void gemm_x16_q8_0(const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c, std::size_t ldc) {
  gemm_x16_signed(GgmlType::kQ8_0, group, nb, act, n_act, c, ldc);
}

void pack_bf16_strip_x16_q4_0(const void* groups, int n_groups, std::int64_t k, std::uint16_t* strip) {
  pack_bf16_strip_x16(GgmlType::kQ4_0, groups, n_groups, k, strip);
}

void pack_bf16_strip_x16_q8_0(const void* groups, int n_groups, std::int64_t k, std::uint16_t* strip) {
  pack_bf16_strip_x16(GgmlType::kQ8_0, groups, n_groups, k, strip);
}

}  // namespace ref
}  // namespace servir::kernels
