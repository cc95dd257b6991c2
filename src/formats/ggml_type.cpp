#include "formats/ggml_type.h"

#include <array>
#include <cctype>

#include "util/check.h"

namespace servir {
namespace {

// Sizes follow ggml's block structs (ggml-common.h); QK_K = 256.
constexpr std::array kTypes = {
    GgmlTypeInfo{GgmlType::kF32, "f32", 1, 4, false},
    GgmlTypeInfo{GgmlType::kF16, "f16", 1, 2, false},
    GgmlTypeInfo{GgmlType::kQ4_0, "q4_0", 32, 2 + 16, true},
    GgmlTypeInfo{GgmlType::kQ4_1, "q4_1", 32, 2 + 2 + 16, true},
    GgmlTypeInfo{GgmlType::kQ5_0, "q5_0", 32, 2 + 4 + 16, true},
    GgmlTypeInfo{GgmlType::kQ5_1, "q5_1", 32, 2 + 2 + 4 + 16, true},
    GgmlTypeInfo{GgmlType::kQ8_0, "q8_0", 32, 2 + 32, true},
    GgmlTypeInfo{GgmlType::kQ8_1, "q8_1", 32, 2 + 2 + 32, true},
    GgmlTypeInfo{GgmlType::kQ2_K, "q2_K", 256, 16 + 64 + 2 + 2, true},
    GgmlTypeInfo{GgmlType::kQ3_K, "q3_K", 256, 32 + 64 + 12 + 2, true},
    GgmlTypeInfo{GgmlType::kQ4_K, "q4_K", 256, 2 + 2 + 12 + 128, true},
    GgmlTypeInfo{GgmlType::kQ5_K, "q5_K", 256, 2 + 2 + 12 + 32 + 128, true},
    GgmlTypeInfo{GgmlType::kQ6_K, "q6_K", 256, 128 + 64 + 16 + 2, true},
    GgmlTypeInfo{GgmlType::kQ8_K, "q8_K", 256, 4 + 256 + 32, true},
    GgmlTypeInfo{GgmlType::kIQ2_XXS, "iq2_xxs", 256, 2 + 64, true},
    GgmlTypeInfo{GgmlType::kIQ2_XS, "iq2_xs", 256, 2 + 64 + 8, true},
    GgmlTypeInfo{GgmlType::kIQ3_XXS, "iq3_xxs", 256, 2 + 96, true},
    GgmlTypeInfo{GgmlType::kIQ1_S, "iq1_s", 256, 2 + 32 + 16, true},
    GgmlTypeInfo{GgmlType::kIQ4_NL, "iq4_nl", 32, 2 + 16, true},
    GgmlTypeInfo{GgmlType::kIQ3_S, "iq3_s", 256, 2 + 64 + 8 + 32 + 4, true},
    GgmlTypeInfo{GgmlType::kIQ2_S, "iq2_s", 256, 2 + 64 + 8 + 8, true},
    GgmlTypeInfo{GgmlType::kIQ4_XS, "iq4_xs", 256, 2 + 2 + 4 + 128, true},
    GgmlTypeInfo{GgmlType::kI8, "i8", 1, 1, false},
    GgmlTypeInfo{GgmlType::kI16, "i16", 1, 2, false},
    GgmlTypeInfo{GgmlType::kI32, "i32", 1, 4, false},
    GgmlTypeInfo{GgmlType::kI64, "i64", 1, 8, false},
    GgmlTypeInfo{GgmlType::kF64, "f64", 1, 8, false},
    GgmlTypeInfo{GgmlType::kIQ1_M, "iq1_m", 256, 32 + 16 + 8, true},
    GgmlTypeInfo{GgmlType::kBF16, "bf16", 1, 2, false},
    GgmlTypeInfo{GgmlType::kTQ1_0, "tq1_0", 256, 48 + 4 + 2, true},
    GgmlTypeInfo{GgmlType::kTQ2_0, "tq2_0", 256, 64 + 2, true},
    GgmlTypeInfo{GgmlType::kMXFP4, "mxfp4", 32, 1 + 16, true},
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

std::optional<GgmlTypeInfo> ggml_type_info(std::uint32_t raw_type) {
  for (const auto& info : kTypes) {
    if (static_cast<std::uint32_t>(info.type) == raw_type) return info;
  }
  return std::nullopt;
}

const GgmlTypeInfo& ggml_type_info(GgmlType type) {
  for (const auto& info : kTypes) {
    if (info.type == type) return info;
  }
  CHECK(false) << "GgmlType " << static_cast<std::uint32_t>(type) << " missing from the type table";
  return kTypes[0];
}

std::optional<GgmlType> ggml_type_from_name(std::string_view name) {
  for (const auto& info : kTypes) {
    if (iequals(info.name, name)) return info.type;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ggml_row_bytes(GgmlType type, std::uint64_t n_elements) {
  const auto& info = ggml_type_info(type);
  if (n_elements % info.block_size != 0) return std::nullopt;
  const std::uint64_t blocks = n_elements / info.block_size;
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(blocks, static_cast<std::uint64_t>(info.type_size), &bytes)) return std::nullopt;
  return bytes;
}

}  // namespace servir
