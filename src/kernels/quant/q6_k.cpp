// Q6_K: 256 6-bit values (offset 32) in 16 sub-blocks of 16 with int8
// scales under one f16 super-scale; dots with Q8_K.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/quant/block_types.h"
#include "kernels/quant/quant_ref.h"
#include "kernels/quant/quant_util.h"
#include "util/half.h"

namespace servir::kernels::ref {
namespace {

// Level (0..63) of element i of a block: each 128 elements use 64 bytes of
// ql and 32 of qh; group g of 32 takes the low (g < 2) or high nibble of
// ql[l + 32 * (g % 2)] and bits 2g..2g+1 of qh[l].
int q6_k_level(const BlockQ6_K& x, int i) {
  const int half = i / 128, g = (i % 128) / 32, l = i % 32;
  const std::uint8_t ql = x.ql[64 * half + 32 * (g % 2) + l];
  const int lo = g < 2 ? ql & 0xF : ql >> 4;
  return lo | ((x.qh[32 * half + l] >> (2 * g)) & 3) << 4;
}

}  // namespace

void quantize_row_q6_K(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ6_K*>(dst);
  std::uint8_t L[kQK_K];
  for (std::int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    float scales[16], weights[16];
    float max_abs = 0, max_scale = 0;
    for (int s = 0; s < 16; ++s) {
      for (int l = 0; l < 16; ++l) weights[l] = src[16 * s + l] * src[16 * s + l];
      scales[s] = fit_scale_symmetric(16, 32, src + 16 * s, weights, L + 16 * s);
      if (std::fabs(scales[s]) > max_abs) {
        max_abs = std::fabs(scales[s]);
        max_scale = scales[s];
      }
    }
    BlockQ6_K& out = y[b];
    if (max_abs == 0) {
      std::memset(&out, 0, sizeof(out));
      continue;
    }
    const float iscale = -128.0f / max_scale;
    out.d = f32_to_f16(1.0f / iscale);
    const float d = f16_to_f32(out.d);
    for (int s = 0; s < 16; ++s) {
      out.scales[s] = static_cast<std::int8_t>(std::min(127, nearest_int(iscale * scales[s])));
      const float dd = d * out.scales[s];
      for (int l = 0; l < 16; ++l) {
        L[16 * s + l] =
            dd == 0 ? 32 : static_cast<std::uint8_t>(std::clamp(nearest_int(src[16 * s + l] / dd), -32, 31) + 32);
      }
    }
    for (int half = 0; half < 2; ++half) {
      const std::uint8_t* Lh = L + 128 * half;
      for (int l = 0; l < 32; ++l) {
        const int q1 = Lh[l], q2 = Lh[l + 32], q3 = Lh[l + 64], q4 = Lh[l + 96];
        out.ql[64 * half + l] = static_cast<std::uint8_t>((q1 & 0xF) | (q3 & 0xF) << 4);
        out.ql[64 * half + 32 + l] = static_cast<std::uint8_t>((q2 & 0xF) | (q4 & 0xF) << 4);
        out.qh[32 * half + l] = static_cast<std::uint8_t>((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
      }
    }
  }
}

void dequantize_row_q6_K(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ6_K*>(src);
  for (std::int64_t b = 0; b < n / kQK_K; ++b, dst += kQK_K) {
    const float d = f16_to_f32(x[b].d);
    for (int i = 0; i < kQK_K; ++i) dst[i] = d * x[b].scales[i / 16] * (q6_k_level(x[b], i) - 32);
  }
}

void vec_dot_q6_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  for (int r = 0; r < n_act; ++r) {
    const auto* y = reinterpret_cast<const BlockQ8_K*>(static_cast<const std::byte*>(act) + r * act_stride);
    float sum = 0;
    for (std::int64_t b = 0; b < k / kQK_K; ++b) {
      int sumi = 0;
      for (int s = 0; s < 16; ++s) {
        int part = 0;
        for (int l = 0; l < 16; ++l) part += (q6_k_level(x[b], 16 * s + l) - 32) * y[b].qs[16 * s + l];
        sumi += x[b].scales[s] * part;
      }
      sum += f16_to_f32(x[b].d) * y[b].d * static_cast<float>(sumi);
    }
    out[r] = sum;
  }
}

}  // namespace servir::kernels::ref
