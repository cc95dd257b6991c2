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
#include "kernels/attend.h"
#include "kernels/gemm_bf16.h"
#include "kernels/gemm_int8.h"
#include "kernels/isa.h"
#include "kernels/kernel_fn.h"
#include "kernels/weights_x16.h"
#include "util/status.h"

namespace servir::kernels {

// Slots indexed by the GgmlType number (the largest is MXFP4 = 39).
inline constexpr int kTypeSlots = 40;

struct KernelTable {
  Isa isa = Isa::kScalar;

  // Weight type -> dot with its vec_dot partner; null where unsupported.
  VecDotFn vec_dot[kTypeSlots] = {};
  // Type -> quantize an f32 row into it (activations: Q8_0, Q8_K, F16, ...).
  FromF32Fn from_f32[kTypeSlots] = {};
  // Type -> dequantize a row to f32 (embedding rows, f16 KV).
  ToF32Fn to_f32[kTypeSlots] = {};

  // Optional int8 GEMM tiles (kernels/gemm_int8.h) for M >= 2: weight type
  // -> its tile repack, its fused repack + product, and the tile kernel for
  // its levels. Null where the level has none
  // (matmul then uses the multi-row vec_dot).
  RepackInt8TileFn repack_int8_tile[kTypeSlots] = {};
  RepackGemmInt8TileFn repack_gemm_int8_tile[kTypeSlots] = {};
  GemmInt8TileFn gemm_int8_tile[kTypeSlots] = {};
  // Fewest activation rows that take the tiles: below, the multi-row
  // vec_dot (no repack) is quicker at this level.
  int int8_tile_min_rows = 2;

  // Weights interleaved by 16 rows (kernels/weights_x16.h): weight type ->
  // the fused repack + product for every M, and the bf16 strip packer.
  // `interleave_x16`: this level is quicker on that layout, so the model
  // binder interleaves the matrices whose types have both kernels here.
  RepackGemmX16Fn repack_gemm_x16[kTypeSlots] = {};
  PackBf16StripX16Fn pack_bf16_strip_x16[kTypeSlots] = {};
  bool interleave_x16 = false;
  // Optional AMX-INT8 product over interleaved weights, all of K and every
  // activation row at once, from gemm_x16_min_rows rows (below, the
  // int8 tiles above are quicker).
  GemmX16Fn gemm_x16[kTypeSlots] = {};
  int gemm_x16_min_rows = 0;

  // Optional BF16 tile GEMM (kernels/gemm_bf16.h, AMX): weight type -> its
  // strip packer (null: dequantize rows with to_f32 and pack_bf16_row),
  // which types take it at all, and from how many activation rows.
  PackBf16StripFn pack_bf16_strip[kTypeSlots] = {};
  bool bf16_tiles_for[kTypeSlots] = {};
  PackBf16RowFn pack_bf16_row = nullptr;
  PackBf16ActFn pack_bf16_act = nullptr;
  // Split mode (gemm_bf16.h) for weight types bf16 cannot hold: f16.
  PackBf16SplitStripFn pack_bf16_split_strip[kTypeSlots] = {};
  int bf16_split_min_rows = 0;
  GemmBf16StripFn gemm_bf16_strip = nullptr;
  int bf16_tile_min_rows = 0;          // types with a strip packer
  int bf16_tile_min_rows_generic = 0;  // types packed through to_f32

  // One paged-attention item (kernels/attend.h); null: the generic loop.
  AttendFn attend = nullptr;
  // Runs of tokens x one KV head on a matrix unit (kernels/attend.h); when
  // set and it takes the shape, every token goes through it, so a token's
  // result never depends on how the batch groups it.
  AttendRunFn attend_run = nullptr;

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
void fill_kernel_table_amx(KernelTable& t);

}  // namespace servir::kernels
