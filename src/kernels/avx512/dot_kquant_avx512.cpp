// Q4_K, Q5_K and Q6_K weights x Q8_K activations with AVX-512BW. The weight
// levels are unsigned (Q4_K 0..15, Q5_K 0..31, Q6_K 0..63), so vpmaddubsw
// takes them directly; vpmaddwd then applies the per-sub-block scales. The
// Q4_K/Q5_K minimums and the Q6_K offset of 32 fold into one product with the
// Q8_K block sums.
#include <immintrin.h>

#include <cstring>
#include <type_traits>

#include "kernels/avx512/avx512_kernels.h"
#include "kernels/avx512/simd_avx512.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx512 {
namespace {

const BlockQ8_K* act_row(const void* act, std::size_t stride, int r) {
  return reinterpret_cast<const BlockQ8_K*>(static_cast<const std::byte*>(act) + r * stride);
}

__m512i load512(const void* p) { return _mm512_loadu_si512(p); }
__m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Unpacks the 12 scale bytes of a Q4_K block: scales[0..7] then mins[0..7].
void unpack_q4_k_scales(const std::uint8_t* packed, std::uint8_t* out16) {
  constexpr std::uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  std::uint32_t w[3];
  std::memcpy(w, packed, 12);
  std::uint32_t u[4];
  u[0] = w[0] & kLow6;
  u[1] = (w[2] & kLow4) | (((w[0] >> 6) & kLow2) << 4);
  u[2] = w[1] & kLow6;
  u[3] = ((w[2] >> 4) & kLow4) | (((w[1] >> 6) & kLow2) << 4);
  std::memcpy(out16, u, 16);
}

// Q4_K and Q5_K share the scale/min layout; a Q5_K level takes its fifth bit
// from qh (bit j of qh[l] belongs to element l of sub-block j).
template <typename Block, int NA>
void dot_q45_k(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  constexpr bool kFifthBit = std::is_same_v<Block, BlockQ5_K>;
  const auto* x = static_cast<const Block*>(w);
  const BlockQ8_K* y[NA];
  __m512 acc[NA];
  __m256 acc_min[NA];
  for (int r = 0; r < NA; ++r) {
    y[r] = act_row(act, act_stride, r);
    acc[r] = _mm512_setzero_ps();
    acc_min[r] = _mm256_setzero_ps();
  }
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i nibble_shift = _mm512_set_epi64(4, 4, 4, 4, 0, 0, 0, 0);
  // int16 lanes 0..15 take scale 2c, lanes 16..31 scale 2c + 1.
  const __m512i scale_index =
      _mm512_set_epi16(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  for (std::int64_t b = 0; b < k / kQK_K; ++b) {
    prefetch_ahead(x + b);
    prefetch_ahead(reinterpret_cast<const std::byte*>(x + b) + 64);
    prefetch_ahead(reinterpret_cast<const std::byte*>(x + b) + 128);
    if constexpr (kFifthBit) prefetch_ahead(reinterpret_cast<const std::byte*>(x + b) + 175);
    alignas(16) std::uint8_t sm[16];
    unpack_q4_k_scales(x[b].scales, sm);
    const __m128i sm16 = _mm_load_si128(reinterpret_cast<const __m128i*>(sm));
    const __m512i scales16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(sm16));  // scales then mins, as int16
    const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm16, sm16));   // m0 m0 m1 m1 ...
    // d and dmin in one conversion.
    std::uint32_t packed;
    std::memcpy(&packed, &x[b].d, 4);
    const __m128 ddmin = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(packed)));
    __m512i isum[NA];
    for (int r = 0; r < NA; ++r) isum[r] = _mm512_setzero_si512();
    for (int c = 0; c < 4; ++c) {
      // 32 bytes of nibbles -> [low nibbles | high nibbles] = 64 levels in order.
      const __m512i q = _mm512_broadcast_i64x4(load256(x[b].qs + 32 * c));
      __m512i levels = _mm512_and_si512(_mm512_srlv_epi64(q, nibble_shift), low4);
      if constexpr (kFifthBit) {
        // Low half: bit 2c of qh, high half: bit 2c + 1.
        const __m512i qh = _mm512_broadcast_i64x4(load256(x[b].qh));
        const __m512i bit = _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << (2 * c))),
                                               _mm256_set1_epi8(static_cast<char>(1 << (2 * c + 1))), 1);
        levels = _mm512_mask_add_epi8(levels, _mm512_test_epi8_mask(qh, bit), levels, _mm512_set1_epi8(16));
      }
      const __m512i scale = _mm512_permutexvar_epi16(
          _mm512_add_epi16(scale_index, _mm512_set1_epi16(static_cast<short>(2 * c))), scales16);
      for (int r = 0; r < NA; ++r) {
        const __m512i a = load512(y[r][b].qs + 64 * c);
        isum[r] = _mm512_dpwssd_epi32(isum[r], _mm512_maddubs_epi16(levels, a), scale);
      }
    }
    for (int r = 0; r < NA; ++r) {
      const __m128 dd = _mm_mul_ps(ddmin, _mm_set1_ps(y[r][b].d));  // [d*dy, dmin*dy, ...]
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[r]), _mm512_broadcastss_ps(dd), acc[r]);
      const __m256i prod = _mm256_madd_epi16(mins16, load256(y[r][b].bsums));
      acc_min[r] =
          _mm256_fmadd_ps(_mm256_cvtepi32_ps(prod),
                          _mm256_permutevar8x32_ps(_mm256_castps128_ps256(dd), _mm256_set1_epi32(1)), acc_min[r]);
    }
  }
  for (int r = 0; r < NA; ++r) {
    const __m256 m = acc_min[r];
    const __m128 m4 = _mm_add_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    const __m128 m2 = _mm_add_ps(m4, _mm_movehl_ps(m4, m4));
    const __m128 m1 = _mm_add_ss(m2, _mm_movehdup_ps(m2));
    out[r] = hsum(acc[r]) - _mm_cvtss_f32(m1);
  }
}

template <int NA>
void dot_q6_k(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const BlockQ8_K* y[NA];
  __m512 acc[NA];
  for (int r = 0; r < NA; ++r) {
    y[r] = act_row(act, act_stride, r);
    acc[r] = _mm512_setzero_ps();
  }
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512i low2 = _mm512_set1_epi8(0x03);
  // Which int16 scale each int16 lane of a 64-value chunk uses (4 sub-blocks).
  const __m512i idx0 =
      _mm512_set_epi16(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  for (std::int64_t b = 0; b < k / kQK_K; ++b) {
    for (int p = 0; p < 256; p += 64) prefetch_ahead(reinterpret_cast<const std::byte*>(x + b) + p);
    const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[b].scales)));
    const __m512i sc16z = _mm512_castsi256_si512(sc16);
    const float d = _cvtsh_ss(x[b].d);
    __m512i isum[NA];
    for (int r = 0; r < NA; ++r) isum[r] = _mm512_setzero_si512();
    for (int h = 0; h < 2; ++h) {
      const __m512i ql = load512(x[b].ql + 64 * h);
      const __m256i qh = load256(x[b].qh + 32 * h);
      const __m512i qh01 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
      const __m512i qh23 = _mm512_srli_epi16(qh01, 4);
      const __m512i levels[2] = {
          _mm512_or_si512(_mm512_and_si512(ql, low4), _mm512_slli_epi16(_mm512_and_si512(qh01, low2), 4)),
          _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4),
                          _mm512_slli_epi16(_mm512_and_si512(qh23, low2), 4)),
      };
      for (int c = 0; c < 2; ++c) {
        const int sub = 8 * h + 4 * c;  // first of the 4 sub-blocks of 16 in this chunk
        const __m512i scale = _mm512_permutexvar_epi16(_mm512_add_epi16(idx0, _mm512_set1_epi16(sub)), sc16z);
        for (int r = 0; r < NA; ++r) {
          const __m512i a = load512(y[r][b].qs + 128 * h + 64 * c);
          isum[r] = _mm512_add_epi32(isum[r], _mm512_madd_epi16(_mm512_maddubs_epi16(levels[c], a), scale));
        }
      }
    }
    for (int r = 0; r < NA; ++r) {
      // sum sc * (q - 32) * a = sum sc * q * a - 32 * sum sc * bsum
      const __m256i corr = _mm256_slli_epi32(_mm256_madd_epi16(sc16, load256(y[r][b].bsums)), 5);
      const __m512i total = _mm512_sub_epi32(isum[r], _mm512_zextsi256_si512(corr));
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(total), _mm512_set1_ps(d * y[r][b].d), acc[r]);
    }
  }
  for (int r = 0; r < NA; ++r) out[r] = hsum(acc[r]);
}

}  // namespace

void vec_dot_q4_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  switch (n_act) {
    case 1:
      return dot_q45_k<BlockQ4_K, 1>(k, w, act, act_stride, out);
    case 2:
      return dot_q45_k<BlockQ4_K, 2>(k, w, act, act_stride, out);
    case 3:
      return dot_q45_k<BlockQ4_K, 3>(k, w, act, act_stride, out);
    default:
      return dot_q45_k<BlockQ4_K, 4>(k, w, act, act_stride, out);
  }
}

void vec_dot_q5_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  switch (n_act) {
    case 1:
      return dot_q45_k<BlockQ5_K, 1>(k, w, act, act_stride, out);
    case 2:
      return dot_q45_k<BlockQ5_K, 2>(k, w, act, act_stride, out);
    case 3:
      return dot_q45_k<BlockQ5_K, 3>(k, w, act, act_stride, out);
    default:
      return dot_q45_k<BlockQ5_K, 4>(k, w, act, act_stride, out);
  }
}

void vec_dot_q6_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  switch (n_act) {
    case 1:
      return dot_q6_k<1>(k, w, act, act_stride, out);
    case 2:
      return dot_q6_k<2>(k, w, act, act_stride, out);
    case 3:
      return dot_q6_k<3>(k, w, act, act_stride, out);
    default:
      return dot_q6_k<4>(k, w, act, act_stride, out);
  }
}

}  // namespace servir::kernels::avx512
