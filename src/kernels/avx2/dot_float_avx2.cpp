// F32, F16 and BF16 rows x f32 activations with AVX2 + FMA + F16C.
#include <cstring>

#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd_avx2.h"

namespace servir::kernels::avx2 {
namespace {

struct F32Loader {
  static __m256 load(const void* w, std::int64_t i) { return _mm256_loadu_ps(static_cast<const float*>(w) + i); }
  static float scalar(const void* w, std::int64_t i) { return static_cast<const float*>(w)[i]; }
};

struct F16Loader {
  static __m256 load(const void* w, std::int64_t i) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const std::uint16_t*>(w) + i)));
  }
  static float scalar(const void* w, std::int64_t i) { return _cvtsh_ss(static_cast<const std::uint16_t*>(w)[i]); }
};

// BF16 is the high half of an f32: widen and shift.
struct BF16Loader {
  static __m256 load(const void* w, std::int64_t i) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const std::uint16_t*>(w) + i));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static float scalar(const void* w, std::int64_t i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(static_cast<const std::uint16_t*>(w)[i]) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
};

template <typename Loader, int NA>
void dot_rows(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  const float* a[NA];
  __m256 acc0[NA], acc1[NA];
  for (int r = 0; r < NA; ++r) {
    a[r] = reinterpret_cast<const float*>(static_cast<const std::byte*>(act) + r * act_stride);
    acc0[r] = _mm256_setzero_ps();
    acc1[r] = _mm256_setzero_ps();
  }
  std::int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m256 w0 = Loader::load(w, i);
    const __m256 w1 = Loader::load(w, i + 8);
    for (int r = 0; r < NA; ++r) {
      acc0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(a[r] + i), acc0[r]);
      acc1[r] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(a[r] + i + 8), acc1[r]);
    }
  }
  for (int r = 0; r < NA; ++r) {
    float sum = hsum(_mm256_add_ps(acc0[r], acc1[r]));
    for (std::int64_t j = i; j < k; ++j) sum += Loader::scalar(w, j) * a[r][j];
    out[r] = sum;
  }
}

template <typename Loader>
void dot_dispatch(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  switch (n_act) {
    case 1:
      return dot_rows<Loader, 1>(k, w, act, act_stride, out);
    case 2:
      return dot_rows<Loader, 2>(k, w, act, act_stride, out);
    case 3:
      return dot_rows<Loader, 3>(k, w, act, act_stride, out);
    default:
      return dot_rows<Loader, 4>(k, w, act, act_stride, out);
  }
}

}  // namespace

void vec_dot_f32(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_dispatch<F32Loader>(k, w, act, act_stride, n_act, out);
}
void vec_dot_f16(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_dispatch<F16Loader>(k, w, act, act_stride, n_act, out);
}

void vec_dot_bf16(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_dispatch<BF16Loader>(k, w, act, act_stride, n_act, out);
}

void dequantize_row_f16(const void* src, float* dst, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, F16Loader::load(src, i));
  for (; i < n; ++i) dst[i] = F16Loader::scalar(src, i);
}

void dequantize_row_bf16(const void* src, float* dst, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, BF16Loader::load(src, i));
  for (; i < n; ++i) dst[i] = BF16Loader::scalar(src, i);
}

}  // namespace servir::kernels::avx2
