// KernelTable: one set of function pointers per instruction-set level, so
// model code calls kernels without knowing the ISA. A table starts as the
// scalar reference and each level overrides what it speeds up (AVX-512
// inherits AVX2's entries for the rest).
//
// default_kernel_table() detects the CPU once, honors SERVIR_ISA, and logs
// the choice. Tables are immutable after construction; share them freely.
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/ggml_type.h"
#include "kernels/isa.h"
#include "kernels/kernel_fn.h"
#include "util/status.h"

namespace servir::kernels {

// Slots indexed by the GgmlType number (the largest is MXFP4 = 39).
inline constexpr int kTypeSlots = 40;

// Weight rows per int8 GEMM tile (one zmm of int32 outputs).
inline constexpr int kInt8TileRows = 16;

struct KernelTable {
  Isa isa = Isa::kScalar;

  // Weight type -> dot with its vec_dot partner; null where unsupported.
  VecDotFn vec_dot[kTypeSlots] = {};
  // Type -> quantize an f32 row into it (activations: Q8_0, Q8_K, F16, ...).
  FromF32Fn from_f32[kTypeSlots] = {};
  // Type -> dequantize a row to f32 (embedding rows, f16 KV).
  ToF32Fn to_f32[kTypeSlots] = {};

  // Optional int8 GEMM over weights repacked in tiles of kInt8TileRows rows
  // (AVX-512 VNNI): repack a tile, then multiply it by up to kMaxDotRows
  // activation rows given per 32 values as u8 (int8 value + 128), the f32
  // scale and the scaled block sum (scale * sum of the int8 values). Null
  // where the level has none.
  std::size_t int8_tile_block_bytes = 0;  // tile bytes per 32 values of k
  void (*repack_int8_tile[kTypeSlots])(const void* w, std::size_t w_stride, int n_rows, std::int64_t k,
                                       void* tile) = {};
  void (*gemm_int8_tile)(std::int64_t k, const void* tile, const std::uint8_t* act_u8, std::size_t u8_stride,
                         const float* act_d, const float* act_sum, std::size_t d_stride, int n_act, float* c,
                         std::size_t ldc, int n_cols) = nullptr;

  void (*rms_norm)(const float* x, const float* weight, float* y, std::int64_t n, float eps) = nullptr;
  void (*softmax)(float* x, std::int64_t n) = nullptr;
  void (*silu)(const float* x, float* y, std::int64_t n) = nullptr;
  void (*gelu)(const float* x, float* y, std::int64_t n) = nullptr;
  void (*swiglu)(const float* gate, const float* up, float* out, std::int64_t n) = nullptr;
  void (*add)(const float* a, const float* b, float* out, std::int64_t n) = nullptr;

  VecDotFn dot(GgmlType t) const { return vec_dot[static_cast<std::uint32_t>(t)]; }
  FromF32Fn quantizer(GgmlType t) const { return from_f32[static_cast<std::uint32_t>(t)]; }
  ToF32Fn dequantizer(GgmlType t) const { return to_f32[static_cast<std::uint32_t>(t)]; }
};

// The table of one level; CHECKs that the CPU supports it.
const KernelTable& kernel_table(Isa isa);

// The table for this process: SERVIR_ISA if set, else the best level. Fails
// (with the reason) when SERVIR_ISA names an unknown or unsupported level.
Result<const KernelTable*> default_kernel_table();

// Per-ISA fillers (each in its own translation unit).
void fill_kernel_table_scalar(KernelTable& t);
void fill_kernel_table_avx2(KernelTable& t);
void fill_kernel_table_avx512(KernelTable& t);

}  // namespace servir::kernels
