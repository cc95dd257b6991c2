// Activation quantizers (f32 -> Q8_0 / Q8_K) with AVX2, bit-exact with the
// scalar references (same scale arithmetic, round-to-nearest-even).
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd_avx2.h"
#include "kernels/quant/block_types.h"

namespace servir::kernels::avx2 {

void quantize_row_q8_0(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (std::int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int i = 0; i < 4; ++i) {
      v[i] = _mm256_loadu_ps(src + 8 * i);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, v[i]));
    }
    const float d = hmax(amax) / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int i = 0; i < 4; ++i) q[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], vid));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs), pack_i32_to_i8(q[0], q[1], q[2], q[3]));
  }
}

// The KV cache's Q8_0 rows (one head of a token at a time in the generic
// attention loop): widen 8 int8 at a time and apply the block's scale.
void dequantize_row_q8_0(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ8_0*>(src);
  for (std::int64_t b = 0; b < n / kQK; ++b) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(x[b].d));
    for (int i = 0; i < kQK; i += 8) {
      const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[b].qs + i));
      _mm256_storeu_ps(dst + b * kQK + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
    }
  }
}

void quantize_row_q8_K(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (std::int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    __m256 vmax = _mm256_loadu_ps(src);
    __m256 vmin = vmax;
    for (int i = 8; i < kQK_K; i += 8) {
      const __m256 v = _mm256_loadu_ps(src + i);
      vmax = _mm256_max_ps(vmax, v);
      vmin = _mm256_min_ps(vmin, v);
    }
    const float hi = hmax(vmax);
    const float lo = hmin(vmin);
    float max = -lo > hi ? lo : hi;
    if (-lo == hi && lo != hi) {  // the reference keeps the first extreme
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
    const __m256 vs = _mm256_set1_ps(iscale);
    const __m256i q127 = _mm256_set1_epi32(127);
    for (int g = 0; g < kQK_K / 32; ++g) {
      __m256i q[4];
      for (int i = 0; i < 4; ++i) {
        q[i] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + 32 * g + 8 * i), vs)), q127);
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs + 32 * g), pack_i32_to_i8(q[0], q[1], q[2], q[3]));
      y[b].bsums[2 * g] = static_cast<std::int16_t>(hsum_i32(_mm256_add_epi32(q[0], q[1])));
      y[b].bsums[2 * g + 1] = static_cast<std::int16_t>(hsum_i32(_mm256_add_epi32(q[2], q[3])));
    }
    y[b].d = 1.0f / iscale;
  }
}

}  // namespace servir::kernels::avx2
