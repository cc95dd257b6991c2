// Q5_K: Q4_K with a fifth bit per value in qh; dots with Q8_K.
#include "kernels/quant/block_types.h"
#include "kernels/quant/quant_ref.h"
#include "kernels/quant/quant_util.h"
#include "util/half.h"

namespace servir::kernels::ref {

namespace {

int q5_k_value(const BlockQ5_K& x, int j, int l) {
  const std::uint8_t q = x.qs[32 * (j / 2) + l];
  const int nibble = (j % 2 == 0) ? q & 0xF : q >> 4;
  return nibble | ((x.qh[l] >> j) & 1) << 4;
}

}  // namespace

void quantize_row_q5_K(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ5_K*>(dst);
  std::uint8_t L[kQK_K];
  for (std::int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    quantize_k_block(src, 31, &y[b].d, &y[b].dmin, y[b].scales, L);
    for (int l = 0; l < 32; ++l) {
      std::uint8_t qh = 0;
      for (int j = 0; j < 8; ++j) qh |= static_cast<std::uint8_t>((L[32 * j + l] >> 4) << j);
      y[b].qh[l] = qh;
    }
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        y[b].qs[32 * c + l] = static_cast<std::uint8_t>((L[64 * c + l] & 0xF) | (L[64 * c + 32 + l] & 0xF) << 4);
      }
    }
  }
}

void dequantize_row_q5_K(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ5_K*>(src);
  for (std::int64_t b = 0; b < n / kQK_K; ++b) {
    const float d = f16_to_f32(x[b].d);
    const float dmin = f16_to_f32(x[b].dmin);
    for (int j = 0; j < 8; ++j) {
      std::uint8_t sc, m;
      k_scale_min(j, x[b].scales, &sc, &m);
      for (int l = 0; l < 32; ++l) *dst++ = d * sc * q5_k_value(x[b], j, l) - dmin * m;
    }
  }
}

void vec_dot_q5_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  const auto* x = static_cast<const BlockQ5_K*>(w);
  for (int r = 0; r < n_act; ++r) {
    const auto* y = reinterpret_cast<const BlockQ8_K*>(static_cast<const std::byte*>(act) + r * act_stride);
    float sum = 0;
    for (std::int64_t b = 0; b < k / kQK_K; ++b) {
      int sum_scaled = 0, sum_mins = 0;
      for (int j = 0; j < 8; ++j) {
        std::uint8_t sc, m;
        k_scale_min(j, x[b].scales, &sc, &m);
        int sumi = 0;
        for (int l = 0; l < 32; ++l) sumi += q5_k_value(x[b], j, l) * y[b].qs[32 * j + l];
        sum_scaled += sc * sumi;
        sum_mins += m * (y[b].bsums[2 * j] + y[b].bsums[2 * j + 1]);
      }
      sum += y[b].d * (f16_to_f32(x[b].d) * static_cast<float>(sum_scaled) -
                       f16_to_f32(x[b].dmin) * static_cast<float>(sum_mins));
    }
    out[r] = sum;
  }
}

}  // namespace servir::kernels::ref
