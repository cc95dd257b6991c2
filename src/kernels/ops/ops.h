// Transformer-step kernels over rows, for model code. Element-wise work goes
// through the dispatched KernelTable; rows are split across the pool.
#pragma once

#include <cstdint>

#include "kernels/context.h"
#include "kernels/tensor_view.h"

namespace servir::kernels {

// y[r] = rms_norm(x[r]) * weight for n_rows rows of n (contiguous).
void rms_norm_rows(const KernelContext& ctx, const float* x, const float* weight, float* y, std::int64_t n_rows,
                   std::int64_t n, float eps);

// out[i] = table row ids[i] dequantized to f32 ([n_ids, table.cols()]).
// Ids are CHECKed against table.rows() (validate untrusted ids earlier).
void embedding_rows(const KernelContext& ctx, const TensorView& table, const std::int32_t* ids, std::int64_t n_ids,
                    float* out);

}  // namespace servir::kernels
