// Q5_1: 32 5-bit values with an f16 scale and f16 minimum; dots with Q8_0.
#include <algorithm>
#include <cstring>

#include "kernels/quant/block_types.h"
#include "kernels/quant/quant_ref.h"
#include "kernels/quant/quant_util.h"
#include "util/half.h"

namespace servir::kernels::ref {
namespace {

int q5_1_value(const BlockQ5_1& x, int i) {
  std::uint32_t qh;
  std::memcpy(&qh, x.qh, 4);
  const int nibble = i < kQK / 2 ? x.qs[i] & 0xF : x.qs[i - kQK / 2] >> 4;
  return nibble | static_cast<int>((qh >> i) & 1u) << 4;
}

}  // namespace

void quantize_row_q5_1(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ5_1*>(dst);
  for (std::int64_t b = 0; b < n / kQK; ++b, src += kQK) {
    const auto [lo_it, hi_it] = std::minmax_element(src, src + kQK);
    const float min = *lo_it;
    const float d = (*hi_it - min) / 31.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    y[b].m = f32_to_f16(min);
    std::uint32_t qh = 0;
    for (int i = 0; i < kQK / 2; ++i) {
      const int lo = std::clamp(nearest_int((src[i] - min) * id), 0, 31);
      const int hi = std::clamp(nearest_int((src[i + kQK / 2] - min) * id), 0, 31);
      y[b].qs[i] = static_cast<std::uint8_t>((lo & 0xF) | (hi & 0xF) << 4);
      qh |= static_cast<std::uint32_t>(lo >> 4) << i;
      qh |= static_cast<std::uint32_t>(hi >> 4) << (i + kQK / 2);
    }
    std::memcpy(y[b].qh, &qh, 4);
  }
}

void dequantize_row_q5_1(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ5_1*>(src);
  for (std::int64_t b = 0; b < n / kQK; ++b, dst += kQK) {
    const float d = f16_to_f32(x[b].d);
    const float m = f16_to_f32(x[b].m);
    for (int i = 0; i < kQK; ++i) dst[i] = d * q5_1_value(x[b], i) + m;
  }
}

void vec_dot_q5_1(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  const auto* x = static_cast<const BlockQ5_1*>(w);
  for (int r = 0; r < n_act; ++r) {
    const auto* y = reinterpret_cast<const BlockQ8_0*>(static_cast<const std::byte*>(act) + r * act_stride);
    float sum = 0;
    for (std::int64_t b = 0; b < k / kQK; ++b) {
      int sumi = 0, sumy = 0;
      for (int i = 0; i < kQK; ++i) {
        sumi += q5_1_value(x[b], i) * y[b].qs[i];
        sumy += y[b].qs[i];
      }
      const float dy = f16_to_f32(y[b].d);
      sum += dy * (f16_to_f32(x[b].d) * static_cast<float>(sumi) + f16_to_f32(x[b].m) * static_cast<float>(sumy));
    }
    out[r] = sum;
  }
}

}  // namespace servir::kernels::ref
