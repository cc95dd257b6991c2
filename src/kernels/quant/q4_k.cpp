// Q4_K: 256 4-bit values in 8 sub-blocks of 32, each with a 6-bit scale and
// 6-bit minimum under f16 super-scales; dots with Q8_K.
#include <algorithm>
#include <cmath>

#include "kernels/quant/block_types.h"
#include "kernels/quant/quant_ref.h"
#include "kernels/quant/quant_util.h"
#include "util/half.h"

namespace servir::kernels::ref {

namespace {

// Packs 8 (scale, min) pairs of 6 bits into the 12-byte K-quant layout.
void pack_k_scales(const std::uint8_t* ls, const std::uint8_t* lm, std::uint8_t* q) {
  for (int j = 0; j < 12; ++j) q[j] = 0;
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      q[j] = ls[j];
      q[j + 4] = lm[j];
    } else {
      q[j + 4] = static_cast<std::uint8_t>((ls[j] & 0xF) | (lm[j] & 0xF) << 4);
      q[j - 4] |= static_cast<std::uint8_t>((ls[j] >> 4) << 6);
      q[j] |= static_cast<std::uint8_t>((lm[j] >> 4) << 6);
    }
  }
}

}  // namespace

void quantize_k_block(const float* x, int nmax, std::uint16_t* d_out, std::uint16_t* dmin_out, std::uint8_t* scales_out,
                      std::uint8_t* L) {
  // As llama.cpp: weights rms(sub-block) + |x|; Q5_K searches a narrower grid.
  const float rmin = nmax == 15 ? -1.0f : -0.5f;
  const int nstep = nmax == 15 ? 20 : 15;
  float scales[8], mins[8], weights[32];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
    scales[j] = fit_scale_min(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], rmin, 0.1f, nstep);
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
  std::uint8_t ls[8], lm[8];
  for (int j = 0; j < 8; ++j) {
    ls[j] = static_cast<std::uint8_t>(std::min(63, nearest_int(inv_scale * scales[j])));
    lm[j] = static_cast<std::uint8_t>(std::min(63, nearest_int(inv_min * mins[j])));
  }
  pack_k_scales(ls, lm, scales_out);
  *d_out = f32_to_f16(max_scale / 63.0f);
  *dmin_out = f32_to_f16(max_min / 63.0f);
  const float d = f16_to_f32(*d_out);
  const float dmin = f16_to_f32(*dmin_out);
  for (int j = 0; j < 8; ++j) {
    std::uint8_t sc, m;
    k_scale_min(j, scales_out, &sc, &m);
    const float dd = d * sc;
    const float dm = dmin * m;
    for (int l = 0; l < 32; ++l) {
      L[32 * j + l] =
          dd == 0 ? 0 : static_cast<std::uint8_t>(std::clamp(nearest_int((x[32 * j + l] + dm) / dd), 0, nmax));
    }
  }
}

void quantize_row_q4_K(const float* src, void* dst, std::int64_t n) {
  auto* y = static_cast<BlockQ4_K*>(dst);
  std::uint8_t L[kQK_K];
  for (std::int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    quantize_k_block(src, 15, &y[b].d, &y[b].dmin, y[b].scales, L);
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        y[b].qs[32 * c + l] = static_cast<std::uint8_t>(L[64 * c + l] | L[64 * c + 32 + l] << 4);
      }
    }
  }
}

void dequantize_row_q4_K(const void* src, float* dst, std::int64_t n) {
  const auto* x = static_cast<const BlockQ4_K*>(src);
  for (std::int64_t b = 0; b < n / kQK_K; ++b) {
    const float d = f16_to_f32(x[b].d);
    const float dmin = f16_to_f32(x[b].dmin);
    for (int j = 0; j < 8; ++j) {
      std::uint8_t sc, m;
      k_scale_min(j, x[b].scales, &sc, &m);
      const std::uint8_t* q = x[b].qs + 32 * (j / 2);
      for (int l = 0; l < 32; ++l) {
        const int v = (j % 2 == 0) ? q[l] & 0xF : q[l] >> 4;
        *dst++ = d * sc * v - dmin * m;
      }
    }
  }
}

void vec_dot_q4_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out) {
  const auto* x = static_cast<const BlockQ4_K*>(w);
  for (int r = 0; r < n_act; ++r) {
    const auto* y = reinterpret_cast<const BlockQ8_K*>(static_cast<const std::byte*>(act) + r * act_stride);
    float sum = 0;
    for (std::int64_t b = 0; b < k / kQK_K; ++b) {
      int sum_scaled = 0, sum_mins = 0;
      for (int j = 0; j < 8; ++j) {
        std::uint8_t sc, m;
        k_scale_min(j, x[b].scales, &sc, &m);
        const std::uint8_t* q = x[b].qs + 32 * (j / 2);
        int sumi = 0;
        for (int l = 0; l < 32; ++l) sumi += ((j % 2 == 0) ? q[l] & 0xF : q[l] >> 4) * y[b].qs[32 * j + l];
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
