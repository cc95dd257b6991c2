// Q8_0: 32 int8 values and one f16 scale. Also the activation partner of
// every 32-wide weight type.
#include <cmath>

#include "kernels/quant/block_types.h"
#include "kernels/quant/quant_ref.h"
#include "kernels/quant/quant_util.h"
#include "util/half.h"

namespace servir::kernels::ref {

void quantize_row_q8_0(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (std::int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    float amax = 0;
    for (int i = 0; i < kQK; ++i) amax = std::fmax(amax, std::fabs(src[i]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    for (int i = 0; i < kQK; ++i) y[b].qs[i] = static_cast<std::int8_t>(nearest_int(src[i] * id));
  }
}

void dequantize_row_q8_0(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ8_0*>(src);
  for (std::int64_t b = 0; b < n / kQK; ++b) {
    const float d = f16_to_f32(x[b].d);
    for (int i = 0; i < kQK; ++i) dst[b * kQK + i] = d * x[b].qs[i];
  }
}

void vec_dot_q8_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  for (int r = 0; r < n_act; ++r) {
    const auto* y = reinterpret_cast<const BlockQ8_0*>(static_cast<const std::byte*>(act) + r * act_stride);
    float sum = 0;
    for (std::int64_t b = 0; b < k / kQK; ++b) {
      int sumi = 0;
      for (int i = 0; i < kQK; ++i) sumi += x[b].qs[i] * y[b].qs[i];
      sum += static_cast<float>(sumi) * f16_to_f32(x[b].d) * f16_to_f32(y[b].d);
    }
    out[r] = sum;
  }
}

}  // namespace servir::kernels::ref
