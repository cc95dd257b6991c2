// The `quantization_config` of a Hugging Face config.json for the two
// pre-quantized checkpoint families servir loads: GPTQ (AutoGPTQ,
// GPTQModel, optimum) and AWQ (AutoAWQ, GEMM packing).
//
// What is supported (anything else is refused naming the field and value):
//   gptq: bits 4 or 8, group_size 32/64/128/... (a multiple of 32) or -1 (one
//         group per column), desc_act (act-order, with g_idx), sym true or
//         false (4-bit only: 8-bit asymmetric has no exact fast layout),
//         checkpoint_format "gptq" (AutoGPTQ's zeros stored minus one,
//         the default) or "gptq_v2" (GPTQModel: zeros stored as they are).
//   awq:  bits 4, zero_point true, version "gemm" (GEMV packs qweight along
//         the input dimension in another order and is refused).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "util/status.h"

namespace servir {

enum class QuantMethod : std::uint8_t { kGptq, kAwq };
std::string_view quant_method_name(QuantMethod method);

struct QuantizationConfig {
  QuantMethod method = QuantMethod::kGptq;
  int bits = 4;
  std::int64_t group_size = 128;  // -1: one group spanning all input columns
  bool act_order = false;         // GPTQ desc_act: g_idx maps input columns to groups
  bool symmetric = true;          // GPTQ sym; AWQ is always asymmetric
  // GPTQ v1 (AutoGPTQ, checkpoint_format "gptq"): a zero point z is stored as
  // z - 1; v2 (GPTQModel) stores z. transformers/optimum follow the same rule.
  bool zeros_minus_one = true;
  std::string checkpoint_format;  // as written (empty when absent)

  // Values one int32 packs (32 / bits).
  int pack_factor() const { return 32 / bits; }
  // Group length over `in_features` input columns (group_size, or all of them for -1).
  std::int64_t group_length(std::int64_t in_features) const { return group_size < 0 ? in_features : group_size; }
  // "gptq 4-bit g128 sym act-order" for inspect and logs.
  std::string describe() const;
};

// nullopt when config.json has no quantization_config; an error naming the
// field for anything servir cannot load exactly. `source` names the file.
Result<std::optional<QuantizationConfig>> quantization_from_hf_json(const nlohmann::json& config,
                                                                    const std::string& source);

}  // namespace servir
