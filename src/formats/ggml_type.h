// Tensor element types as numbered by GGUF/ggml, with their block layout.
//
// The numbering is part of the GGUF file format (the `type` field of a tensor
// info), so it must never be renumbered. Quantized types pack `block_size`
// elements into `type_size` bytes; a row of ne0 elements therefore takes
// ne0 / block_size * type_size bytes and ne0 must be a multiple of
// block_size. This table describes storage only; compute traits (dot
// products, quantizers) live in kernels/ and are keyed by the same enum.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace servir {

enum class GgmlType : std::uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  // 4 and 5 were Q4_2 / Q4_3, removed from ggml.
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  // 31..33 were the Q4_0_4_4 / Q4_0_4_8 / Q4_0_8_8 repacks, removed.
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  // 36..38 were IQ4_NL repacks, removed.
  kMXFP4 = 39,
};

struct GgmlTypeInfo {
  GgmlType type;
  std::string_view name;     // as llama.cpp prints it: "f32", "q4_K", ...
  std::uint32_t block_size;  // elements per block
  std::uint32_t type_size;   // bytes per block
  bool quantized;
};

// Storage facts for a type number read from a file; nullopt when the number
// is not a known (or no longer valid) ggml type.
std::optional<GgmlTypeInfo> ggml_type_info(std::uint32_t raw_type);
const GgmlTypeInfo& ggml_type_info(GgmlType type);

inline std::string_view ggml_type_name(GgmlType type) { return ggml_type_info(type).name; }

// Case-insensitive lookup by name ("q8_0", "Q4_K", "bf16").
std::optional<GgmlType> ggml_type_from_name(std::string_view name);

// Bytes for `n_elements` of `type`; nullopt when n_elements is not a whole
// number of blocks or the result overflows.
std::optional<std::uint64_t> ggml_row_bytes(GgmlType type, std::uint64_t n_elements);

}  // namespace servir
