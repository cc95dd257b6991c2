// Activation quantizers (f32 -> Q8_0 / Q8_K) with AVX-512, bit-exact with
// the scalar references: same scale arithmetic, round-to-nearest-even.
#include <immintrin.h>

#include "kernels/avx512/avx512_kernels.h"
#include "kernels/avx512/simd_avx512.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx512 {

void quantize_row_q8_0(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (std::int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    const __m512 v0 = _mm512_loadu_ps(src);
    const __m512 v1 = _mm512_loadu_ps(src + 16);
    const float amax = hmax(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
    const __m512 vid = _mm512_set1_ps(id);
    const __m128i q0 = _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v0, vid)));
    const __m128i q1 = _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v1, vid)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y[b].qs), q0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y[b].qs + 16), q1);
  }
}

void quantize_row_q8_K(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (std::int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    __m512 vmax = _mm512_loadu_ps(src);
    __m512 vmin = vmax;
    for (int i = 16; i < kQK_K; i += 16) {
      const __m512 v = _mm512_loadu_ps(src + i);
      vmax = _mm512_max_ps(vmax, v);
      vmin = _mm512_min_ps(vmin, v);
    }
    const float hi = hmax(vmax);
    const float lo = hmin(vmin);
    // The reference keeps the first value of largest magnitude.
    float max = -lo > hi ? lo : hi;
    if (-lo == hi && lo != hi) {
      for (int i = 0; i < kQK_K; ++i) {
        if (src[i] == hi || src[i] == lo) {
          max = src[i];
          break;
        }
      }
    }
    if (max == 0) {
      auto* bytes = reinterpret_cast<unsigned char*>(&y[b]);
      for (std::size_t i = 0; i < sizeof(BlockQ8_K); ++i) bytes[i] = 0;
      continue;
    }
    const float iscale = -128.0f / max;
    const __m512 vs = _mm512_set1_ps(iscale);
    const __m512i q127 = _mm512_set1_epi32(127);
    for (int g = 0; g < kQK_K / 16; ++g) {
      const __m512i q = _mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(src + 16 * g), vs)), q127);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(y[b].qs + 16 * g), _mm512_cvtepi32_epi8(q));
      y[b].bsums[g] = static_cast<std::int16_t>(hsum_i32(q));
    }
    y[b].d = 1.0f / iscale;
  }
}

}  // namespace servir::kernels::avx512
