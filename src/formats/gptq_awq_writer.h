// A writer of GPTQ and AWQ checkpoints (HF folders: config.json with a
// quantization_config, model.safetensors with qweight/qzeros/scales/g_idx
// laid out as AutoGPTQ/GPTQModel and AutoAWQ write them; byte layouts in
// gptq_awq_repack.h), for tests and benchmarks.
//
// The quantization is round-to-nearest per group (RTN), not the GPTQ
// algorithm nor AWQ's activation-aware scaling: what matters for servir is
// the file layout, and the float model those integers stand for, which the
// writer can write beside it as an f32 HF folder (the reference).
//   symmetric:  scale = max|w| / (2^(bits-1) - 1/2) (AutoGPTQ: 2 max|w| / maxq),
//               zero = 2^(bits-1)
//   asymmetric: scale = (max - min) / maxq, zero = round(-min / scale)
//               (clamped to [1, 15] for checkpoint_format gptq, whose
//               zeros are stored minus one)
//   q = clamp(round(w / scale) + zero, 0, maxq), with scale rounded to f16 first.
// Act-order: a random permutation of the input columns (seeded per layer and
// input, so q/k/v and gate/up share one as GPTQ's Hessian order makes them)
// groups columns perm[g*G .. g*G+G-1]; g_idx records it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "formats/gptq_awq_repack.h"
#include "formats/model_config.h"
#include "formats/model_description.h"
#include "formats/quantization_config.h"
#include "formats/tensor_names.h"
#include "util/status.h"

namespace servir {

// The float values of one tensor (outermost-first shape), filled into `out`.
using TensorValues = std::function<Status(const ExpectedTensor& tensor, std::span<float> out)>;

struct QuantizedCheckpointSpec {
  QuantizationConfig quant;                   // method, bits, group_size, act_order, symmetric, zeros_minus_one
  ModelConfig config;                         // validated shapes
  nlohmann::json config_json;                 // config.json without quantization_config (added here)
  TensorValues values;                        // every tensor expected_tensors(config) lists
  std::string out_path;                       // the quantized folder
  std::optional<std::string> reference_path;  // the f32 folder of the dequantized model
  std::optional<std::string> tokenizer_from;  // a folder (its tokenizer files) or a tokenizer.json
  std::uint64_t seed = 0;                     // act-order permutations
  // Act-order permutations shared by the projections that read one input
  // (GPTQ's order comes from that input's Hessian); false gives every matrix
  // its own, which servir must then run as separate products.
  bool shared_act_order = true;
};

// The packed tensors of one quantized [out, in] matrix (tests use these to
// check the layout by hand).
struct PackedLinearBytes {
  std::vector<std::int32_t> qweight, qzeros, g_idx;
  std::vector<std::uint16_t> scales;
};
// RTN quantization of `w` ([out, in] row-major) with columns grouped by
// `group_of` (act-order) or by position (empty).
UnpackedLinear quantize_linear_rtn(const QuantizationConfig& q, std::span<const float> w, std::int64_t out,
                                   std::int64_t in, std::span<const std::int32_t> group_of = {});
PackedLinearBytes pack_linear(const QuantizationConfig& q, const UnpackedLinear& u);

Status write_quantized_checkpoint(const QuantizedCheckpointSpec& spec);

// The values of a float checkpoint's tensors (F32, F16, BF16), to convert it;
// `model` must outlive the result.
TensorValues float_tensor_values(const ModelDescription& model);

// quantization_config as the quantizing tools write it.
nlohmann::json quantization_config_json(const QuantizationConfig& q);

}  // namespace servir
