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
#include "kernels/avx512/simd_avx512.h"
#include "kernels/gemm_int8.h"
#include "kernels/quant/block_types.h"
#include "kernels/weights_x16.h"

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
  transpose_4x4_lanes(z, out);
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

// Adds block b of the tile (at t) times NA activation rows into facc.
template <int NA>
inline void multiply_block(const std::byte* t, std::int64_t b, const Int8Act& act, __m512 facc[NA]) {
  // Up to four rows leave too few independent vpdpbusd chains to hide the
  // latency: split each row's sum over even and odd groups.
  constexpr int kChains = NA <= 4 ? 2 : 1;
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

// The tile product over blocks [0, n_blocks). With a repacker, the tile is
// filled on the way, one unit (Repack::kBlocks blocks) ahead of the
// product: the repack's shuffles and the product's vpdpbusd go to different
// ports, so the out-of-order core runs them side by side.
struct NoRepack {
  static constexpr int kBlocks = 1;
  void operator()(std::int64_t /*b*/) const {}
};

template <int NA, typename Repack>
void tile_rows(std::int64_t n_blocks, const std::byte* tile, const Int8Act& act, float* c, std::size_t ldc, int n_cols,
               bool accumulate, const Int8Prefetch& pf, const Repack& repack) {
  const auto mask = static_cast<__mmask16>((1u << n_cols) - 1);
  __m512 facc[NA];
  for (int r = 0; r < NA; ++r) {
    facc[r] = accumulate ? _mm512_maskz_loadu_ps(mask, c + r * ldc) : _mm512_setzero_ps();
  }
  constexpr int kUnit = Repack::kBlocks;
  repack(0);
  for (std::int64_t u = 0; u < n_blocks; u += kUnit) {
    if (u + kUnit < n_blocks) repack(u + kUnit);
    for (std::int64_t b = u; b < u + kUnit; ++b) {
      prefetch_share(pf, b, n_blocks);
      multiply_block<NA>(tile + b * kInt8TileBlockBytes, b, act, facc);
    }
  }
  for (int r = 0; r < NA; ++r) _mm512_mask_storeu_ps(c + r * ldc, mask, facc[r]);
}

template <typename Repack>
void dispatch_rows(std::int64_t n_blocks, const std::byte* tile, const Int8Act& act, int n_act, float* c,
                   std::size_t ldc, int n_cols, bool accumulate, const Int8Prefetch& pf, const Repack& repack) {
  switch (n_act) {
    case 1:
      return tile_rows<1>(n_blocks, tile, act, c, ldc, n_cols, accumulate, pf, repack);
    case 2:
      return tile_rows<2>(n_blocks, tile, act, c, ldc, n_cols, accumulate, pf, repack);
    case 3:
      return tile_rows<3>(n_blocks, tile, act, c, ldc, n_cols, accumulate, pf, repack);
    case 4:
      return tile_rows<4>(n_blocks, tile, act, c, ldc, n_cols, accumulate, pf, repack);
    case 5:
      return tile_rows<5>(n_blocks, tile, act, c, ldc, n_cols, accumulate, pf, repack);
    case 6:
      return tile_rows<6>(n_blocks, tile, act, c, ldc, n_cols, accumulate, pf, repack);
    case 7:
      return tile_rows<7>(n_blocks, tile, act, c, ldc, n_cols, accumulate, pf, repack);
    default:
      return tile_rows<8>(n_blocks, tile, act, c, ldc, n_cols, accumulate, pf, repack);
  }
}

// Per-type repack of one unit (blocks b0 + i .. b0 + i + kBlocks of the
// weights) into the tile, for full tiles of 16 rows.
struct Q8_0Repack {
  static constexpr int kBlocks = 1;
  const std::byte* base;
  std::size_t stride;
  std::int64_t b0;
  std::byte* tile;
  __m512i rows = row_offsets(stride);
  void operator()(std::int64_t i) const {
    const std::byte* blk = base + (b0 + i) * static_cast<std::int64_t>(sizeof(BlockQ8_0));
    __m512i u[8];
    transpose_16x8(blk + 2, stride, u);
    for (auto& g : u) g = _mm512_xor_si512(g, _mm512_set1_epi8(static_cast<char>(0x80)));  // q + 128
    const __m512 d = low_f16(_mm512_i32gather_epi32(rows, blk, 1));
    store_block(tile + i * kInt8TileBlockBytes, u, d, _mm512_mul_ps(d, _mm512_set1_ps(-128.0f)));
  }
};

struct Q4_0Repack {
  static constexpr int kBlocks = 1;
  const std::byte* base;
  std::size_t stride;
  std::int64_t b0;
  std::byte* tile;
  __m512i rows = row_offsets(stride);
  void operator()(std::int64_t i) const {
    const std::byte* blk = base + (b0 + i) * static_cast<std::int64_t>(sizeof(BlockQ4_0));
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    __m512i packed[4], u[8];
    transpose_16x4(blk + 2, stride, packed);
    // Byte i of a block holds element i (low nibble) and i + 16 (high).
    for (int g = 0; g < 4; ++g) {
      u[g] = _mm512_and_si512(packed[g], low4);
      u[g + 4] = _mm512_and_si512(_mm512_srli_epi16(packed[g], 4), low4);
    }
    const __m512 d = low_f16(_mm512_i32gather_epi32(rows, blk, 1));
    store_block(tile + i * kInt8TileBlockBytes, u, d, _mm512_mul_ps(d, _mm512_set1_ps(-8.0f)));
  }
};

// From the interleaved layouts (weights_x16.h): contiguous loads, no
// transposes, no gather.
struct Q4_0x16Repack {
  static constexpr int kBlocks = 1;
  const std::byte* group;
  std::int64_t b0;
  std::byte* tile;
  void operator()(std::int64_t i) const {
    constexpr std::size_t kBlock = x16_block_bytes(GgmlType::kQ4_0);
    const std::byte* src = group + (b0 + i) * static_cast<std::int64_t>(kBlock);
    prefetch_x16_block_ahead(src, kBlock);
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    __m512i u[8];
    for (int q = 0; q < 4; ++q) {
      const __m512i packed = _mm512_loadu_si512(src + 64 * q);
      u[q] = _mm512_and_si512(packed, low4);
      u[q + 4] = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low4);
    }
    const __m512 d = _mm512_cvtph_ps(load256(src + x16_scales_offset(GgmlType::kQ4_0)));
    store_block(tile + i * kInt8TileBlockBytes, u, d, _mm512_mul_ps(d, _mm512_set1_ps(-8.0f)));
  }
};

struct Q8_0x16Repack {
  static constexpr int kBlocks = 1;
  const std::byte* group;
  std::int64_t b0;
  std::byte* tile;
  void operator()(std::int64_t i) const {
    constexpr std::size_t kBlock = x16_block_bytes(GgmlType::kQ8_0);
    const std::byte* src = group + (b0 + i) * static_cast<std::int64_t>(kBlock);
    prefetch_x16_block_ahead(src, kBlock);
    __m512i u[8];
    for (int g = 0; g < 8; ++g) {
      u[g] = _mm512_xor_si512(_mm512_loadu_si512(src + 64 * g), _mm512_set1_epi8(static_cast<char>(0x80)));
    }
    const __m512 d = _mm512_cvtph_ps(load256(src + x16_scales_offset(GgmlType::kQ8_0)));
    store_block(tile + i * kInt8TileBlockBytes, u, d, _mm512_mul_ps(d, _mm512_set1_ps(-128.0f)));
  }
};

// One unit is a super-block (8 blocks of 32).
struct Q4_KRepack {
  static constexpr int kBlocks = 8;
  const std::byte* base;
  std::size_t stride;
  std::int64_t b0;
  std::byte* tile;
  __m512i rows = row_offsets(stride);
  void operator()(std::int64_t i) const {
    const std::byte* blk = base + (b0 + i) / 8 * static_cast<std::int64_t>(sizeof(BlockQ4_K));
    const __m512i low4 = _mm512_set1_epi8(0x0F), low6 = _mm512_set1_epi32(0x3f3f3f3f);
    const __m512i nib = _mm512_set1_epi32(0x0f0f0f0f), top2 = _mm512_set1_epi32(0x03030303);
    const __m512i byte = _mm512_set1_epi32(0xFF);
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
      transpose_16x8(blk + 16 + 32 * c, stride, packed);
      for (int h = 0; h < 2; ++h) {
        const int sub = 2 * c + h;
        for (int g = 0; g < 8; ++g) {
          u[g] = _mm512_and_si512(h == 0 ? packed[g] : _mm512_srli_epi16(packed[g], 4), low4);
        }
        const auto shift = static_cast<unsigned>(8 * (sub % 4));
        const __m512 s = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(sc[sub / 4], shift), byte));
        const __m512 m = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(mn[sub / 4], shift), byte));
        const __m512 offset = _mm512_xor_ps(_mm512_mul_ps(dmin, m), _mm512_set1_ps(-0.0f));  // -(dmin m)
        store_block(tile + (i + sub) * kInt8TileBlockBytes, u, _mm512_mul_ps(d, s), offset);
      }
    }
  }
};

template <typename Repack>
void repack_all(const void* w, std::size_t w_stride, std::int64_t b0, std::int64_t b1, void* tile) {
  const Repack repack{static_cast<const std::byte*>(w), w_stride, b0, static_cast<std::byte*>(tile)};
  for (std::int64_t i = 0; i < b1 - b0; i += Repack::kBlocks) repack(i);
}

template <typename Repack>
void repack_and_multiply(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                         const Int8Prefetch& prefetch, RepackInt8TileFn scalar_repack) {
  auto* t = static_cast<std::byte*>(tile);
  const std::int64_t n_blocks = w.b1 - w.b0;
  if (w.n_rows < kInt8TileRows) {
    scalar_repack(w.w, w.stride, w.n_rows, w.b0, w.b1, tile);
    return dispatch_rows(n_blocks, t, act, n_act, out.c, out.ldc, w.n_rows, out.accumulate, prefetch, NoRepack{});
  }
  const Repack repack{static_cast<const std::byte*>(w.w), w.stride, w.b0, t};
  dispatch_rows(n_blocks, t, act, n_act, out.c, out.ldc, w.n_rows, out.accumulate, prefetch, repack);
}

}  // namespace

void repack_q8_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  if (n_rows < kInt8TileRows) return ref::repack_q8_0_tile(w, w_stride, n_rows, b0, b1, tile);
  repack_all<Q8_0Repack>(w, w_stride, b0, b1, tile);
}

void repack_q4_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  if (n_rows < kInt8TileRows) return ref::repack_q4_0_tile(w, w_stride, n_rows, b0, b1, tile);
  repack_all<Q4_0Repack>(w, w_stride, b0, b1, tile);
}

void repack_q4_K_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  if (n_rows < kInt8TileRows) return ref::repack_q4_K_tile(w, w_stride, n_rows, b0, b1, tile);
  repack_all<Q4_KRepack>(w, w_stride, b0, b1, tile);
}

void repack_gemm_q8_0_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch) {
  repack_and_multiply<Q8_0Repack>(w, tile, act, n_act, out, prefetch, ref::repack_q8_0_tile);
}

void repack_gemm_q4_0_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch) {
  repack_and_multiply<Q4_0Repack>(w, tile, act, n_act, out, prefetch, ref::repack_q4_0_tile);
}

void repack_gemm_q4_K_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch) {
  repack_and_multiply<Q4_KRepack>(w, tile, act, n_act, out, prefetch, ref::repack_q4_K_tile);
}

void repack_gemm_q4_0_x16(const void* group, std::int64_t b0, std::int64_t b1, void* tile, const Int8Act& act,
                          int n_act, const Int8Out& out) {
  auto* t = static_cast<std::byte*>(tile);
  const Q4_0x16Repack repack{static_cast<const std::byte*>(group), b0, t};
  dispatch_rows(b1 - b0, t, act, n_act, out.c, out.ldc, kInt8TileRows, out.accumulate, {}, repack);
}

void repack_gemm_q8_0_x16(const void* group, std::int64_t b0, std::int64_t b1, void* tile, const Int8Act& act,
                          int n_act, const Int8Out& out) {
  auto* t = static_cast<std::byte*>(tile);
  const Q8_0x16Repack repack{static_cast<const std::byte*>(group), b0, t};
  dispatch_rows(b1 - b0, t, act, n_act, out.c, out.ldc, kInt8TileRows, out.accumulate, {}, repack);
}

void gemm_int8_tile(std::int64_t n_blocks, const void* tile, const Int8Act& act, int n_act, float* c, std::size_t ldc,
                    int n_cols, bool accumulate, const Int8Prefetch& prefetch) {
  dispatch_rows(n_blocks, static_cast<const std::byte*>(tile), act, n_act, c, ldc, n_cols, accumulate, prefetch,
                NoRepack{});
}

}  // namespace servir::kernels::avx512
