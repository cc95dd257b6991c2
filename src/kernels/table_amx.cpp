// Installs the AMX kernels into a KernelTable (over the AVX-512 ones).
#include "kernels/dtype_traits.h"
#include "kernels/kernel_table.h"

#if defined(__x86_64__)
#include "kernels/amx/amx_kernels.h"
#endif

namespace servir::kernels {

void fill_kernel_table_amx(KernelTable& t) {
#if defined(__x86_64__)
  auto slot = [](GgmlType type) { return static_cast<std::uint32_t>(type); };
  t.pack_bf16_strip[slot(GgmlType::kQ8_0)] = amx::pack_bf16_strip_q8_0;
  t.pack_bf16_strip[slot(GgmlType::kQ4_0)] = amx::pack_bf16_strip_q4_0;
  t.pack_bf16_strip[slot(GgmlType::kQ4_K)] = amx::pack_bf16_strip_q4_K;
  t.pack_bf16_strip[slot(GgmlType::kQ6_K)] = amx::pack_bf16_strip_q6_K;
  t.pack_bf16_strip[slot(GgmlType::kBF16)] = amx::pack_bf16_strip_bf16;
  t.pack_bf16_strip_x16[slot(GgmlType::kQ4_0)] = amx::pack_bf16_strip_x16_q4_0;
  t.pack_bf16_strip_x16[slot(GgmlType::kQ8_0)] = amx::pack_bf16_strip_x16_q8_0;
  t.gemm_x16[slot(GgmlType::kQ4_0)] = amx::gemm_x16_q4_0;
  t.gemm_x16[slot(GgmlType::kQ8_0)] = amx::gemm_x16_q8_0;
  // servir bench --batch B, Q4_0 TinyLlama shape, VNNI tiles vs AMX-INT8:
  // B=8 219 vs 201 t/s, B=12 253 vs 272, B=16 254 vs 304, B=32 281 vs 344;
  // from 48 rows the bf16 strips take over (B=47 AMX-INT8 344, B=48 bf16 350).
  t.gemm_x16_min_rows = 12;
  // Quantized weights lose little to bf16 (their own step is coarser); f16
  // weights take split mode (exact weights), f32 weights keep the f32 path.
  for (const DTypeTraits& d : all_dtype_traits()) {
    const bool quantized =
        d.type != GgmlType::kF32 && d.type != GgmlType::kF16 && d.to_f32 != nullptr && d.vec_dot != nullptr;
    t.bf16_tiles_for[slot(d.type)] = quantized;
  }
  t.pack_bf16_split_strip[slot(GgmlType::kF16)] = amx::pack_bf16_split_strip_f16;
  // Crossovers with the vec_dot paths, measured on Sapphire Rapids (servir
  // bench --batch B): f16 split mode from 12 rows, bf16 strips from 48.
  t.bf16_split_min_rows = 12;
  t.pack_bf16_row = amx::pack_bf16_row;
  t.pack_bf16_act = amx::pack_bf16_act;
  t.gemm_bf16_strip = amx::gemm_bf16_strip;
  t.attend_run = amx::attend_run;
  t.bf16_tile_min_rows = 48;
  t.bf16_tile_min_rows_generic = 64;
#else
  (void)t;
#endif
}

}  // namespace servir::kernels
