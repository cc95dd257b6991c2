// Q4_K, Q5_K and Q6_K weights x Q8_K activations with AVX2: unsigned levels
// times signed activations (vpmaddubsw), per-sub-block scales (vpmaddwd); the
// Q4_K/Q5_K minimums and the Q6_K offset use the Q8_K block sums.
#include <cstring>
#include <type_traits>

#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd_avx2.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx2 {
namespace {

const BlockQ8_K* act_row(const void* act, std::size_t stride, int r) {
  return reinterpret_cast<const BlockQ8_K*>(static_cast<const std::byte*>(act) + r * stride);
}

__m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// scales[0..7] then mins[0..7] of a Q4_K block.
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

// Q4_K and Q5_K share the scale/min layout; Q5_K levels take a fifth bit
// from qh (bit j of qh[l] belongs to element l of sub-block j), which keeps
// them unsigned (0..31) so vpmaddubsw still applies.
template <typename Block, int NA>
void dot_q45_k(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  constexpr bool kFifthBit = std::is_same_v<Block, BlockQ5_K>;
  const auto* x = static_cast<const Block*>(w);
  const BlockQ8_K* y[NA];
  __m256 acc[NA], acc_min[NA];
  for (int r = 0; r < NA; ++r) {
    y[r] = act_row(act, act_stride, r);
    acc[r] = _mm256_setzero_ps();
    acc_min[r] = _mm256_setzero_ps();
  }
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (std::int64_t b = 0; b < k / kQK_K; ++b) {
    std::uint8_t sm[16];
    unpack_q4_k_scales(x[b].scales, sm);
    const __m128i mins8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(sm + 8));
    const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mins8, mins8));
    const float d = _cvtsh_ss(x[b].d);
    const float dmin = _cvtsh_ss(x[b].dmin);
    __m256i isum[NA];
    for (int r = 0; r < NA; ++r) isum[r] = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load256(x[b].qs + 32 * c);
      __m256i lo = _mm256_and_si256(q, low4);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
      if constexpr (kFifthBit) {
        const __m256i qh = load256(x[b].qh);
        const __m256i bit_lo = _mm256_set1_epi8(static_cast<char>(1 << (2 * c)));
        const __m256i bit_hi = _mm256_set1_epi8(static_cast<char>(1 << (2 * c + 1)));
        const __m256i sixteen = _mm256_set1_epi8(16);
        lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit_lo), bit_lo), sixteen));
        hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit_hi), bit_hi), sixteen));
      }
      const __m256i s_lo = _mm256_set1_epi16(sm[2 * c]);
      const __m256i s_hi = _mm256_set1_epi16(sm[2 * c + 1]);
      for (int r = 0; r < NA; ++r) {
        const __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load256(y[r][b].qs + 64 * c)), s_lo);
        const __m256i p_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load256(y[r][b].qs + 64 * c + 32)), s_hi);
        isum[r] = _mm256_add_epi32(isum[r], _mm256_add_epi32(p_lo, p_hi));
      }
    }
    for (int r = 0; r < NA; ++r) {
      const float dy = y[r][b].d;
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r]), _mm256_set1_ps(d * dy), acc[r]);
      const __m256i prod = _mm256_madd_epi16(mins16, load256(y[r][b].bsums));
      acc_min[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(prod), _mm256_set1_ps(dmin * dy), acc_min[r]);
    }
  }
  for (int r = 0; r < NA; ++r) out[r] = hsum(_mm256_sub_ps(acc[r], acc_min[r]));
}

template <int NA>
void dot_q6_k(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const BlockQ8_K* y[NA];
  __m256 acc[NA];
  for (int r = 0; r < NA; ++r) {
    y[r] = act_row(act, act_stride, r);
    acc[r] = _mm256_setzero_ps();
  }
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const __m256i low2 = _mm256_set1_epi8(0x03);
  for (std::int64_t b = 0; b < k / kQK_K; ++b) {
    const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[b].scales)));
    const float d = _cvtsh_ss(x[b].d);
    __m256i isum[NA];
    for (int r = 0; r < NA; ++r) isum[r] = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i ql0 = load256(x[b].ql + 64 * h);
      const __m256i ql1 = load256(x[b].ql + 64 * h + 32);
      const __m256i qh = load256(x[b].qh + 32 * h);
      const __m256i levels[4] = {
          _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_slli_epi16(_mm256_and_si256(qh, low2), 4)),
          _mm256_or_si256(_mm256_and_si256(ql1, low4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), low2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), low2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), low2), 4)),
      };
      for (int g = 0; g < 4; ++g) {
        const int sub = 8 * h + 2 * g;  // two sub-blocks of 16 per 32 values
        const __m256i scale = _mm256_set_m128i(_mm_set1_epi16(x[b].scales[sub + 1]), _mm_set1_epi16(x[b].scales[sub]));
        for (int r = 0; r < NA; ++r) {
          const __m256i a = load256(y[r][b].qs + 128 * h + 32 * g);
          isum[r] = _mm256_add_epi32(isum[r], _mm256_madd_epi16(_mm256_maddubs_epi16(levels[g], a), scale));
        }
      }
    }
    for (int r = 0; r < NA; ++r) {
      const __m256i corr = _mm256_slli_epi32(_mm256_madd_epi16(sc16, load256(y[r][b].bsums)), 5);
      const __m256i total = _mm256_sub_epi32(isum[r], corr);
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(d * y[r][b].d), acc[r]);
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

}  // namespace servir::kernels::avx2
