// Int8 GEMM tiles with AVX-512 VNNI (layout and contract in gemm_int8.h).
//
// The repack is a register transpose straight from the GGUF blocks: 16 rows
// of a block's 32 bytes become the 8 groups of 16 dwords with three rounds
// of shuffles, the 16 f16 scales of a block come in with one gather. It runs
// once per tile and chunk of K, so its cost is shared by every activation
// row; the kernel then issues one vpdpbusd per 64 weight bytes and row, with
// the activation dword as an embedded broadcast.
#include <immintrin.h>

#include <cstring>

#include "kernels/avx512/avx512_kernels.h"
#include "kernels/gemm_int8.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx512 {
namespace {

__m256i load256(const std::byte* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
__m128i load128(const std::byte* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// out[g] = dword g of the 32 bytes at p + j * stride, for rows j = 0..15 in
// lane order. Rows j and j + 8 share a register; an 8x8 dword transpose runs
// in each 256-bit half, and a final permute interleaves the 128-bit lanes.
void transpose_16x8(const std::byte* p, std::size_t stride, __m512i out[8]) {
  __m512i v[8], t[8], u[8];
  for (int j = 0; j < 8; ++j) {
    v[j] = _mm512_inserti64x4(_mm512_castsi256_si512(load256(p + j * stride)), load256(p + (j + 8) * stride), 1);
  }
  for (int j = 0; j < 8; j += 2) {
    t[j] = _mm512_unpacklo_epi32(v[j], v[j + 1]);
    t[j + 1] = _mm512_unpackhi_epi32(v[j], v[j + 1]);
  }
  for (int h = 0; h < 8; h += 4) {  // rows 0..3 (h = 0) and 4..7 (h = 4) of each half
    u[h] = _mm512_unpacklo_epi64(t[h], t[h + 2]);
    u[h + 1] = _mm512_unpackhi_epi64(t[h], t[h + 2]);
    u[h + 2] = _mm512_unpacklo_epi64(t[h + 1], t[h + 3]);
    u[h + 3] = _mm512_unpackhi_epi64(t[h + 1], t[h + 3]);
  }
  // u[i] (i < 4) lane 0: rows 0..3 dword i, lane 1: rows 0..3 dword i + 4,
  // lanes 2, 3: the same for rows 8..11; u[i + 4] for rows 4..7 / 12..15.
  const __m512i lo = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
  const __m512i hi = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
  for (int i = 0; i < 4; ++i) {
    out[i] = _mm512_permutex2var_epi64(u[i], lo, u[i + 4]);
    out[i + 4] = _mm512_permutex2var_epi64(u[i], hi, u[i + 4]);
  }
}

// out[g] = dword g of the 16 bytes at p + j * stride, rows j = 0..15: register
// q holds rows q, q + 4, q + 8, q + 12 (one per 128-bit lane), and a 4x4
// dword transpose inside the lanes puts row 4L + i at dword i of lane L.
void transpose_16x4(const std::byte* p, std::size_t stride, __m512i out[4]) {
  __m512i z[4];
  for (int q = 0; q < 4; ++q) {
    z[q] = _mm512_castsi128_si512(load128(p + q * stride));
    z[q] = _mm512_inserti32x4(z[q], load128(p + (q + 4) * stride), 1);
    z[q] = _mm512_inserti32x4(z[q], load128(p + (q + 8) * stride), 2);
    z[q] = _mm512_inserti32x4(z[q], load128(p + (q + 12) * stride), 3);
  }
  const __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]), t1 = _mm512_unpackhi_epi32(z[0], z[1]);
  const __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]), t3 = _mm512_unpackhi_epi32(z[2], z[3]);
  out[0] = _mm512_unpacklo_epi64(t0, t2);
  out[1] = _mm512_unpackhi_epi64(t0, t2);
  out[2] = _mm512_unpacklo_epi64(t1, t3);
  out[3] = _mm512_unpackhi_epi64(t1, t3);
}

// Byte offsets of the 16 rows, for gathers.
__m512i row_offsets(std::size_t stride) {
  return _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                            _mm512_set1_epi32(static_cast<int>(stride)));
}

// The f16 in the low half of each of the 16 dwords, as f32.
__m512 low_f16(__m512i dwords) { return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dwords)); }

void store_block(std::byte* t, const __m512i u[8], __m512 scale, __m512 offset) {
  for (int g = 0; g < 8; ++g) _mm512_storeu_si512(t + 64 * g, u[g]);
  _mm512_storeu_ps(t + 512, scale);
  _mm512_storeu_ps(t + 576, offset);
}

// Prefetches the share of block b (of n_blocks) of the rows of `pf`: row
// j goes with blocks j, j + n_blocks, ..., so every row is asked for once.
void prefetch_share(const Int8Prefetch& pf, std::int64_t b, std::int64_t n_blocks) {
  for (std::int64_t j = b; j < pf.n_rows; j += n_blocks) {
    const std::byte* row = pf.rows + j * pf.stride;
    for (std::size_t off = 0; off < pf.bytes; off += 64)
      _mm_prefetch(reinterpret_cast<const char*>(row + off), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(row + pf.bytes - 1), _MM_HINT_T0);
  }
}

template <int NA>
void tile_rows(std::int64_t n_blocks, const std::byte* tile, const Int8Act& act, float* c, std::size_t ldc, int n_cols,
               bool accumulate, const Int8Prefetch& pf) {
  const auto mask = static_cast<__mmask16>((1u << n_cols) - 1);
  __m512 facc[NA];
  for (int r = 0; r < NA; ++r) {
    facc[r] = accumulate ? _mm512_maskz_loadu_ps(mask, c + r * ldc) : _mm512_setzero_ps();
  }
  // Up to four rows leave too few independent vpdpbusd chains to hide the
  // latency: split each row's sum over even and odd groups.
  constexpr int kChains = NA <= 4 ? 2 : 1;
  for (std::int64_t b = 0; b < n_blocks; ++b) {
    const std::byte* t = tile + b * kInt8TileBlockBytes;
    prefetch_share(pf, b, n_blocks);
    __m512i acc[kChains][NA];
    for (int h = 0; h < kChains; ++h) {
      for (int r = 0; r < NA; ++r) acc[h][r] = _mm512_setzero_si512();
    }
    for (int g = 0; g < 8; ++g) {
      const __m512i w = _mm512_loadu_si512(t + 64 * g);
      for (int r = 0; r < NA; ++r) {
        std::int32_t a;
        std::memcpy(&a, act.q + r * act.q_stride + 32 * b + 4 * g, 4);
        acc[g % kChains][r] = _mm512_dpbusd_epi32(acc[g % kChains][r], w, _mm512_set1_epi32(a));
      }
    }
    const __m512 scale = _mm512_loadu_ps(reinterpret_cast<const float*>(t + 512));
    const __m512 offset = _mm512_loadu_ps(reinterpret_cast<const float*>(t + 576));
    for (int r = 0; r < NA; ++r) {
      __m512i dot = acc[0][r];
      if constexpr (kChains == 2) dot = _mm512_add_epi32(dot, acc[1][r]);
      const std::size_t i = r * act.d_stride + b;
      facc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(scale, _mm512_set1_ps(act.d[i])), facc[r]);
      facc[r] = _mm512_fmadd_ps(offset, _mm512_set1_ps(act.s[i]), facc[r]);
    }
  }
  for (int r = 0; r < NA; ++r) _mm512_mask_storeu_ps(c + r * ldc, mask, facc[r]);
}

}  // namespace

void repack_q8_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  if (n_rows < kInt8TileRows) return ref::repack_q8_0_tile(w, w_stride, n_rows, b0, b1, tile);
  const auto* base = static_cast<const std::byte*>(w);
  auto* out = static_cast<std::byte*>(tile);
  const __m512i rows = row_offsets(w_stride), bias = _mm512_set1_epi8(static_cast<char>(0x80));
  for (std::int64_t b = b0; b < b1; ++b, out += kInt8TileBlockBytes) {
    const std::byte* blk = base + b * static_cast<std::int64_t>(sizeof(BlockQ8_0));
    __m512i u[8];
    transpose_16x8(blk + 2, w_stride, u);
    for (auto& g : u) g = _mm512_xor_si512(g, bias);  // q + 128
    const __m512 d = low_f16(_mm512_i32gather_epi32(rows, blk, 1));
    store_block(out, u, d, _mm512_mul_ps(d, _mm512_set1_ps(-128.0f)));
  }
}

void repack_q4_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  if (n_rows < kInt8TileRows) return ref::repack_q4_0_tile(w, w_stride, n_rows, b0, b1, tile);
  const auto* base = static_cast<const std::byte*>(w);
  auto* out = static_cast<std::byte*>(tile);
  const __m512i rows = row_offsets(w_stride), low4 = _mm512_set1_epi8(0x0F);
  for (std::int64_t b = b0; b < b1; ++b, out += kInt8TileBlockBytes) {
    const std::byte* blk = base + b * static_cast<std::int64_t>(sizeof(BlockQ4_0));
    __m512i packed[4], u[8];
    transpose_16x4(blk + 2, w_stride, packed);
    // Byte i of block holds element i (low nibble) and i + 16 (high).
    for (int g = 0; g < 4; ++g) {
      u[g] = _mm512_and_si512(packed[g], low4);
      u[g + 4] = _mm512_and_si512(_mm512_srli_epi16(packed[g], 4), low4);
    }
    const __m512 d = low_f16(_mm512_i32gather_epi32(rows, blk, 1));
    store_block(out, u, d, _mm512_mul_ps(d, _mm512_set1_ps(-8.0f)));
  }
}

void repack_q4_K_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  if (n_rows < kInt8TileRows) return ref::repack_q4_K_tile(w, w_stride, n_rows, b0, b1, tile);
  const auto* base = static_cast<const std::byte*>(w);
  auto* out = static_cast<std::byte*>(tile);
  const __m512i rows = row_offsets(w_stride), low4 = _mm512_set1_epi8(0x0F);
  const __m512i low6 = _mm512_set1_epi32(0x3f3f3f3f), nib = _mm512_set1_epi32(0x0f0f0f0f);
  const __m512i top2 = _mm512_set1_epi32(0x03030303), byte = _mm512_set1_epi32(0xFF);
  for (std::int64_t sb = b0 / 8; sb < b1 / 8; ++sb) {
    const std::byte* blk = base + sb * static_cast<std::int64_t>(sizeof(BlockQ4_K));
    // d, dmin and the 12 bytes of 6-bit (scale, min) of all 16 rows, unpacked
    // as k_scale_min does, one row per dword: sc[0] holds scales 0..3,
    // sc[1] scales 4..7, mn[0] / mn[1] the mins.
    const __m512i ddmin = _mm512_i32gather_epi32(rows, blk, 1);
    const __m512i w0 = _mm512_i32gather_epi32(rows, blk + 4, 1);
    const __m512i w1 = _mm512_i32gather_epi32(rows, blk + 8, 1);
    const __m512i w2 = _mm512_i32gather_epi32(rows, blk + 12, 1);
    const __m512i sc[2] = {_mm512_and_si512(w0, low6),
                           _mm512_or_si512(_mm512_and_si512(w2, nib),
                                           _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(w0, 6), top2), 4))};
    const __m512i mn[2] = {_mm512_and_si512(w1, low6),
                           _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(w2, 4), nib),
                                           _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(w1, 6), top2), 4))};
    const __m512 d = low_f16(ddmin), dmin = low_f16(_mm512_srli_epi32(ddmin, 16));
    for (int c = 0; c < 4; ++c) {
      __m512i packed[8], u[8];
      transpose_16x8(blk + 16 + 32 * c, w_stride, packed);
      for (int h = 0; h < 2; ++h) {
        const int sub = 2 * c + h;
        for (int g = 0; g < 8; ++g) {
          u[g] = _mm512_and_si512(h == 0 ? packed[g] : _mm512_srli_epi16(packed[g], 4), low4);
        }
        const auto shift = static_cast<unsigned>(8 * (sub % 4));
        const __m512 s = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(sc[sub / 4], shift), byte));
        const __m512 m = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(mn[sub / 4], shift), byte));
        const __m512 offset = _mm512_xor_ps(_mm512_mul_ps(dmin, m), _mm512_set1_ps(-0.0f));  // -(dmin m)
        store_block(out + (8 * sb + sub - b0) * static_cast<std::int64_t>(kInt8TileBlockBytes), u, _mm512_mul_ps(d, s),
                    offset);
      }
    }
  }
}

void gemm_int8_tile(std::int64_t n_blocks, const void* tile, const Int8Act& act, int n_act, float* c, std::size_t ldc,
                    int n_cols, bool accumulate, const Int8Prefetch& prefetch) {
  const auto* t = static_cast<const std::byte*>(tile);
  switch (n_act) {
    case 1:
      return tile_rows<1>(n_blocks, t, act, c, ldc, n_cols, accumulate, prefetch);
    case 2:
      return tile_rows<2>(n_blocks, t, act, c, ldc, n_cols, accumulate, prefetch);
    case 3:
      return tile_rows<3>(n_blocks, t, act, c, ldc, n_cols, accumulate, prefetch);
    case 4:
      return tile_rows<4>(n_blocks, t, act, c, ldc, n_cols, accumulate, prefetch);
    case 5:
      return tile_rows<5>(n_blocks, t, act, c, ldc, n_cols, accumulate, prefetch);
    case 6:
      return tile_rows<6>(n_blocks, t, act, c, ldc, n_cols, accumulate, prefetch);
    case 7:
      return tile_rows<7>(n_blocks, t, act, c, ldc, n_cols, accumulate, prefetch);
    default:
      return tile_rows<8>(n_blocks, t, act, c, ldc, n_cols, accumulate, prefetch);
  }
}

}  // namespace servir::kernels::avx512
