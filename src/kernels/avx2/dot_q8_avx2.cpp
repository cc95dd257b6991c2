// Q8_0 and Q4_0 weights x Q8_0 activations with AVX2. vpmaddubsw needs one
// unsigned operand, so the weights go in as |w| and the activations take
// w's sign (vpsignb); vpmaddwd with ones widens to int32.
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd_avx2.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx2 {
namespace {

struct Q8_0Loader {
  using Block = BlockQ8_0;
  static __m256i load(const BlockQ8_0& x) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs)); }
};

struct Q4_0Loader {
  using Block = BlockQ4_0;
  static __m256i load(const BlockQ4_0& x) {
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x.qs));
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m256i levels = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), mask), _mm_and_si128(q, mask));
    return _mm256_sub_epi8(levels, _mm256_set1_epi8(8));
  }
};

template <typename Loader, int NA>
void dot_blocks(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  const auto* x = static_cast<const typename Loader::Block*>(w);
  const BlockQ8_0* y[NA];
  __m256 acc[NA];
  for (int r = 0; r < NA; ++r) {
    y[r] = reinterpret_cast<const BlockQ8_0*>(static_cast<const std::byte*>(act) + r * act_stride);
    acc[r] = _mm256_setzero_ps();
  }
  const __m256i ones = _mm256_set1_epi16(1);
  for (std::int64_t b = 0; b < k / kQK; ++b) {
    const __m256i wq = Loader::load(x[b]);
    const __m256i wabs = _mm256_sign_epi8(wq, wq);
    const float dw = _cvtsh_ss(x[b].d);
    for (int r = 0; r < NA; ++r) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[r][b].qs));
      const __m256i p16 = _mm256_maddubs_epi16(wabs, _mm256_sign_epi8(a, wq));
      const __m256i p32 = _mm256_madd_epi16(p16, ones);
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p32), _mm256_set1_ps(dw * _cvtsh_ss(y[r][b].d)), acc[r]);
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

}  // namespace servir::kernels::avx2
