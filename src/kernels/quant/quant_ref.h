// Scalar reference quantize / dequantize / dot product for every supported
// type. These define the results; the per-ISA variants are tested against
// them. Rounding is round-to-nearest-even everywhere, so vector twins can
// match the activation quantizers bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernel_fn.h"

namespace servir::kernels::ref {

#define SERVIR_DECLARE_QUANT_REF(name)                                     \
  void dequantize_row_##name(const void* src, float* dst, std::int64_t n); \
  void quantize_row_##name(const float* src, void* dst, std::int64_t n);   \
  void vec_dot_##name(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);

SERVIR_DECLARE_QUANT_REF(f32)
SERVIR_DECLARE_QUANT_REF(f16)
SERVIR_DECLARE_QUANT_REF(bf16)
SERVIR_DECLARE_QUANT_REF(q8_0)
SERVIR_DECLARE_QUANT_REF(q4_0)
SERVIR_DECLARE_QUANT_REF(q4_1)
SERVIR_DECLARE_QUANT_REF(q5_0)
SERVIR_DECLARE_QUANT_REF(q5_1)
SERVIR_DECLARE_QUANT_REF(q4_K)
SERVIR_DECLARE_QUANT_REF(q5_K)
SERVIR_DECLARE_QUANT_REF(q6_K)
SERVIR_DECLARE_QUANT_REF(q8_K)

#undef SERVIR_DECLARE_QUANT_REF

}  // namespace servir::kernels::ref
