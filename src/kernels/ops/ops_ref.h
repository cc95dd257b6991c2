// Scalar reference element-wise and row kernels of a transformer step. The
// dispatched versions (KernelTable) are tested against these.
#pragma once

#include <cstdint>

namespace servir::kernels::ref {

// y = x / sqrt(mean(x^2) + eps) * weight, one row of n.
void rms_norm(const float* x, const float* weight, float* y, std::int64_t n, float eps);
// In place: x = exp(x - max) / sum.
void softmax(float* x, std::int64_t n);
// y = x * sigmoid(x).
void silu(const float* x, float* y, std::int64_t n);
// y = gelu(x), tanh approximation (as GPT-2 / ggml use).
void gelu(const float* x, float* y, std::int64_t n);
// out = silu(gate) * up.
void swiglu(const float* gate, const float* up, float* out, std::int64_t n);
// out = a + b (out may alias a or b).
void add(const float* a, const float* b, float* out, std::int64_t n);
// Index of the largest value (the first one on ties); n > 0.
std::int64_t argmax(const float* x, std::int64_t n);

}  // namespace servir::kernels::ref
