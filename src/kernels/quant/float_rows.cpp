// F32, F16 and BF16 rows: conversions and dot products with f32 activations.
#include <cstring>

#include "kernels/quant/quant_ref.h"
#include "util/half.h"

namespace servir::kernels::ref {
namespace {

template <float (*kLoad)(const void*, std::int64_t)>
void dot_rows(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  for (int r = 0; r < n_act; ++r) {
    const auto* a = reinterpret_cast<const float*>(static_cast<const std::byte*>(act) + r * act_stride);
    float sum = 0;
    for (std::int64_t i = 0; i < k; ++i) sum += kLoad(w, i) * a[i];
    out[r] = sum;
  }
}

float load_f32(const void* p, std::int64_t i) { return static_cast<const float*>(p)[i]; }
float load_f16(const void* p, std::int64_t i) { return f16_to_f32(static_cast<const std::uint16_t*>(p)[i]); }
float load_bf16(const void* p, std::int64_t i) { return bf16_to_f32(static_cast<const std::uint16_t*>(p)[i]); }

}  // namespace

void dequantize_row_f32(const void* src, float* dst, std::int64_t n) {
  std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
}
void quantize_row_f32(const float* src, void* dst, std::int64_t n) {
  std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(float));
}
void vec_dot_f32(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_rows<load_f32>(k, w, act, act_stride, n_act, out);
}

void dequantize_row_f16(const void* src, float* dst, std::int64_t n) {
  const auto* h = static_cast<const std::uint16_t*>(src);
  for (std::int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(h[i]);
}
void quantize_row_f16(const float* src, void* dst, std::int64_t n) {
  auto* h = static_cast<std::uint16_t*>(dst);
  for (std::int64_t i = 0; i < n; ++i) h[i] = f32_to_f16(src[i]);
}
void vec_dot_f16(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_rows<load_f16>(k, w, act, act_stride, n_act, out);
}

void dequantize_row_bf16(const void* src, float* dst, std::int64_t n) {
  const auto* h = static_cast<const std::uint16_t*>(src);
  for (std::int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(h[i]);
}
void quantize_row_bf16(const float* src, void* dst, std::int64_t n) {
  auto* h = static_cast<std::uint16_t*>(dst);
  for (std::int64_t i = 0; i < n; ++i) h[i] = f32_to_bf16(src[i]);
}
void vec_dot_bf16(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  dot_rows<load_bf16>(k, w, act, act_stride, n_act, out);
}

}  // namespace servir::kernels::ref
