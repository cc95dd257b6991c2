// F32, F16 and BF16 weights x f32 activations with AVX-512F. Weights are
// widened to f32 in registers (vcvtph2ps / shift for bf16) and fused into
// FMAs; tails use masked loads, so any k works.
#include <immintrin.h>

#include "kernels/avx512/avx512_kernels.h"
#include "kernels/avx512/simd_avx512.h"

namespace servir::kernels::avx512 {
namespace {

struct F32Loader {
  static constexpr int kBytes = 4;
  static __m512 load(const void* w, std::int64_t i) { return _mm512_loadu_ps(static_cast<const float*>(w) + i); }
  static __m512 load_masked(const void* w, std::int64_t i, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, static_cast<const float*>(w) + i);
  }
};

struct F16Loader {
  static constexpr int kBytes = 2;
  static __m512 load(const void* w, std::int64_t i) {
    return _mm512_cvtph_ps(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const std::uint16_t*>(w) + i)));
  }
  static __m512 load_masked(const void* w, std::int64_t i, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, static_cast<const std::uint16_t*>(w) + i));
  }
};

struct BF16Loader {
  static constexpr int kBytes = 2;
  static __m512 widen(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
  static __m512 load(const void* w, std::int64_t i) {
    return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const std::uint16_t*>(w) + i)));
  }
  static __m512 load_masked(const void* w, std::int64_t i, __mmask16 m) {
    return widen(_mm256_maskz_loadu_epi16(m, static_cast<const std::uint16_t*>(w) + i));
  }
};

template <typename Loader, int NA>
void dot_rows(std::int64_t k, const void* w, const void* act, std::size_t act_stride, float* out) {
  const float* a[NA];
  __m512 acc0[NA], acc1[NA];
  for (int r = 0; r < NA; ++r) {
    a[r] = reinterpret_cast<const float*>(static_cast<const std::byte*>(act) + r * act_stride);
    acc0[r] = _mm512_setzero_ps();
    acc1[r] = _mm512_setzero_ps();
  }
  std::int64_t i = 0;
  for (; i + 32 <= k; i += 32) {
    prefetch_ahead(static_cast<const std::byte*>(w) + i * Loader::kBytes);
    prefetch_ahead(static_cast<const std::byte*>(w) + i * Loader::kBytes + 64);
    const __m512 w0 = Loader::load(w, i);
    const __m512 w1 = Loader::load(w, i + 16);
    for (int r = 0; r < NA; ++r) {
      acc0[r] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(a[r] + i), acc0[r]);
      acc1[r] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(a[r] + i + 16), acc1[r]);
    }
  }
  for (; i < k; i += 16) {
    const std::int64_t left = k - i;
    const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
    const __m512 w0 = Loader::load_masked(w, i, m);
    for (int r = 0; r < NA; ++r) acc0[r] = _mm512_fmadd_ps(w0, _mm512_maskz_loadu_ps(m, a[r] + i), acc0[r]);
  }
  for (int r = 0; r < NA; ++r) out[r] = hsum(_mm512_add_ps(acc0[r], acc1[r]));
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
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, F16Loader::load(src, i));
  if (i < n) {
    const auto m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(dst + i, m, F16Loader::load_masked(src, i, m));
  }
}

}  // namespace servir::kernels::avx512
