// BF16 tile GEMM with AMX (layouts and contract in kernels/gemm_bf16.h).
//
// The strip kernel keeps 2x2 output tiles (32 weight rows x 32 activation
// rows) in tile registers over all of K: per k-step it loads two weight
// tiles and two activation tiles and issues four TDPBF16PS (16 cycles
// each), so the 4 KiB of loads hide under 64 cycles of products. Packing
// runs on the AVX-512 units: dequantize 32 values per register, round to
// bf16 with VCVTNE2PS2BF16, and for activations and results a 16x16 dword
// transpose.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/amx/amx_kernels.h"
#include "kernels/amx/tile_scope.h"
#include "kernels/avx512/simd_avx512.h"
#include "kernels/gemm_bf16.h"
#include "kernels/quant/block_types.h"
#include "kernels/weights_x16.h"

namespace servir::kernels::amx {
namespace {

using avx512::transpose_16x16;

// 32 f32 (lo = values 0..15, hi = 16..31) as 32 bf16.
__m512i to_bf16(__m512 lo, __m512 hi) { return reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo)); }

float f16_scale(std::uint16_t h) { return _cvtsh_ss(h); }

void zero_rows(int from, std::int64_t k, std::uint16_t* strip) {
  if (from >= kBf16StripRows) return;
  for (std::int64_t s = 0; s < k / kBf16StepK; ++s) {
    std::memset(strip + (s * kBf16StripRows + from) * kBf16StepK, 0,
                static_cast<std::size_t>(kBf16StripRows - from) * kBf16StepK * sizeof(std::uint16_t));
  }
}

std::uint16_t* strip_row(std::uint16_t* strip, std::int64_t s, int j) {
  return strip + (s * kBf16StripRows + j) * kBf16StepK;
}

// The transposed output tile `t` (16 weight rows x 16 activation rows, f32)
// into c: activation row m < m_rows gets columns j < n_cols.
void store_tile(const float* t, float* c, std::size_t ldc, int m_rows, int n_cols) {
  __m512i r[16];
  for (int j = 0; j < 16; ++j) r[j] = _mm512_load_si512(t + 16 * j);
  transpose_16x16(r);
  const __mmask16 mask = static_cast<__mmask16>(n_cols >= 16 ? 0xffff : (1u << n_cols) - 1);
  for (int m = 0; m < m_rows; ++m) _mm512_mask_storeu_ps(c + m * ldc, mask, _mm512_castsi512_ps(r[m]));
}

// hi = bf16(x) and lo = bf16(x - hi) of 32 f32 values (lo = values 0..15).
void split_bf16(__m512 lo_half, __m512 hi_half, __m512i* hi, __m512i* lo) {
  *hi = to_bf16(lo_half, hi_half);
  // bf16 back to f32: the 16 bits of each value to the top of a dword.
  const __m512 h0 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(*hi)), 16));
  const __m512 h1 =
      _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(*hi, 1)), 16));
  *lo = to_bf16(_mm512_sub_ps(lo_half, h0), _mm512_sub_ps(hi_half, h1));
}

// Activation rows m < n_rows into one group (gemm_bf16.h): `convert` turns
// the 32 floats of a row's k-step into 32 bf16 (dword p = the pair 2p,
// 2p + 1); a 16x16 dword transpose then gives the B tile's rows.
template <typename Convert>
void pack_act_rows(const float* a, std::size_t lda, int n_rows, std::int64_t k, std::uint16_t* act, Convert convert) {
  for (std::int64_t s = 0; s < k / kBf16StepK; ++s) {
    __m512i r[16];
    for (int m = 0; m < 16; ++m) r[m] = m < n_rows ? convert(a + m * lda + s * kBf16StepK) : _mm512_setzero_si512();
    transpose_16x16(r);  // r[p] = the pair (2p, 2p + 1) of every row
    std::uint16_t* dst = act + s * kBf16GroupStepElems;
    for (int p = 0; p < 16; ++p) _mm512_storeu_si512(dst + p * 32, r[p]);
  }
}

}  // namespace

void pack_bf16_strip_q8_0(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip) {
  const std::int64_t steps = k / kBf16StepK;
  for (int j = 0; j < n_rows; ++j) {
    const auto* blocks = reinterpret_cast<const BlockQ8_0*>(static_cast<const std::byte*>(w) + j * stride);
    for (std::int64_t s = 0; s < steps; ++s) {
      const __m512 d = _mm512_set1_ps(f16_scale(blocks[s].d));
      const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[s].qs));
      const __m128i q1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[s].qs + 16));
      const __m512 lo = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q0)));
      const __m512 hi = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q1)));
      _mm512_store_si512(strip_row(strip, s, j), to_bf16(lo, hi));
    }
  }
  zero_rows(n_rows, k, strip);
}

void pack_bf16_strip_q4_0(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip) {
  const std::int64_t steps = k / kBf16StepK;
  const __m512i low4 = _mm512_set1_epi32(0xf), eight = _mm512_set1_epi32(8);
  for (int j = 0; j < n_rows; ++j) {
    const auto* blocks = reinterpret_cast<const BlockQ4_0*>(static_cast<const std::byte*>(w) + j * stride);
    for (std::int64_t s = 0; s < steps; ++s) {
      const __m512 d = _mm512_set1_ps(f16_scale(blocks[s].d));
      const __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[s].qs)));
      const __m512i q0 = _mm512_sub_epi32(_mm512_and_si512(q, low4), eight);
      const __m512i q1 = _mm512_sub_epi32(_mm512_srli_epi32(q, 4), eight);
      const __m512 lo = _mm512_mul_ps(d, _mm512_cvtepi32_ps(q0));
      const __m512 hi = _mm512_mul_ps(d, _mm512_cvtepi32_ps(q1));
      _mm512_store_si512(strip_row(strip, s, j), to_bf16(lo, hi));
    }
  }
  zero_rows(n_rows, k, strip);
}

namespace {

// v[q] holds dword q of 16 rows (row j in dword j, weights_x16.h); after
// the transpose, row 4L + i's dwords 0..3 are lane L of r[i].
void transpose_4x16(const __m512i v[4], __m512i r[4]) { avx512::transpose_4x4_lanes(v, r); }

// The 16 bytes of dwords 4h..4h+3 of every row of a block (the 64-byte
// runs at src + 256 * h), transposed into `rows`: row j's bytes at
// row_bytes(rows, j).
void gather_row_bytes(const std::byte* src, int h, std::uint8_t* rows) {
  __m512i v[4], r[4];
  for (int q = 0; q < 4; ++q) v[q] = _mm512_loadu_si512(src + 256 * h + 64 * q);
  transpose_4x16(v, r);
  for (int i = 0; i < 4; ++i) _mm512_store_si512(rows + 64 * i, r[i]);
}

// Row j = 4L + i is lane L of transposed register i.
const __m128i* row_bytes(const std::uint8_t* rows, int j) {
  return reinterpret_cast<const __m128i*>(rows + 64 * (j % 4) + 16 * (j / 4));
}

}  // namespace

// From the 16-row interleaved layout (weights_x16.h): per block, the rows'
// bytes come back in row order through a 4x16 dword transpose in
// registers, then each row converts as pack_bf16_strip_q4_0 / _q8_0 do.
// Q4_0 through a table per row: the 16 values a nibble can stand for,
// bf16(d * (n - 8)) (the same f32 product and rounding as the row packer),
// looked up with one VPERMW per row, two rows' tables in one register.
void pack_bf16_strip_x16_q4_0(const void* groups, int n_groups, std::int64_t k, std::uint16_t* strip) {
  const std::int64_t steps = k / kBf16StepK;
  constexpr std::size_t block = x16_block_bytes(GgmlType::kQ4_0);
  const __m512 levels = _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7);
  const __m512i low4 = _mm512_set1_epi8(0x0F), second_table = _mm512_set1_epi16(16);
  // [low nibbles | high nibbles] of lanes 0 and 1 (rows i, 4 + i), and of
  // lanes 2 and 3 (rows 8 + i, 12 + i), as qwords of (lo, hi).
  const __m512i lanes01 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
  const __m512i lanes23 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  for (int g = 0; g < n_groups; ++g) {
    const std::byte* group = static_cast<const std::byte*>(groups) + static_cast<std::size_t>(g * steps) * block;
    for (std::int64_t s = 0; s < steps; ++s) {
      const std::byte* src = group + static_cast<std::size_t>(s) * block;
      avx512::prefetch_x16_block_ahead(src, block);
      __m512i v[4], r[4];
      for (int q = 0; q < 4; ++q) v[q] = _mm512_loadu_si512(src + 64 * q);
      transpose_4x16(v, r);  // r[i] lane L: row 4L + i
      alignas(64) float d[16];
      _mm512_store_ps(d, _mm512_cvtph_ps(_mm256_loadu_si256(
                             reinterpret_cast<const __m256i*>(src + x16_scales_offset(GgmlType::kQ4_0)))));
      for (int i = 0; i < 4; ++i) {
        const __m512i lo = _mm512_and_si512(r[i], low4);
        const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(r[i], 4), low4);
        for (int half = 0; half < 2; ++half) {
          // Rows j0 = 8 half + i and j1 = j0 + 4 (lanes 2 half and 2 half + 1).
          const int j0 = 8 * half + i, j1 = j0 + 4;
          const __m512i nibbles = _mm512_permutex2var_epi64(lo, half == 0 ? lanes01 : lanes23, hi);
          const __m512i table =
              to_bf16(_mm512_mul_ps(_mm512_set1_ps(d[j0]), levels), _mm512_mul_ps(_mm512_set1_ps(d[j1]), levels));
          const __m512i idx0 = _mm512_cvtepu8_epi16(_mm512_castsi512_si256(nibbles));
          const __m512i idx1 =
              _mm512_add_epi16(_mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64(nibbles, 1)), second_table);
          _mm512_store_si512(strip_row(strip, s, 16 * g + j0), _mm512_permutexvar_epi16(idx0, table));
          _mm512_store_si512(strip_row(strip, s, 16 * g + j1), _mm512_permutexvar_epi16(idx1, table));
        }
      }
    }
  }
  zero_rows(16 * n_groups, k, strip);
}

void pack_bf16_strip_x16_q8_0(const void* groups, int n_groups, std::int64_t k, std::uint16_t* strip) {
  const std::int64_t steps = k / kBf16StepK;
  constexpr std::size_t block = x16_block_bytes(GgmlType::kQ8_0);
  for (int g = 0; g < n_groups; ++g) {
    const std::byte* group = static_cast<const std::byte*>(groups) + static_cast<std::size_t>(g * steps) * block;
    for (std::int64_t s = 0; s < steps; ++s) {
      const std::byte* src = group + static_cast<std::size_t>(s) * block;
      avx512::prefetch_x16_block_ahead(src, block);
      alignas(64) std::uint8_t rows[2][256];  // values 0..15, 16..31
      gather_row_bytes(src, 0, rows[0]);
      gather_row_bytes(src, 1, rows[1]);
      alignas(64) float d[16];
      _mm512_store_ps(d, _mm512_cvtph_ps(_mm256_loadu_si256(
                             reinterpret_cast<const __m256i*>(src + x16_scales_offset(GgmlType::kQ8_0)))));
      for (int j = 0; j < 16; ++j) {
        const __m512 dj = _mm512_set1_ps(d[j]);
        const __m128i q0 = _mm_load_si128(row_bytes(rows[0], j));
        const __m128i q1 = _mm_load_si128(row_bytes(rows[1], j));
        const __m512 lo = _mm512_mul_ps(dj, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q0)));
        const __m512 hi = _mm512_mul_ps(dj, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q1)));
        _mm512_store_si512(strip_row(strip, s, 16 * g + j), to_bf16(lo, hi));
      }
    }
  }
  zero_rows(16 * n_groups, k, strip);
}

// Q4_K: one 32-value sub-block per k-step, y = (d * sc) * v - dmin * m with
// the two roundings of the scalar dequantizer.
void pack_bf16_strip_q4_K(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip) {
  const __m512i low4 = _mm512_set1_epi32(0xf);
  for (int j = 0; j < n_rows; ++j) {
    const auto* blocks = reinterpret_cast<const BlockQ4_K*>(static_cast<const std::byte*>(w) + j * stride);
    for (std::int64_t b = 0; b < k / kQK_K; ++b) {
      const BlockQ4_K& x = blocks[b];
      const float d = f16_scale(x.d), dmin = f16_scale(x.dmin);
      for (int sub = 0; sub < 8; ++sub) {
        std::uint8_t sc, m;
        k_scale_min(sub, x.scales, &sc, &m);
        const __m512 d1 = _mm512_set1_ps(d * sc), m1 = _mm512_set1_ps(dmin * m);
        const std::uint8_t* q = x.qs + 32 * (sub / 2);
        __m512 half[2];
        for (int h = 0; h < 2; ++h) {
          __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * h)));
          v = sub % 2 == 0 ? _mm512_and_si512(v, low4) : _mm512_srli_epi32(v, 4);
          half[h] = _mm512_sub_ps(_mm512_mul_ps(d1, _mm512_cvtepi32_ps(v)), m1);
        }
        _mm512_store_si512(strip_row(strip, 8 * b + sub, j), to_bf16(half[0], half[1]));
      }
    }
  }
  zero_rows(n_rows, k, strip);
}

// Q6_K: 6-bit levels from the low-nibble and high-2-bit planes, a scale per
// 16 values, y = (d * sc) * (level - 32).
void pack_bf16_strip_q6_K(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip) {
  const __m512i low4 = _mm512_set1_epi32(0xf), three = _mm512_set1_epi32(3), bias = _mm512_set1_epi32(32);
  for (int j = 0; j < n_rows; ++j) {
    const auto* blocks = reinterpret_cast<const BlockQ6_K*>(static_cast<const std::byte*>(w) + j * stride);
    for (std::int64_t b = 0; b < k / kQK_K; ++b) {
      const BlockQ6_K& x = blocks[b];
      const float d = f16_scale(x.d);
      for (int hb = 0; hb < 2; ++hb) {  // 128-value halves of the block
        const std::uint8_t* ql = x.ql + 64 * hb;
        const std::uint8_t* qh = x.qh + 32 * hb;
        for (int g = 0; g < 4; ++g) {  // 32-value groups of the half
          __m512 half[2];
          for (int h = 0; h < 2; ++h) {
            const __m512i lo_bytes =
                _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ql + 32 * (g % 2) + 16 * h)));
            const __m512i hi_bytes =
                _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qh + 16 * h)));
            const __m512i lo = g < 2 ? _mm512_and_si512(lo_bytes, low4) : _mm512_srli_epi32(lo_bytes, 4);
            const __m512i hi = _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(hi_bytes, 2 * g), three), 4);
            const __m512i level = _mm512_sub_epi32(_mm512_or_si512(lo, hi), bias);
            const __m512 scale = _mm512_set1_ps(d * x.scales[8 * hb + 2 * g + h]);
            half[h] = _mm512_mul_ps(scale, _mm512_cvtepi32_ps(level));
          }
          _mm512_store_si512(strip_row(strip, 8 * b + 4 * hb + g, j), to_bf16(half[0], half[1]));
        }
      }
    }
  }
  zero_rows(n_rows, k, strip);
}

void pack_bf16_strip_bf16(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip) {
  const std::int64_t steps = k / kBf16StepK;
  for (int j = 0; j < n_rows; ++j) {
    const auto* row = reinterpret_cast<const std::uint16_t*>(static_cast<const std::byte*>(w) + j * stride);
    for (std::int64_t s = 0; s < steps; ++s) {
      _mm512_store_si512(strip_row(strip, s, j), _mm512_loadu_si512(row + s * kBf16StepK));
    }
  }
  zero_rows(n_rows, k, strip);
}

void pack_bf16_split_strip_f16(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip) {
  const std::int64_t steps = k / kBf16StepK;
  for (int j = 0; j < n_rows; ++j) {
    const auto* row = reinterpret_cast<const std::uint16_t*>(static_cast<const std::byte*>(w) + j * stride);
    for (std::int64_t s = 0; s < steps; ++s) {
      const __m512 x0 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 32 * s)));
      const __m512 x1 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 32 * s + 16)));
      __m512i hi, lo;
      split_bf16(x0, x1, &hi, &lo);
      _mm512_store_si512(strip_row(strip, s, j), hi);
      _mm512_store_si512(strip_row(strip, steps + s, j), lo);
    }
  }
  zero_rows(n_rows, 2 * k, strip);
}

void pack_bf16_row(const float* row, std::int64_t k, int j, std::uint16_t* strip) {
  for (std::int64_t s = 0; s < k / kBf16StepK; ++s) {
    const __m512 lo = _mm512_loadu_ps(row + s * kBf16StepK), hi = _mm512_loadu_ps(row + s * kBf16StepK + 16);
    _mm512_storeu_si512(strip_row(strip, s, j), to_bf16(lo, hi));
  }
}

void pack_bf16_act(const float* a, std::size_t lda, int n_rows, std::int64_t k, std::uint16_t* act) {
  pack_act_rows(a, lda, n_rows, k, act,
                [](const float* p) { return to_bf16(_mm512_loadu_ps(p), _mm512_loadu_ps(p + 16)); });
}

void gemm_bf16_strip(const std::uint16_t* strip, int n_cols, std::int64_t k, const std::uint16_t* act,
                     std::int64_t m_rows, float* c, std::size_t ldc) {
  const std::int64_t steps = k / kBf16StepK;
  const std::int64_t groups = (m_rows + kBf16GroupRows - 1) / kBf16GroupRows;
  const std::size_t group_elems = static_cast<std::size_t>(steps) * kBf16GroupStepElems;
  constexpr std::size_t kStride = 64;  // bytes per tile row
  alignas(64) float out[4][256];
  const int cols0 = n_cols < 16 ? n_cols : 16, cols1 = n_cols - cols0;
  auto rows_of = [&](std::int64_t g) { return static_cast<int>(std::min<std::int64_t>(16, m_rows - 16 * g)); };

  TileScope tiles;
  std::int64_t g = 0;
  for (; g + 1 < groups; g += 2) {
    const std::uint16_t* x0 = act + g * group_elems;
    const std::uint16_t* x1 = x0 + group_elems;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (std::int64_t s = 0; s < steps; ++s) {
      const std::uint16_t* ws = strip + s * kBf16StripRows * kBf16StepK;
      _tile_loadd(4, ws, kStride);
      _tile_loadd(5, ws + 16 * kBf16StepK, kStride);
      _tile_loadd(6, x0 + s * kBf16GroupStepElems, kStride);
      _tile_loadd(7, x1 + s * kBf16GroupStepElems, kStride);
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 5, 6);
      _tile_dpbf16ps(2, 4, 7);
      _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, out[0], kStride);
    _tile_stored(1, out[1], kStride);
    _tile_stored(2, out[2], kStride);
    _tile_stored(3, out[3], kStride);
    float* c0 = c + 16 * g * ldc;
    float* c1 = c0 + 16 * ldc;
    store_tile(out[0], c0, ldc, 16, cols0);
    if (cols1 > 0) store_tile(out[1], c0 + 16, ldc, 16, cols1);
    store_tile(out[2], c1, ldc, rows_of(g + 1), cols0);
    if (cols1 > 0) store_tile(out[3], c1 + 16, ldc, rows_of(g + 1), cols1);
  }
  if (g < groups) {
    const std::uint16_t* x0 = act + g * group_elems;
    _tile_zero(0);
    _tile_zero(1);
    for (std::int64_t s = 0; s < steps; ++s) {
      const std::uint16_t* ws = strip + s * kBf16StripRows * kBf16StepK;
      _tile_loadd(4, ws, kStride);
      _tile_loadd(5, ws + 16 * kBf16StepK, kStride);
      _tile_loadd(6, x0 + s * kBf16GroupStepElems, kStride);
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 5, 6);
    }
    _tile_stored(0, out[0], kStride);
    _tile_stored(1, out[1], kStride);
    float* c0 = c + 16 * g * ldc;
    store_tile(out[0], c0, ldc, rows_of(g), cols0);
    if (cols1 > 0) store_tile(out[1], c0 + 16, ldc, rows_of(g), cols1);
  }
}

}  // namespace servir::kernels::amx
