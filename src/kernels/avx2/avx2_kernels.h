// AVX2 + FMA + F16C kernels, the baseline x86-64 fast path. Only avx2/*.cpp
// are compiled with these flags; nothing here may be called unless the CPU
// has them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace servir::kernels::avx2 {

void vec_dot_q8_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_q4_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_q4_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_q6_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_f32(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_f16(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);

void quantize_row_q8_0(const float* src, void* dst, std::int64_t n);
void quantize_row_q8_K(const float* src, void* dst, std::int64_t n);
void dequantize_row_f16(const void* src, float* dst, std::int64_t n);

}  // namespace servir::kernels::avx2

namespace servir::kernels::avx2 {

void rms_norm(const float* x, const float* weight, float* y, std::int64_t n, float eps);
void softmax(float* x, std::int64_t n);
void silu(const float* x, float* y, std::int64_t n);
void swiglu(const float* gate, const float* up, float* out, std::int64_t n);
void add(const float* a, const float* b, float* out, std::int64_t n);

}  // namespace servir::kernels::avx2
