// Int8 GEMM tiles with AVX2 (layout and contract in gemm_int8.h), for
// x86-64 machines without AVX-512. A tile's 16 rows are two ymm per group;
// vpmaddubsw multiplies the unsigned levels with a broadcast activation
// dword. 4-bit levels (<= 15) let the int16 pair sums of a whole block add
// up without saturating (8 groups x 2 x 15 x 128 < 32768), so a block costs
// one vpmaddubsw per group and row plus one widening; Q8_0 levels (q + 128)
// would saturate, so they go back to q and take the sign trick of vec_dot
// (|q| times a with q's sign), widening every group.
#include <immintrin.h>

#include <cstring>

#include "kernels/avx2/avx2_kernels.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx2 {
namespace {

__m256i load256(const std::byte* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
__m128i load128(const std::byte* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// out[g] = dword g of the 32 bytes at p + j * stride, rows j = 0..7.
void transpose_8x8(const std::byte* p, std::size_t stride, __m256i out[8]) {
  __m256i v[8], t[8], u[8];
  for (int j = 0; j < 8; ++j) v[j] = load256(p + j * stride);
  for (int j = 0; j < 8; j += 2) {
    t[j] = _mm256_unpacklo_epi32(v[j], v[j + 1]);
    t[j + 1] = _mm256_unpackhi_epi32(v[j], v[j + 1]);
  }
  for (int h = 0; h < 8; h += 4) {
    u[h] = _mm256_unpacklo_epi64(t[h], t[h + 2]);
    u[h + 1] = _mm256_unpackhi_epi64(t[h], t[h + 2]);
    u[h + 2] = _mm256_unpacklo_epi64(t[h + 1], t[h + 3]);
    u[h + 3] = _mm256_unpackhi_epi64(t[h + 1], t[h + 3]);
  }
  // u[i] lane 0: rows 0..3 dword i, lane 1: rows 0..3 dword i + 4; u[i + 4]
  // the same for rows 4..7.
  for (int i = 0; i < 4; ++i) {
    out[i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);
    out[i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);
  }
}

// out[g] = dword g of the 16 bytes at p + j * stride, rows j = 0..7: register
// q holds rows q and q + 4, and a 4x4 transpose inside the lanes follows.
void transpose_8x4(const std::byte* p, std::size_t stride, __m256i out[4]) {
  __m256i z[4];
  for (int q = 0; q < 4; ++q) z[q] = _mm256_set_m128i(load128(p + (q + 4) * stride), load128(p + q * stride));
  const __m256i t0 = _mm256_unpacklo_epi32(z[0], z[1]), t1 = _mm256_unpackhi_epi32(z[0], z[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(z[2], z[3]), t3 = _mm256_unpackhi_epi32(z[2], z[3]);
  out[0] = _mm256_unpacklo_epi64(t0, t2);
  out[1] = _mm256_unpackhi_epi64(t0, t2);
  out[2] = _mm256_unpacklo_epi64(t1, t3);
  out[3] = _mm256_unpackhi_epi64(t1, t3);
}

__m256i row_offsets(std::size_t stride) {
  return _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(stride)));
}

// The f16 in the low half of each of 8 dwords gathered at p + offsets.
__m256 gather_f16(const std::byte* p, __m256i offsets) {
  const __m256i dw = _mm256_i32gather_epi32(reinterpret_cast<const int*>(p), offsets, 1);
  const __m256i words = _mm256_packus_epi32(_mm256_and_si256(dw, _mm256_set1_epi32(0xFFFF)), _mm256_setzero_si256());
  return _mm256_cvtph_ps(_mm256_castsi256_si128(_mm256_permute4x64_epi64(words, 0x08)));
}

// Half h (rows 8h..8h+7) of a tile block: groups at 64g + 32h, scale at
// 512 + 32h, offset at 576 + 32h.
void store_half(std::byte* t, int h, const __m256i u[8], __m256 scale, __m256 offset) {
  for (int g = 0; g < 8; ++g) _mm256_storeu_si256(reinterpret_cast<__m256i*>(t + 64 * g + 32 * h), u[g]);
  _mm256_storeu_ps(reinterpret_cast<float*>(t + 512 + 32 * h), scale);
  _mm256_storeu_ps(reinterpret_cast<float*>(t + 576 + 32 * h), offset);
}

void repack_q8_0_block(const std::byte* blk, std::size_t stride, __m256i rows, std::byte* t) {
  for (int h = 0; h < 2; ++h) {
    const std::byte* p = blk + 8 * h * stride;
    __m256i u[8];
    transpose_8x8(p + 2, stride, u);
    for (auto& g : u) g = _mm256_xor_si256(g, _mm256_set1_epi8(static_cast<char>(0x80)));  // q + 128
    const __m256 d = gather_f16(p, rows);
    store_half(t, h, u, d, _mm256_mul_ps(d, _mm256_set1_ps(-128.0f)));
  }
}

void repack_q4_0_block(const std::byte* blk, std::size_t stride, __m256i rows, std::byte* t) {
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (int h = 0; h < 2; ++h) {
    const std::byte* p = blk + 8 * h * stride;
    __m256i packed[4], u[8];
    transpose_8x4(p + 2, stride, packed);
    for (int g = 0; g < 4; ++g) {
      u[g] = _mm256_and_si256(packed[g], low4);
      u[g + 4] = _mm256_and_si256(_mm256_srli_epi16(packed[g], 4), low4);
    }
    const __m256 d = gather_f16(p, rows);
    store_half(t, h, u, d, _mm256_mul_ps(d, _mm256_set1_ps(-8.0f)));
  }
}

// A whole super-block (8 tile blocks) of Q4_K.
void repack_q4_K_superblock(const std::byte* blk, std::size_t stride, __m256i rows, std::byte* t) {
  const __m256i low4 = _mm256_set1_epi8(0x0F), low6 = _mm256_set1_epi32(0x3f3f3f3f);
  const __m256i nib = _mm256_set1_epi32(0x0f0f0f0f), top2 = _mm256_set1_epi32(0x03030303);
  const __m256i byte = _mm256_set1_epi32(0xFF);
  for (int h = 0; h < 2; ++h) {
    const std::byte* p = blk + 8 * h * stride;
    auto gather = [&](int off) { return _mm256_i32gather_epi32(reinterpret_cast<const int*>(p + off), rows, 1); };
    // As in the AVX-512 repack: one row per dword, unpacked as k_scale_min.
    const __m256i w0 = gather(4), w1 = gather(8), w2 = gather(12);
    const __m256i sc[2] = {_mm256_and_si256(w0, low6),
                           _mm256_or_si256(_mm256_and_si256(w2, nib),
                                           _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(w0, 6), top2), 4))};
    const __m256i mn[2] = {_mm256_and_si256(w1, low6),
                           _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(w2, 4), nib),
                                           _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(w1, 6), top2), 4))};
    const __m256i ddmin = gather(0);
    const __m256 d = gather_f16(p, rows);
    const __m256i dmin_words = _mm256_packus_epi32(_mm256_srli_epi32(ddmin, 16), _mm256_setzero_si256());
    const __m256 dmin = _mm256_cvtph_ps(_mm256_castsi256_si128(_mm256_permute4x64_epi64(dmin_words, 0x08)));
    for (int c = 0; c < 4; ++c) {
      __m256i packed[8], u[8];
      transpose_8x8(p + 16 + 32 * c, stride, packed);
      for (int half = 0; half < 2; ++half) {
        const int sub = 2 * c + half;
        for (int g = 0; g < 8; ++g) {
          u[g] = _mm256_and_si256(half == 0 ? packed[g] : _mm256_srli_epi16(packed[g], 4), low4);
        }
        const __m128i shift = _mm_cvtsi32_si128(8 * (sub % 4));
        const __m256 s = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(sc[sub / 4], shift), byte));
        const __m256 m = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srl_epi32(mn[sub / 4], shift), byte));
        const __m256 offset = _mm256_xor_ps(_mm256_mul_ps(dmin, m), _mm256_set1_ps(-0.0f));  // -(dmin m)
        store_half(t + sub * kInt8TileBlockBytes, h, u, _mm256_mul_ps(d, s), offset);
      }
    }
  }
}

// Up to 4 activation rows over the tile: facc[h][r] holds half h of row r.
template <bool kSmallLevels, int NA>
void tile_rows(std::int64_t n_blocks, const std::byte* tile, const Int8Act& act, float* c, std::size_t ldc, int n_cols,
               bool accumulate) {
  __m256 facc[2][NA];
  for (int h = 0; h < 2; ++h) {
    for (int r = 0; r < NA; ++r) facc[h][r] = _mm256_setzero_ps();
  }
  const __m256i ones = _mm256_set1_epi16(1);
  for (std::int64_t b = 0; b < n_blocks; ++b) {
    const std::byte* t = tile + b * kInt8TileBlockBytes;
    // Activation dword g of row r, broadcast (a load, no shuffle).
    auto bcast = [&](int g, int r) {
      std::int32_t a;
      std::memcpy(&a, act.q + r * act.q_stride + 32 * b + 4 * g, 4);
      return _mm256_set1_epi32(a);
    };
    for (int h = 0; h < 2; ++h) {
      __m256i dot[NA];
      if constexpr (kSmallLevels) {
        __m256i sum16[NA];
        for (int r = 0; r < NA; ++r) sum16[r] = _mm256_setzero_si256();
        for (int g = 0; g < 8; ++g) {
          const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t + 64 * g + 32 * h));
          for (int r = 0; r < NA; ++r) sum16[r] = _mm256_add_epi16(sum16[r], _mm256_maddubs_epi16(w, bcast(g, r)));
        }
        for (int r = 0; r < NA; ++r) dot[r] = _mm256_madd_epi16(sum16[r], ones);
      } else {
        // dot = sum u a = sum q a + 128 sum a; the 128 sum a is added below.
        for (int r = 0; r < NA; ++r) dot[r] = _mm256_setzero_si256();
        for (int g = 0; g < 8; ++g) {
          const __m256i u = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t + 64 * g + 32 * h));
          const __m256i q = _mm256_xor_si256(u, _mm256_set1_epi8(static_cast<char>(0x80)));
          const __m256i q_abs = _mm256_sign_epi8(q, q);
          for (int r = 0; r < NA; ++r) {
            const __m256i p16 = _mm256_maddubs_epi16(q_abs, _mm256_sign_epi8(bcast(g, r), q));
            dot[r] = _mm256_add_epi32(dot[r], _mm256_madd_epi16(p16, ones));
          }
        }
      }
      const __m256 scale = _mm256_loadu_ps(reinterpret_cast<const float*>(t + 512 + 32 * h));
      __m256 offset = _mm256_loadu_ps(reinterpret_cast<const float*>(t + 576 + 32 * h));
      if constexpr (!kSmallLevels) offset = _mm256_fmadd_ps(scale, _mm256_set1_ps(128.0f), offset);
      for (int r = 0; r < NA; ++r) {
        const std::size_t i = r * act.d_stride + b;
        facc[h][r] =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[r]), _mm256_mul_ps(scale, _mm256_set1_ps(act.d[i])), facc[h][r]);
        facc[h][r] = _mm256_fmadd_ps(offset, _mm256_set1_ps(act.s[i]), facc[h][r]);
      }
    }
  }
  // Columns past n_cols are not written (masked by a bounce buffer).
  for (int r = 0; r < NA; ++r) {
    alignas(32) float out[16];
    _mm256_store_ps(out, facc[0][r]);
    _mm256_store_ps(out + 8, facc[1][r]);
    for (int j = 0; j < n_cols; ++j) c[r * ldc + j] = accumulate ? c[r * ldc + j] + out[j] : out[j];
  }
}

template <bool kSmallLevels>
void tile_product(std::int64_t n_blocks, const void* tile, const Int8Act& act, int n_act, float* c, std::size_t ldc,
                  int n_cols, bool accumulate) {
  const auto* t = static_cast<const std::byte*>(tile);
  for (int r0 = 0; r0 < n_act; r0 += 4) {
    const Int8Act a{.q = act.q + r0 * act.q_stride,
                    .q_stride = act.q_stride,
                    .d = act.d + r0 * act.d_stride,
                    .s = act.s + r0 * act.d_stride,
                    .d_stride = act.d_stride};
    float* cr = c + r0 * ldc;
    switch (n_act - r0) {
      case 1:
        tile_rows<kSmallLevels, 1>(n_blocks, t, a, cr, ldc, n_cols, accumulate);
        break;
      case 2:
        tile_rows<kSmallLevels, 2>(n_blocks, t, a, cr, ldc, n_cols, accumulate);
        break;
      case 3:
        tile_rows<kSmallLevels, 3>(n_blocks, t, a, cr, ldc, n_cols, accumulate);
        break;
      default:
        tile_rows<kSmallLevels, 4>(n_blocks, t, a, cr, ldc, n_cols, accumulate);
        break;
    }
  }
}

}  // namespace

void repack_q8_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  if (n_rows < kInt8TileRows) return ref::repack_q8_0_tile(w, w_stride, n_rows, b0, b1, tile);
  const auto* base = static_cast<const std::byte*>(w);
  const __m256i rows = row_offsets(w_stride);
  for (std::int64_t b = b0; b < b1; ++b) {
    repack_q8_0_block(base + b * static_cast<std::int64_t>(sizeof(BlockQ8_0)), w_stride, rows,
                      static_cast<std::byte*>(tile) + (b - b0) * kInt8TileBlockBytes);
  }
}

void repack_q4_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  if (n_rows < kInt8TileRows) return ref::repack_q4_0_tile(w, w_stride, n_rows, b0, b1, tile);
  const auto* base = static_cast<const std::byte*>(w);
  const __m256i rows = row_offsets(w_stride);
  for (std::int64_t b = b0; b < b1; ++b) {
    repack_q4_0_block(base + b * static_cast<std::int64_t>(sizeof(BlockQ4_0)), w_stride, rows,
                      static_cast<std::byte*>(tile) + (b - b0) * kInt8TileBlockBytes);
  }
}

void repack_q4_K_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile) {
  if (n_rows < kInt8TileRows) return ref::repack_q4_K_tile(w, w_stride, n_rows, b0, b1, tile);
  const auto* base = static_cast<const std::byte*>(w);
  const __m256i rows = row_offsets(w_stride);
  for (std::int64_t b = b0; b < b1; b += 8) {
    repack_q4_K_superblock(base + b / 8 * static_cast<std::int64_t>(sizeof(BlockQ4_K)), w_stride, rows,
                           static_cast<std::byte*>(tile) + (b - b0) * kInt8TileBlockBytes);
  }
}

void gemm_int8_tile_q8(std::int64_t n_blocks, const void* tile, const Int8Act& act, int n_act, float* c,
                       std::size_t ldc, int n_cols, bool accumulate, const Int8Prefetch& /*prefetch*/) {
  tile_product<false>(n_blocks, tile, act, n_act, c, ldc, n_cols, accumulate);
}

void gemm_int8_tile_q4(std::int64_t n_blocks, const void* tile, const Int8Act& act, int n_act, float* c,
                       std::size_t ldc, int n_cols, bool accumulate, const Int8Prefetch& /*prefetch*/) {
  tile_product<true>(n_blocks, tile, act, n_act, c, ldc, n_cols, accumulate);
}

void repack_gemm_q8_0_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch) {
  repack_q8_0_tile(w.w, w.stride, w.n_rows, w.b0, w.b1, tile);
  gemm_int8_tile_q8(w.b1 - w.b0, tile, act, n_act, out.c, out.ldc, w.n_rows, out.accumulate, prefetch);
}

void repack_gemm_q4_0_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch) {
  repack_q4_0_tile(w.w, w.stride, w.n_rows, w.b0, w.b1, tile);
  gemm_int8_tile_q4(w.b1 - w.b0, tile, act, n_act, out.c, out.ldc, w.n_rows, out.accumulate, prefetch);
}

void repack_gemm_q4_K_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch) {
  repack_q4_K_tile(w.w, w.stride, w.n_rows, w.b0, w.b1, tile);
  gemm_int8_tile_q4(w.b1 - w.b0, tile, act, n_act, out.c, out.ldc, w.n_rows, out.accumulate, prefetch);
}

}  // namespace servir::kernels::avx2
