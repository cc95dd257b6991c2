// Installs the AVX2 kernels into a KernelTable.
#include "kernels/kernel_table.h"

#if defined(__x86_64__)
#include "kernels/avx2/avx2_kernels.h"
#endif

namespace servir::kernels {

void fill_kernel_table_avx2(KernelTable& t) {
#if defined(__x86_64__)
  auto slot = [](GgmlType type) { return static_cast<std::uint32_t>(type); };
  t.vec_dot[slot(GgmlType::kF32)] = avx2::vec_dot_f32;
  t.vec_dot[slot(GgmlType::kF16)] = avx2::vec_dot_f16;
  t.vec_dot[slot(GgmlType::kBF16)] = avx2::vec_dot_bf16;
  t.vec_dot[slot(GgmlType::kQ8_0)] = avx2::vec_dot_q8_0;
  t.vec_dot[slot(GgmlType::kQ4_0)] = avx2::vec_dot_q4_0;
  t.vec_dot[slot(GgmlType::kQ5_0)] = avx2::vec_dot_q5_0;
  t.vec_dot[slot(GgmlType::kQ4_1)] = avx2::vec_dot_q4_1;
  t.vec_dot[slot(GgmlType::kQ5_1)] = avx2::vec_dot_q5_1;
  t.vec_dot[slot(GgmlType::kQ4_K)] = avx2::vec_dot_q4_K;
  t.vec_dot[slot(GgmlType::kQ5_K)] = avx2::vec_dot_q5_K;
  t.vec_dot[slot(GgmlType::kQ6_K)] = avx2::vec_dot_q6_K;
  t.from_f32[slot(GgmlType::kQ8_0)] = avx2::quantize_row_q8_0;
  t.from_f32[slot(GgmlType::kQ8_K)] = avx2::quantize_row_q8_K;
  t.to_f32[slot(GgmlType::kF16)] = avx2::dequantize_row_f16;
  t.to_f32[slot(GgmlType::kBF16)] = avx2::dequantize_row_bf16;
  t.to_f32[slot(GgmlType::kQ8_0)] = avx2::dequantize_row_q8_0;
  t.repack_int8_tile[slot(GgmlType::kQ8_0)] = avx2::repack_q8_0_tile;
  t.repack_int8_tile[slot(GgmlType::kQ4_0)] = avx2::repack_q4_0_tile;
  t.repack_int8_tile[slot(GgmlType::kQ4_K)] = avx2::repack_q4_K_tile;
  t.repack_gemm_int8_tile[slot(GgmlType::kQ8_0)] = avx2::repack_gemm_q8_0_tile;
  t.repack_gemm_int8_tile[slot(GgmlType::kQ4_0)] = avx2::repack_gemm_q4_0_tile;
  t.repack_gemm_int8_tile[slot(GgmlType::kQ4_K)] = avx2::repack_gemm_q4_K_tile;
  t.gemm_int8_tile[slot(GgmlType::kQ8_0)] = avx2::gemm_int8_tile_q8;
  t.gemm_int8_tile[slot(GgmlType::kQ4_0)] = avx2::gemm_int8_tile_q4;
  t.gemm_int8_tile[slot(GgmlType::kQ4_K)] = avx2::gemm_int8_tile_q4;
  // vpmaddubsw tiles pay from 4 rows (5632x2048, one thread: Q8_0 M=4
  // 1.80 vs 1.94 ms with vec_dot, M=2 1.26 vs 1.08 ms).
  t.int8_tile_min_rows = 4;
  t.attend = avx2::attend;
  t.rms_norm = avx2::rms_norm;
  t.softmax = avx2::softmax;
  t.silu = avx2::silu;
  t.swiglu = avx2::swiglu;
  t.add = avx2::add;
#else
  (void)t;  // x86-only level; isa_supported() is false elsewhere
#endif
}

}  // namespace servir::kernels
