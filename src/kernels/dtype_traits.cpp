#include "kernels/dtype_traits.h"

#include <array>

#include "kernels/quant/quant_ref.h"

namespace servir::kernels {
namespace {

#define SERVIR_ROW(enum_name, fn_name, block, bytes, partner)                                                         \
  DTypeTraits {                                                                                                       \
    GgmlType::enum_name, block, bytes, ref::dequantize_row_##fn_name, ref::quantize_row_##fn_name, GgmlType::partner, \
        ref::vec_dot_##fn_name                                                                                        \
  }

constexpr std::array kTraits = {
    SERVIR_ROW(kF32, f32, 1, 4, kF32),        SERVIR_ROW(kF16, f16, 1, 2, kF32),
    SERVIR_ROW(kBF16, bf16, 1, 2, kF32),      SERVIR_ROW(kQ8_0, q8_0, 32, 34, kQ8_0),
    SERVIR_ROW(kQ4_0, q4_0, 32, 18, kQ8_0),   SERVIR_ROW(kQ4_1, q4_1, 32, 20, kQ8_0),
    SERVIR_ROW(kQ5_0, q5_0, 32, 22, kQ8_0),   SERVIR_ROW(kQ5_1, q5_1, 32, 24, kQ8_0),
    SERVIR_ROW(kQ4_K, q4_K, 256, 144, kQ8_K), SERVIR_ROW(kQ5_K, q5_K, 256, 176, kQ8_K),
    SERVIR_ROW(kQ6_K, q6_K, 256, 210, kQ8_K), SERVIR_ROW(kQ8_K, q8_K, 256, 292, kQ8_K),
};

#undef SERVIR_ROW

}  // namespace

const DTypeTraits* dtype_traits(GgmlType type) {
  for (const auto& t : kTraits) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

std::span<const DTypeTraits> all_dtype_traits() { return kTraits; }

}  // namespace servir::kernels
