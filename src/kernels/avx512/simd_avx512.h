// Horizontal reductions, transposes and prefetch helpers for the avx512/ and
// amx/ translation units (internal linkage).
// The reductions use lane shuffles instead of _mm512_reduce_*: GCC 12 expands those
// through _mm256_undefined_* and warns (-Wuninitialized) under -Werror.
#pragma once

#include <immintrin.h>

#include <cstddef>

namespace servir::kernels::avx512 {

// Software prefetch distance for streamed weights: GEMV is a single read
// stream per core, and prefetching ahead lets the decode work overlap the
// DRAM latency instead of adding to it. Measured on the 2-core Sapphire
// Rapids box (bench_kernels gemv, % of the read probe, and servir bench
// tg64): 1 KiB ahead left Q4_0 at 85-87% and decode at 18.7 GB/s; 2-8 KiB
// all reach 96-115%, and 4 KiB took decode to 23-27 GB/s.
inline constexpr int kPrefetchBytes = 4096;

static inline void prefetch_ahead(const void* p) {
  _mm_prefetch(static_cast<const char*>(p) + kPrefetchBytes, _MM_HINT_T0);
}

// Interleaved weight groups (kernels/weights_x16.h) are one sequential
// stream per thread, and the hardware prefetchers alone leave each block's
// loads waiting on DRAM: kernels over them ask for the block
// kX16PrefetchBlocks ahead of the one at `src` (measured on the int8 tiles:
// batch-16 decode 197 -> 236 t/s). Past the end of the weights it asks for
// lines nobody reads; prefetches never fault.
inline constexpr int kX16PrefetchBlocks = 16;

static inline void prefetch_x16_block_ahead(const std::byte* src, std::size_t block_bytes) {
  const std::byte* ahead = src + kX16PrefetchBlocks * block_bytes;
  for (std::size_t off = 0; off < block_bytes; off += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(ahead + off), _MM_HINT_T0);
  }
}

static inline __m128 fold512(__m512 v, __m512 (*op)(__m512, __m512)) {
  v = op(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = op(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_castps512_ps128(v);
}

static inline __m512 add512(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
static inline __m512 max512(__m512 a, __m512 b) { return _mm512_max_ps(a, b); }
static inline __m512 min512(__m512 a, __m512 b) { return _mm512_min_ps(a, b); }

static inline float hsum(__m512 v) {
  const __m128 s4 = fold512(v, add512);
  const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

static inline float hmax(__m512 v) {
  const __m128 s4 = fold512(v, max512);
  const __m128 s2 = _mm_max_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_max_ss(s2, _mm_movehdup_ps(s2)));
}

static inline float hmin(__m512 v) {
  const __m128 s4 = fold512(v, min512);
  const __m128 s2 = _mm_min_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_min_ss(s2, _mm_movehdup_ps(s2)));
}

static inline int hsum_i32(__m512i v) {
  v = _mm512_add_epi32(v, _mm512_shuffle_i32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_epi32(v, _mm512_shuffle_i32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128i s = _mm512_castsi512_si128(v);
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  return _mm_cvtsi128_si32(_mm_add_epi32(s, _mm_shuffle_epi32(s, 1)));
}

// r[i] <- column i of the 16x16 dword matrix whose row j is r[j].
// A 4x4 dword transpose inside each 128-bit lane of four registers: dword i
// of lane L of out[q] = dword q of lane L of in[i].
static inline void transpose_4x4_lanes(const __m512i in[4], __m512i out[4]) {
  const __m512i t0 = _mm512_unpacklo_epi32(in[0], in[1]), t1 = _mm512_unpackhi_epi32(in[0], in[1]);
  const __m512i t2 = _mm512_unpacklo_epi32(in[2], in[3]), t3 = _mm512_unpackhi_epi32(in[2], in[3]);
  out[0] = _mm512_unpacklo_epi64(t0, t2);
  out[1] = _mm512_unpackhi_epi64(t0, t2);
  out[2] = _mm512_unpacklo_epi64(t1, t3);
  out[3] = _mm512_unpackhi_epi64(t1, t3);
}

static inline void transpose_16x16(__m512i r[16]) {
  __m512i a[16], b[16];
  for (int i = 0; i < 16; i += 2) {
    a[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    a[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    b[i] = _mm512_unpacklo_epi64(a[i], a[i + 2]);
    b[i + 1] = _mm512_unpackhi_epi64(a[i], a[i + 2]);
    b[i + 2] = _mm512_unpacklo_epi64(a[i + 1], a[i + 3]);
    b[i + 3] = _mm512_unpackhi_epi64(a[i + 1], a[i + 3]);
  }
  // b[4g + q], 128-bit lane L: column 4L + q of rows 4g..4g+3.
  for (int q = 0; q < 4; ++q) {
    const __m512i c0 = _mm512_shuffle_i32x4(b[q], b[4 + q], 0x88);  // lanes 0, 2 of rows 0-7
    const __m512i c1 = _mm512_shuffle_i32x4(b[8 + q], b[12 + q], 0x88);
    const __m512i d0 = _mm512_shuffle_i32x4(b[q], b[4 + q], 0xdd);  // lanes 1, 3 of rows 0-7
    const __m512i d1 = _mm512_shuffle_i32x4(b[8 + q], b[12 + q], 0xdd);
    r[q] = _mm512_shuffle_i32x4(c0, c1, 0x88);
    r[8 + q] = _mm512_shuffle_i32x4(c0, c1, 0xdd);
    r[4 + q] = _mm512_shuffle_i32x4(d0, d1, 0x88);
    r[12 + q] = _mm512_shuffle_i32x4(d0, d1, 0xdd);
  }
}

// The same for 16 rows of 16 floats.
static inline void transpose_16x16(__m512 r[16]) {
  __m512i v[16];
  for (int i = 0; i < 16; ++i) v[i] = _mm512_castps_si512(r[i]);
  transpose_16x16(v);
  for (int i = 0; i < 16; ++i) r[i] = _mm512_castsi512_ps(v[i]);
}

// exp() as a Cephes-style polynomial (about 2 ulp) with vscalefps for the
// 2^n step, which also gives exact underflow to zero for very negative inputs.
static inline __m512 exp512(__m512 x) {
  x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.7f)), _mm512_set1_ps(-104.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

}  // namespace servir::kernels::avx512
