// AVX-512 (F, BW, VL, DQ, VNNI) kernels. Only avx512/*.cpp are compiled with
// the AVX-512 flags; nothing here may be called unless the CPU has them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/attend.h"
#include "kernels/gemm_int8.h"

namespace servir::kernels::avx512 {

void vec_dot_q8_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_q4_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_q5_0(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_q4_1(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_q5_1(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_q4_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_q5_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_q6_K(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_f32(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_f16(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);
void vec_dot_bf16(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act, float* out);

// Int8 GEMM tiles (layout and contract in kernels/gemm_int8.h).
void repack_q8_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile);
void repack_q4_0_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile);
void repack_q4_K_tile(const void* w, std::size_t w_stride, int n_rows, std::int64_t b0, std::int64_t b1, void* tile);
void repack_gemm_q8_0_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch);
void repack_gemm_q4_0_x16(const void* group, std::int64_t b0, std::int64_t b1, void* tile, const Int8Act& act,
                          int n_act, const Int8Out& out);
void repack_gemm_q8_0_x16(const void* group, std::int64_t b0, std::int64_t b1, void* tile, const Int8Act& act,
                          int n_act, const Int8Out& out);
void repack_gemm_q4_0_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch);
void repack_gemm_q4_K_tile(const Int8Weights& w, void* tile, const Int8Act& act, int n_act, const Int8Out& out,
                           const Int8Prefetch& prefetch);
void gemm_int8_tile(std::int64_t n_blocks, const void* tile, const Int8Act& act, int n_act, float* c, std::size_t ldc,
                    int n_cols, bool accumulate, const Int8Prefetch& prefetch);

bool attend(const AttendItem& item);

void quantize_row_q8_0(const float* src, void* dst, std::int64_t n);
void quantize_row_q8_K(const float* src, void* dst, std::int64_t n);
void dequantize_row_f16(const void* src, float* dst, std::int64_t n);

}  // namespace servir::kernels::avx512

namespace servir::kernels::avx512 {

void rms_norm(const float* x, const float* weight, float* y, std::int64_t n, float eps);
void softmax(float* x, std::int64_t n);
void silu(const float* x, float* y, std::int64_t n);
void swiglu(const float* gate, const float* up, float* out, std::int64_t n);
void add(const float* a, const float* b, float* out, std::int64_t n);

}  // namespace servir::kernels::avx512
