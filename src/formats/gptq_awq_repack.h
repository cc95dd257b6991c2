// GPTQ and AWQ linear layers: their packed tensors, the integer levels they
// hold, and the lossless re-pack at load into ggml blocks servir's matmul
// kernels run (weights_x16 tiles, int8 GEMM).
//
// Byte layouts (little-endian int32 words, `pf` = 32 / bits values a word):
//   GPTQ  qweight int32 [in / pf, out]: word (i, n) holds input columns
//                 pf*i .. pf*i + pf-1 of output n, column pf*i + j at bits
//                 [bits*j, bits*j + bits) (packed along the input dim).
//         qzeros  int32 [groups, out / pf]: word (g, i) holds the zero
//                 points of outputs pf*i + j at bits*j. checkpoint_format
//                 "gptq" (AutoGPTQ, v1) stores z - 1, "gptq_v2" stores z.
//         scales  f16 [groups, out].
//         g_idx   int32 [in]: the group of each input column (act-order
//                 permutes it; without it, column / group_size).
//   AWQ   qweight int32 [in, out / 8] (GEMM version): word (k, i) holds
//                 outputs 8i + kAwqOrder[j] at bits 4j (packed along the
//                 output dim, interleaved [0 2 4 6 1 3 5 7]).
//         qzeros  int32 [groups, out / 8], the same order; z as stored.
//         scales  f16 [groups, out]. No g_idx: the group is column / group_size.
// In both, weight (n, k) = scale[g(k), n] * (q(n, k) - z[g(k), n]).
//
// Re-pack (exact): with d = scale, q - z = (q - 8) + (8 - z), so
//   W = Q4_0(d, nibble q)  +  per (row, group) constant d * (8 - z).
// The first term is bit-exact ggml Q4_0 (8-bit: Q8_0 with q - 128), the
// second is an F32 [out, groups] "group offset" matrix that the model
// multiplies by the per-group sums of the activations (symmetric tensors,
// where every z is 8, have none). Act-order columns are permuted so groups
// are contiguous; the activations are gathered in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/ggml_type.h"
#include "formats/quantization_config.h"
#include "util/status.h"

namespace servir {

inline constexpr int kAwqOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

// The packed tensors of one linear layer, pointing into a mapped file (their
// shapes and dtypes checked by the loader against packed_shapes()).
struct PackedLinearParts {
  const std::byte* qweight = nullptr;
  const std::byte* qzeros = nullptr;
  const std::byte* scales = nullptr;
  const std::byte* g_idx = nullptr;  // GPTQ only; null when absent
};

struct PackedShapes {
  std::vector<std::int64_t> qweight, qzeros, scales, g_idx;  // outermost first
};
// Shapes of the packed tensors of an [out, in] linear layer; an error when the
// dimensions do not divide (pack factor, group size, 32-value blocks).
Result<PackedShapes> packed_shapes(const QuantizationConfig& q, std::int64_t out, std::int64_t in);

// The integer form, original column order.
struct UnpackedLinear {
  std::int64_t out = 0, in = 0, n_groups = 0;
  std::vector<std::uint8_t> levels;    // [out, in], 0 .. 2^bits - 1
  std::vector<std::uint16_t> zeros;    // [out, n_groups] true zero points (v1 stored + 1)
  std::vector<std::uint16_t> scales;   // [out, n_groups] f16 bits
  std::vector<std::int32_t> group_of;  // [in]
};

Result<UnpackedLinear> unpack_linear(const QuantizationConfig& q, const PackedLinearParts& parts, std::int64_t out,
                                     std::int64_t in);

// The float matrix the integers stand for, [out, in] (tests and the
// reference model written beside a checkpoint; never the load path).
std::vector<float> dequantize_linear(const UnpackedLinear& u);

struct RepackedLinear {
  GgmlType type = GgmlType::kQ4_0;        // Q4_0 (4-bit) or Q8_0 (8-bit)
  std::vector<std::byte> blocks;          // [out] rows of in / 32 blocks, columns in input_order
  std::vector<std::int32_t> input_order;  // [in]: column i is original column input_order[i]; empty: identity
  std::vector<float> group_offsets;       // [out, n_groups] d * (8 - z); empty when every z is 8
  std::int64_t n_groups = 0;
  std::int64_t group_length = 0;  // columns per group in the permuted order
};

// `name` is used in messages.
Result<RepackedLinear> repack_linear(const QuantizationConfig& q, const UnpackedLinear& u, std::string_view name);

}  // namespace servir
