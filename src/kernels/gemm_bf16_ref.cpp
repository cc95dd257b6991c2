// Scalar twins of the BF16 tile GEMM (layouts in gemm_bf16.h).
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/gemm_bf16.h"
#include "util/half.h"

namespace servir::kernels::ref {

void pack_bf16_row(const float* row, std::int64_t k, int j, std::uint16_t* strip) {
  for (std::int64_t s = 0; s < k / kBf16StepK; ++s) {
    std::uint16_t* dst = strip + (s * kBf16StripRows + j) * kBf16StepK;
    for (int i = 0; i < kBf16StepK; ++i) dst[i] = f32_to_bf16_ftz(row[s * kBf16StepK + i]);
  }
}

void pack_bf16_act(const float* a, std::size_t lda, int n_rows, std::int64_t k, std::uint16_t* act) {
  const std::int64_t steps = k / kBf16StepK;
  std::memset(act, 0, static_cast<std::size_t>(steps) * kBf16GroupStepElems * sizeof(std::uint16_t));
  for (int m = 0; m < n_rows; ++m) {
    for (std::int64_t s = 0; s < steps; ++s) {
      for (int p = 0; p < kBf16StepK / 2; ++p) {
        for (int e = 0; e < 2; ++e) {
          act[s * kBf16GroupStepElems + p * 32 + m * 2 + e] = f32_to_bf16_ftz(a[m * lda + s * kBf16StepK + 2 * p + e]);
        }
      }
    }
  }
}

void pack_bf16_split_strip_f16(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip) {
  std::vector<float> row(static_cast<std::size_t>(2 * k));
  for (int j = 0; j < kBf16StripRows; ++j) {
    std::fill(row.begin(), row.end(), 0.0f);
    if (j < n_rows) {
      const auto* h = reinterpret_cast<const std::uint16_t*>(static_cast<const std::byte*>(w) + j * stride);
      for (std::int64_t i = 0; i < k; ++i) {
        const float x = f16_to_f32(h[i]);
        row[i] = bf16_hi(x);
        row[k + i] = bf16_lo(x);
      }
    }
    pack_bf16_row(row.data(), 2 * k, j, strip);
  }
}

void gemm_bf16_strip(const std::uint16_t* strip, int n_cols, std::int64_t k, const std::uint16_t* act,
                     std::int64_t m_rows, float* c, std::size_t ldc) {
  const std::int64_t steps = k / kBf16StepK;
  for (std::int64_t m = 0; m < m_rows; ++m) {
    const std::uint16_t* group = act + m / kBf16GroupRows * steps * kBf16GroupStepElems;
    const int mg = static_cast<int>(m % kBf16GroupRows);
    for (int j = 0; j < n_cols; ++j) {
      float sum = 0;
      for (std::int64_t s = 0; s < steps; ++s) {
        const std::uint16_t* w = strip + (s * kBf16StripRows + j) * kBf16StepK;
        for (int i = 0; i < kBf16StepK; ++i) {
          sum += bf16_to_f32(w[i]) * bf16_to_f32(group[s * kBf16GroupStepElems + (i / 2) * 32 + mg * 2 + i % 2]);
        }
      }
      c[m * ldc + static_cast<std::size_t>(j)] = sum;
    }
  }
}

}  // namespace servir::kernels::ref
