// Installs the AVX-512 kernels into a KernelTable (over the AVX2 ones).
#include "kernels/kernel_table.h"

#if defined(__x86_64__)
#include "kernels/avx512/avx512_kernels.h"
#endif

namespace servir::kernels {

void fill_kernel_table_avx512(KernelTable& t) {
#if defined(__x86_64__)
  auto slot = [](GgmlType type) { return static_cast<std::uint32_t>(type); };
  t.vec_dot[slot(GgmlType::kF32)] = avx512::vec_dot_f32;
  t.vec_dot[slot(GgmlType::kF16)] = avx512::vec_dot_f16;
  t.vec_dot[slot(GgmlType::kBF16)] = avx512::vec_dot_bf16;
  t.vec_dot[slot(GgmlType::kQ8_0)] = avx512::vec_dot_q8_0;
  t.vec_dot[slot(GgmlType::kQ4_0)] = avx512::vec_dot_q4_0;
  t.vec_dot[slot(GgmlType::kQ5_0)] = avx512::vec_dot_q5_0;
  t.vec_dot[slot(GgmlType::kQ4_1)] = avx512::vec_dot_q4_1;
  t.vec_dot[slot(GgmlType::kQ5_1)] = avx512::vec_dot_q5_1;
  t.vec_dot[slot(GgmlType::kQ4_K)] = avx512::vec_dot_q4_K;
  t.vec_dot[slot(GgmlType::kQ5_K)] = avx512::vec_dot_q5_K;
  t.vec_dot[slot(GgmlType::kQ6_K)] = avx512::vec_dot_q6_K;
  t.from_f32[slot(GgmlType::kQ8_0)] = avx512::quantize_row_q8_0;
  t.from_f32[slot(GgmlType::kQ8_K)] = avx512::quantize_row_q8_K;
  t.to_f32[slot(GgmlType::kF16)] = avx512::dequantize_row_f16;
  t.repack_int8_tile[slot(GgmlType::kQ8_0)] = avx512::repack_q8_0_tile;
  t.repack_int8_tile[slot(GgmlType::kQ4_0)] = avx512::repack_q4_0_tile;
  t.repack_int8_tile[slot(GgmlType::kQ4_K)] = avx512::repack_q4_K_tile;
  t.repack_gemm_int8_tile[slot(GgmlType::kQ8_0)] = avx512::repack_gemm_q8_0_tile;
  t.repack_gemm_int8_tile[slot(GgmlType::kQ4_0)] = avx512::repack_gemm_q4_0_tile;
  t.repack_gemm_int8_tile[slot(GgmlType::kQ4_K)] = avx512::repack_gemm_q4_K_tile;
  t.gemm_int8_tile[slot(GgmlType::kQ8_0)] = avx512::gemm_int8_tile;
  t.gemm_int8_tile[slot(GgmlType::kQ4_0)] = avx512::gemm_int8_tile;
  t.gemm_int8_tile[slot(GgmlType::kQ4_K)] = avx512::gemm_int8_tile;
  t.int8_tile_min_rows = 2;
  t.repack_gemm_x16[slot(GgmlType::kQ4_0)] = avx512::repack_gemm_q4_0_x16;
  t.repack_gemm_x16[slot(GgmlType::kQ8_0)] = avx512::repack_gemm_q8_0_x16;
  t.interleave_x16 = true;
  t.attend = avx512::attend;
  t.rms_norm = avx512::rms_norm;
  t.softmax = avx512::softmax;
  t.silu = avx512::silu;
  t.swiglu = avx512::swiglu;
  t.add = avx512::add;
#else
  (void)t;  // x86-only level; isa_supported() is false elsewhere
#endif
}

}  // namespace servir::kernels
