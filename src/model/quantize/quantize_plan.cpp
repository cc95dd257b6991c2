#include "model/quantize/quantize_plan.h"

#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace servir {
namespace {

struct SchemeRow {
  QuantScheme scheme;
  std::string_view name;
  GgmlType base;
  std::uint32_t file_type;  // LLAMA_FTYPE_*
};

constexpr std::array kSchemes = {
    SchemeRow{QuantScheme::kQ8_0, "q8_0", GgmlType::kQ8_0, 7},
    SchemeRow{QuantScheme::kQ4_0, "q4_0", GgmlType::kQ4_0, 2},
    SchemeRow{QuantScheme::kQ4_1, "q4_1", GgmlType::kQ4_1, 3},
    SchemeRow{QuantScheme::kQ5_0, "q5_0", GgmlType::kQ5_0, 8},
    SchemeRow{QuantScheme::kQ5_1, "q5_1", GgmlType::kQ5_1, 9},
    SchemeRow{QuantScheme::kQ4_K, "q4_k", GgmlType::kQ4_K, 14},
    SchemeRow{QuantScheme::kQ5_K, "q5_k", GgmlType::kQ5_K, 16},
    SchemeRow{QuantScheme::kQ6_K, "q6_k", GgmlType::kQ6_K, 18},
    SchemeRow{QuantScheme::kQ4_K_S, "q4_k_s", GgmlType::kQ4_K, 14},
    SchemeRow{QuantScheme::kQ4_K_M, "q4_k_m", GgmlType::kQ4_K, 15},
    SchemeRow{QuantScheme::kQ5_K_S, "q5_k_s", GgmlType::kQ5_K, 16},
    SchemeRow{QuantScheme::kQ5_K_M, "q5_k_m", GgmlType::kQ5_K, 17},
    SchemeRow{QuantScheme::kF16, "f16", GgmlType::kF16, 1},
    SchemeRow{QuantScheme::kBF16, "bf16", GgmlType::kBF16, 32},
    SchemeRow{QuantScheme::kF32, "f32", GgmlType::kF32, 0},
};

const SchemeRow& row_of(QuantScheme scheme) {
  for (const SchemeRow& row : kSchemes) {
    if (row.scheme == scheme) return row;
  }
  return kSchemes[0];
}

bool is_k_quant(GgmlType type) { return type == GgmlType::kQ4_K || type == GgmlType::kQ5_K || type == GgmlType::kQ6_K; }

// llama.cpp's use_more_bits(i_layer, n_layers).
bool use_more_bits(std::int64_t layer, std::int64_t n_layers) {
  return layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
}

// N of "blk.N.<suffix>", or nullopt.
std::optional<std::int64_t> layer_of(std::string_view name) {
  if (!name.starts_with("blk.")) return std::nullopt;
  name.remove_prefix(4);
  std::int64_t layer = 0;
  const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), layer);
  if (ec != std::errc() || ptr == name.data() + name.size() || *ptr != '.') return std::nullopt;
  return layer;
}

bool quantizable(const TensorToPlan& t) {
  // As llama.cpp: only 2-D (or more) tensors whose name ends in "weight".
  if (t.ne.size() < 2 || !t.name.ends_with("weight")) return false;
  return t.name.find("_norm.weight") == std::string::npos && t.name != "rope_freqs.weight";
}

// The mix rules: the type a scheme gives one tensor before fallbacks.
std::pair<GgmlType, std::string> mixed_type(const TensorToPlan& t, const QuantizePlanOptions& o, bool has_output) {
  const GgmlType base = quant_scheme_base_type(o.scheme);
  const bool is_output = t.name == "output.weight" || (!has_output && t.name == "token_embd.weight");
  if (is_output && o.output_type) return {*o.output_type, "--output-type"};
  if (!is_output && t.name == "token_embd.weight" && o.token_embedding_type) {
    return {*o.token_embedding_type, "--token-embedding-type"};
  }
  if (o.pure || !ggml_type_info(base).quantized) return {base, ""};
  if (is_output) {
    if (t.ne[0] % 256 != 0) {
      if (base == GgmlType::kQ8_0) return {base, ""};
      return {GgmlType::kQ8_0, "output (rows not a multiple of 256)"};
    }
    if (base != GgmlType::kQ8_0 && base != GgmlType::kQ6_K) return {GgmlType::kQ6_K, "output"};
    return {base, ""};
  }
  const std::optional<std::int64_t> layer = layer_of(t.name);
  if (!layer) return {base, ""};
  const bool mix_m = o.scheme == QuantScheme::kQ4_K_M || o.scheme == QuantScheme::kQ5_K_M;
  if (t.name.ends_with(".attn_v.weight")) {
    if (mix_m && use_more_bits(*layer, o.n_layers)) return {GgmlType::kQ6_K, "more bits"};
    if (o.scheme == QuantScheme::kQ4_K_S && *layer < 4) return {GgmlType::kQ5_K, "first 4 attn_v"};
  }
  if (t.name.ends_with(".ffn_down.weight")) {
    if (mix_m && use_more_bits(*layer, o.n_layers)) return {GgmlType::kQ6_K, "more bits"};
    if (o.scheme == QuantScheme::kQ4_K_S && *layer < o.n_layers / 8) return {GgmlType::kQ5_K, "first eighth"};
  }
  return {base, ""};
}

}  // namespace

Result<QuantScheme> quant_scheme_from_name(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const SchemeRow& row : kSchemes) {
    if (row.name == lower) return row.scheme;
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown quantization type '{}' (one of: {})", name,
                    quant_scheme_names());
}

std::string_view quant_scheme_name(QuantScheme scheme) { return row_of(scheme).name; }
GgmlType quant_scheme_base_type(QuantScheme scheme) { return row_of(scheme).base; }
std::uint32_t quant_scheme_file_type(QuantScheme scheme) { return row_of(scheme).file_type; }

std::string quant_scheme_names() {
  std::string out;
  for (const SchemeRow& row : kSchemes) {
    if (!out.empty()) out += ", ";
    out += row.name;
  }
  return out;
}

std::vector<PlannedTensor> plan_quantization(const std::vector<TensorToPlan>& tensors,
                                             const QuantizePlanOptions& options) {
  bool has_output = false;
  for (const TensorToPlan& t : tensors) has_output |= t.name == "output.weight";
  std::vector<PlannedTensor> plan;
  plan.reserve(tensors.size());
  for (const TensorToPlan& t : tensors) {
    PlannedTensor p{t.name, GgmlType::kF32, ""};
    if (!quantizable(t)) {
      plan.push_back(std::move(p));
      continue;
    }
    auto [type, reason] = mixed_type(t, options, has_output);
    const std::uint64_t row = t.ne[0];
    if (is_k_quant(type) && row % 256 != 0) {
      // llama.cpp's convert_incompatible_tensor.
      const GgmlType wanted = type;
      type = type == GgmlType::kQ4_K ? GgmlType::kQ5_0 : type == GgmlType::kQ5_K ? GgmlType::kQ5_1 : GgmlType::kQ8_0;
      reason = fmt::format("fallback from {}: row of {} is not a multiple of 256", ggml_type_name(wanted), row);
    }
    if (row % ggml_type_info(type).block_size != 0) {
      reason = fmt::format("fallback from {}: row of {} is not a multiple of {}", ggml_type_name(type), row,
                           ggml_type_info(type).block_size);
      type = GgmlType::kF16;
    }
    p.type = type;
    p.reason = std::move(reason);
    plan.push_back(std::move(p));
  }
  return plan;
}

}  // namespace servir
