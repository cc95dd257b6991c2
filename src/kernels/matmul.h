// matmul: C[M x N] = A[M x K] * W[N x K]^T, f32 activations times weights of
// any supported type (the nn.Linear convention: one weight row per output).
//
// The activations are first quantized to the weight type's vec_dot partner
// (Q8_0 / Q8_K; nothing for float weights), in parallel over rows. Then the
// N weight rows are split into one contiguous range per thread; each thread
// walks its range in tiles of a few weight rows that stay in L1/L2 while all
// M activation rows pass over them, so every weight byte comes from memory
// once per call (GEMV reads each row exactly once). Where the level has int8
// tiles for the weight type (Q8_0, Q4_0, Q4_K on AVX-512 VNNI and AVX2) and M
// reaches its int8_tile_min_rows, the tiles are 16 rows transposed per chunk
// of K (gemm_int8.h), 8 activation rows at a time; otherwise the multi-row
// vec_dot takes kMaxDotRows activation rows at a time.
#pragma once

#include "kernels/context.h"
#include "kernels/tensor_view.h"

namespace servir::kernels {

// a: F32 [M, K] (rows may be strided, 4-byte aligned); w: [N, K] of any type
// with a vec_dot; c: F32 [M, N] (rows may be strided). CHECKs shapes.
void matmul(KernelContext& ctx, const TensorView& a, const TensorView& w, const TensorView& c);

}  // namespace servir::kernels
