// BF16 tile GEMM for prefill and batched decode on CPUs with AMX (Intel
// Sapphire Rapids and later): c = a * w^T with a and w rounded to bf16 and
// products summed in f32, at up to 16x16x32 multiply-adds per tile
// instruction (about 1 TFLOP/s per core, 8x what AVX-512 VNNI reaches).
//
// Weights enter as A tiles (16 rows of w x 32 values of K) and activations
// as B tiles, so both are read in their natural row order: a weight strip
// is dequantized once per call straight into bf16 rows, and only the
// activations (once per call) and the 16x16 output tiles are transposed.
//
//   strip (32 weight rows, K values): element (s, j, i) = bf16(w[j][32s + i])
//     at strip[(s * 32 + j) * 32 + i]; rows past n_rows are zero. A tile of
//     k-step s is rows 16t..16t+15 of it (t = 0, 1), 64 bytes apart.
//   activation group (16 rows of a, K values): element (s, p, m, e) =
//     bf16(a[m][32s + 2p + e]) at act[s * 512 + p * 32 + m * 2 + e] (the
//     VNNI pairs a B tile takes); rows past n_rows are zero. Group g of a
//     call starts at act + g * (K / 32) * 512.
//
// Rounding to bf16 is to nearest even with denormals flushed to zero, as the
// AVX512-BF16 conversions do. Every function has a scalar twin below.
//
// Split mode (f16 weights, whose 11-bit significands bf16 cannot hold): a
// weight w is hi(w) + lo(w) with hi = bf16(w), lo = bf16(w - hi), exactly.
// K is doubled: the strip holds [hi(w) | lo(w)] and the activations
// [bf16(a) | bf16(a)], so the one tile product sums hi*a + lo*a: the
// weights exactly as stored and the activations rounded to bf16, as for
// bf16 weights and every quantized type on the tiles. (A third term,
// hi(w) * lo(a), would carry the activations to 16 bits for 1.5x the tile
// work; the rounding it removes is the same size as bf16 weights' own.)
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "util/half.h"

namespace servir::kernels {

inline constexpr int kBf16StripRows = 32;                // weight rows per strip (two A tiles)
inline constexpr int kBf16GroupRows = 16;                // activation rows per group (one B tile)
inline constexpr int kBf16StepK = 32;                    // K per tile step
inline constexpr std::size_t kBf16GroupStepElems = 512;  // bf16 values per group and k-step

// Weight rows j < n_rows <= 32 (row j at w + j * stride bytes, k values, k a
// multiple of 32 and of the type's block) into `strip`, dequantized.
using PackBf16StripFn = void (*)(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip);

// One f32 row (k values) into row j of `strip` (the path for weight types
// without a PackBf16StripFn: dequantize the row to f32 first).
using PackBf16RowFn = void (*)(const float* row, std::int64_t k, int j, std::uint16_t* strip);

// Activation rows m < n_rows <= 16 (row m at a + m * lda floats) into one
// group at `act`.
using PackBf16ActFn = void (*)(const float* a, std::size_t lda, int n_rows, std::int64_t k, std::uint16_t* act);

// Split mode: weight rows j < n_rows <= 32 (k values each) into a strip of
// 2k values [hi | lo].
using PackBf16SplitStripFn = void (*)(const void* w, std::size_t stride, int n_rows, std::int64_t k,
                                      std::uint16_t* strip);

// c[m][j] = sum_k a[m][k] * w[j][k] for m < m_rows, j < n_cols <= 32: one
// strip against ceil(m_rows / 16) consecutive activation groups; row m of
// c at c + m * ldc floats.
using GemmBf16StripFn = void (*)(const std::uint16_t* strip, int n_cols, std::int64_t k, const std::uint16_t* act,
                                 std::int64_t m_rows, float* c, std::size_t ldc);

// f32 -> bf16 as the AVX512-BF16 conversions do it: util/half.h's rounding
// (nearest even, NaN stays NaN) after flushing denormal inputs to zero.
inline std::uint16_t f32_to_bf16_ftz(float x) {
  const auto u = std::bit_cast<std::uint32_t>(x);
  if ((u & 0x7f800000u) == 0) return static_cast<std::uint16_t>((u >> 16) & 0x8000u);  // zero, denormal
  return f32_to_bf16(x);
}

// hi(w) and lo(w) of split mode.
inline float bf16_hi(float x) { return bf16_to_f32(f32_to_bf16_ftz(x)); }
inline float bf16_lo(float x) { return x - bf16_hi(x); }

namespace ref {

void pack_bf16_row(const float* row, std::int64_t k, int j, std::uint16_t* strip);
void pack_bf16_act(const float* a, std::size_t lda, int n_rows, std::int64_t k, std::uint16_t* act);
// Split-mode strip of f16 weights.
void pack_bf16_split_strip_f16(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip);
// Products in k order per output, denormal inputs flushed (as the tiles do).
void gemm_bf16_strip(const std::uint16_t* strip, int n_cols, std::int64_t k, const std::uint16_t* act,
                     std::int64_t m_rows, float* c, std::size_t ldc);

}  // namespace ref
}  // namespace servir::kernels
