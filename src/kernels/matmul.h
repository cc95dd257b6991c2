// matmul: C[M x N] = A[M x K] * W[N x K]^T, f32 activations times weights of
// any supported type (the nn.Linear convention: one weight row per output).
//
// The activations are first quantized to the weight type's vec_dot partner
// (Q8_0 / Q8_K; nothing for float weights), in parallel over rows. Then the
// N weight rows are split into one contiguous range per thread; each thread
// walks its range in tiles of a few weight rows that stay in L1/L2 while all
// M activation rows pass over them, kMaxDotRows at a time, so every weight
// byte comes from memory once per call (GEMV reads each row exactly once).
#pragma once

#include "kernels/context.h"
#include "kernels/tensor_view.h"

namespace servir::kernels {

// a: F32 [M, K] (rows may be strided, 4-byte aligned); w: [N, K] of any type
// with a vec_dot; c: F32 [M, N] (rows may be strided). CHECKs shapes.
void matmul(KernelContext& ctx, const TensorView& a, const TensorView& w, const TensorView& c);

}  // namespace servir::kernels
