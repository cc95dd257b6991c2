// Function-pointer types shared by the scalar reference kernels and the
// per-ISA variants. Every pointer in a KernelTable has one of these shapes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace servir::kernels {

// Most activation rows one vec_dot call handles: the weight row is decoded
// once and multiplied with up to this many activation rows (GEMM reuse).
inline constexpr int kMaxDotRows = 4;

// out[r] = dot(weight row `w`, activation row r), r < n_act <= kMaxDotRows.
// Activation row r starts at `act + r * act_stride` bytes and is stored in
// the weight type's vec_dot partner type (Q8_0, Q8_K or F32). k is the row
// length in elements, a whole number of blocks of both types.
using VecDotFn = void (*)(std::int64_t k, const void* w, const void* act, std::size_t act_stride, int n_act,
                          float* out);

// Dequantize n elements (a whole number of blocks) to f32.
using ToF32Fn = void (*)(const void* src, float* dst, std::int64_t n);

// Quantize n f32 elements (a whole number of blocks).
using FromF32Fn = void (*)(const float* src, void* dst, std::int64_t n);

}  // namespace servir::kernels
