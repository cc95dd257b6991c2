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
  static __m512i load(const BlockQ8_0* x, bool two) { return load_act_pair(x, two); }
};

// Weights of two Q4_0 blocks as signed int8 (q - 8), in element order.
struct Q4_0Loader {
  using Block = BlockQ4_0;
  static __m512i load(const BlockQ4_0* x, bool two) {
    const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[0].qs));
    const __m128i q1 = two ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[1].qs)) : _mm_set1_epi8(-120);
    const __m256i q = _mm256_set_m128i(q1, q0);
    const __m256i mask = _mm256_set1_epi8(0x0F);
    const __m256i lo = _mm256_and_si256(q, mask);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), mask);
    // [b0 lo, b1 lo | b0 hi, b1 hi] -> [b0 lo, b0 hi, b1 lo, b1 hi]
    const __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    const __m512i ordered = _mm512_shuffle_i64x2(z, z, _MM_SHUFFLE(3, 1, 2, 0));
    return _mm512_sub_epi8(ordered, _mm512_set1_epi8(8));
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
  for (std::int64_t b = 0; b < nb; b += 2) {
    const bool two = b + 1 < nb;
    const __m512i wq = Loader::load(x + b, two);
    const __m512i wabs = _mm512_abs_epi8(wq);
    const __mmask64 neg = _mm512_movepi8_mask(wq);
    const float dw0 = _cvtsh_ss(x[b].d);
    const float dw1 = two ? _cvtsh_ss(x[b + 1].d) : 0.0f;
    for (int r = 0; r < NA; ++r) {
      const __m512i a = load_act_pair(y[r] + b, two);
      const __m512i a_signed = _mm512_mask_sub_epi8(a, neg, _mm512_setzero_si512(), a);
      const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wabs, a_signed);
      const float s0 = dw0 * _cvtsh_ss(y[r][b].d);
      const float s1 = two ? dw1 * _cvtsh_ss(y[r][b + 1].d) : 0.0f;
      const __m512 scale = _mm512_insertf32x8(_mm512_set1_ps(s0), _mm256_set1_ps(s1), 1);
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
