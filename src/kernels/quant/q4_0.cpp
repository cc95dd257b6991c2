// Q4_0: 32 4-bit values (offset 8) and one f16 scale; dots with Q8_0.
#include <algorithm>
#include <cmath>

#include "kernels/quant/block_types.h"
#include "kernels/quant/quant_ref.h"
#include "kernels/quant/quant_util.h"
#include "util/half.h"

namespace servir::kernels::ref {

void quantize_row_q4_0(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ4_0*>(dst);
  for (std::int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    // The value of largest magnitude maps to -8, the level with no twin.
    float amax = 0, max = 0;
    for (int i = 0; i < kQK; ++i) {
      if (std::fabs(src[i]) > amax) {
        amax = std::fabs(src[i]);
        max = src[i];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    for (int i = 0; i < kQK / 2; ++i) {
      const int lo = std::clamp(nearest_int(src[i] * id) + 8, 0, 15);
      const int hi = std::clamp(nearest_int(src[i + kQK / 2] * id) + 8, 0, 15);
      y[b].qs[i] = static_cast<std::uint8_t>(lo | hi << 4);
    }
  }
}

void dequantize_row_q4_0(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ4_0*>(src);
  for (std::int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = f16_to_f32(x[b].d);
    for (int i = 0; i < kQK / 2; ++i) {
      dst[i] = d * ((x[b].qs[i] & 0xF) - 8);
      dst[i + kQK / 2] = d * ((x[b].qs[i] >> 4) - 8);
    }
  }
}

void vec_dot_q4_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  for (int r = 0; r < n_act; ++r) {
    const auto* y = reinterpret_cast<const BlockQ8_0*>(static_cast<const std::byte*>(act) + r * act_stride);
    float sum = 0;
    for (std::int64_t b = 0; b < k / kQK; ++b) {
      int sumi = 0;
      for (int i = 0; i < kQK / 2; ++i) {
        sumi += ((x[b].qs[i] & 0xF) - 8) * y[b].qs[i];
        sumi += ((x[b].qs[i] >> 4) - 8) * y[b].qs[i + kQK / 2];
      }
      sum += static_cast<float>(sumi) * f16_to_f32(x[b].d) * f16_to_f32(y[b].d);
    }
    out[r] = sum;
  }
}

}  // namespace servir::kernels::ref
