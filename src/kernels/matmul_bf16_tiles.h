// The BF16 tile path of matmul (kernels/gemm_bf16.h): chosen by matmul when
// the table has it for the weight type and there are enough activation rows.
#pragma once

#include "kernels/context.h"
#include "kernels/tensor_view.h"

namespace servir::kernels {

// Whether matmul takes the BF16 tiles for this weight type, layout and M
// rows.
bool use_bf16_tiles(const KernelTable& table, GgmlType w_type, std::int64_t m, std::int64_t k,
                    WeightLayout layout = WeightLayout::kRows);

// c = a * w^T through the BF16 tiles: the activations are packed once into
// groups of 16 rows, then each thread dequantizes 32-row strips of its
// range of weight rows and multiplies each strip by every group.
void matmul_bf16_tiles(KernelContext& ctx, const TensorView& a, const TensorView& w, const TensorView& c);

}  // namespace servir::kernels
