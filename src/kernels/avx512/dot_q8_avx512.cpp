// Q8_0 and Q4_0 weights x Q8_0 activations with AVX-512 VNNI. Two 32-value
// blocks fill one zmm; vpdpbusd needs one unsigned operand, so the weights
// go in as |w| and the activations take w's sign (masked negate).
#include <immintrin.h>

#include "kernels/avx512/avx512_kernels.h"
#include "kernels/avx512/simd_avx512.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx512 {
namespace {

const BlockQ8_0* act_row(const void* act, std::size_t stride, int r) {
  return reinterpret_cast<const BlockQ8_0*>(static_cast<const std::byte*>(act) + r * stride);
}

// Two blocks (or one, upper half zero) of activations as 64 bytes.
__m512i load_act_pair(const BlockQ8_0* y, bool two) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[0].qs));
  const __m256i hi = two ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[1].qs)) : _mm256_setzero_si256();
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

// Weights of two Q8_0 blocks (upper half zero when `two` is false).
struct Q8_0Loader {
  using Block = BlockQ8_0;
  static constexpr bool kUnsigned = false;
  static __m512i load(const BlockQ8_0* x, bool two) { return load_act_pair(x, two); }
};

// Levels (0..15) of two Q4_0 blocks in element order: each block's 16 bytes
// are broadcast to both halves of a ymm, shifted by 0 / 4 bits per half and
// masked, giving [b0 lo, b0 hi | b1 lo, b1 hi].
struct Q4_0Loader {
  using Block = BlockQ4_0;
  static constexpr bool kUnsigned = true;
  static __m512i load(const BlockQ4_0* x, bool two) {
    const __m256i q0 = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[0].qs)));
    const __m256i q1 = two ? _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[1].qs)))
                           : _mm256_setzero_si256();
    const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
    const __m512i shifted = _mm512_srlv_epi64(both, _mm512_set_epi64(4, 4, 0, 0, 4, 4, 0, 0));
    return _mm512_and_si512(shifted, _mm512_set1_epi8(0x0F));
  }
};

template <typename Loader, int NA>
void dot_blocks(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  using Block = typename Loader::Block;
  const auto* x = static_cast<const Block*>(w);
  const BlockQ8_0* y[NA];
  __m512 acc[NA];
  for (int r = 0; r < NA; ++r) {
    y[r] = act_row(act, act_stride, r);
    acc[r] = _mm512_setzero_ps();
  }
  const std::int64_t nb = k / kQK;
  const __m512i pair_index = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  for (std::int64_t b = 0; b < nb; b += 2) {
    const bool two = b + 1 < nb;
    prefetch_ahead(x + b);
    const std::uint64_t dw = x[b].d | (two ? std::uint64_t{x[b + 1].d} << 16 : 0);
    // Q4_0 levels stay unsigned (0..15) and the -8 comes off as 8 * sum(a);
    // Q8_0 takes |w| and moves w's sign onto the activations.
    __m512i wq = Loader::load(x + b, two);
    __mmask64 neg = 0;
    if constexpr (!Loader::kUnsigned) {
      neg = _mm512_movepi8_mask(wq);
      wq = _mm512_abs_epi8(wq);
    }
    for (int r = 0; r < NA; ++r) {
      __m512i a = load_act_pair(y[r] + b, two);
      __m512i dot;
      if constexpr (Loader::kUnsigned) {
        dot = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), wq, a),
                               _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(8), a));
      } else {
        a = _mm512_mask_sub_epi8(a, neg, _mm512_setzero_si512(), a);
        dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wq, a);
      }
      // The four f16 scales of the pair go through one vcvtph2ps: with 512-bit
      // ops only two vector ports issue, so per-scalar conversions would cost
      // more than the dot product itself.
      const std::uint64_t da = y[r][b].d | (two ? std::uint64_t{y[r][b + 1].d} << 16 : 0);
      const __m128 f = _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(dw | da << 32)));
      const __m128 s01 = _mm_mul_ps(f, _mm_movehl_ps(f, f));  // [dw0*da0, dw1*da1, ...]
      const __m512 scale = _mm512_permutexvar_ps(pair_index, _mm512_castps128_ps512(s01));
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[r]);
    }
  }
  for (int r = 0; r < NA; ++r) out[r] = hsum(acc[r]);
}

template <typename Loader>
void dot_dispatch(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  switch (n_act) {
    case 1:
      return dot_blocks<Loader, 1>(k, w, act, act_stride, out);
    case 2:
      return dot_blocks<Loader, 2>(k, w, act, act_stride, out);
    case 3:
      return dot_blocks<Loader, 3>(k, w, act, act_stride, out);
    default:
      return dot_blocks<Loader, 4>(k, w, act, act_stride, out);
  }
}

}  // namespace

void vec_dot_q8_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_dispatch<Q8_0Loader>(k, w, act, act_stride, n_act, out);
}

void vec_dot_q4_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_dispatch<Q4_0Loader>(k, w, act, act_stride, n_act, out);
}

}  // namespace servir::kernels::avx512
