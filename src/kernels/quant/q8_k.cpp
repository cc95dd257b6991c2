// Q8_K: the activation partner of the K-quants (f32 scale, int8 values and
// the sums of each 16, which fold the K-quant minimums into one product).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/quant/block_types.h"
#include "kernels/quant/quant_ref.h"
#include "kernels/quant/quant_util.h"

namespace servir::kernels::ref {

void quantize_row_q8_K(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (std::int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    float amax = 0, max = 0;
    for (int i = 0; i < kQK_K; ++i) {
      if (std::fabs(src[i]) > amax) {
        amax = std::fabs(src[i]);
        max = src[i];
      }
    }
    if (amax == 0) {
      std::memset(&y[b], 0, sizeof(BlockQ8_K));
      continue;
    }
    // The extreme value maps to -128 so the full int8 range is used.
    const float iscale = -128.0f / max;
    for (int i = 0; i < kQK_K; ++i) y[b].qs[i] = static_cast<std::int8_t>(std::min(127, nearest_int(iscale * src[i])));
    for (int s = 0; s < kQK_K / 16; ++s) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += y[b].qs[16 * s + l];
      y[b].bsums[s] = static_cast<std::int16_t>(sum);
    }
    y[b].d = 1.0f / iscale;
  }
}

void dequantize_row_q8_K(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ8_K*>(src);
  for (std::int64_t b = 0; b < n / kQK_K; ++b) {
    for (int i = 0; i < kQK_K; ++i) *dst++ = x[b].d * x[b].qs[i];
  }
}

void vec_dot_q8_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  const auto* x = static_cast<const BlockQ8_K*>(w);
  for (int r = 0; r < n_act; ++r) {
    const auto* y = reinterpret_cast<const BlockQ8_K*>(static_cast<const std::byte*>(act) + r * act_stride);
    float sum = 0;
    for (std::int64_t b = 0; b < k / kQK_K; ++b) {
      int sumi = 0;
      for (int i = 0; i < kQK_K; ++i) sumi += x[b].qs[i] * y[b].qs[i];
      sum += x[b].d * y[b].d * static_cast<float>(sumi);
    }
    out[r] = sum;
  }
}

}  // namespace servir::kernels::ref
