#include "formats/quantization_config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace servir {
namespace {

using nlohmann::json;

Status refuse(const std::string& source, std::string_view field, const json& value, std::string_view why) {
  return make_error(ErrorCode::kUnsupported, "{}: quantization_config.{} = {} is not supported: {}", source, field,
                    value.dump(), why);
}

}  // namespace

std::string_view quant_method_name(QuantMethod method) { return method == QuantMethod::kGptq ? "gptq" : "awq"; }

std::string QuantizationConfig::describe() const {
  std::string s = fmt::format("{} {}-bit ", quant_method_name(method), bits);
  s += group_size < 0 ? "per-channel" : fmt::format("g{}", group_size);
  s += symmetric ? " sym" : " asym";
  if (act_order) s += " act-order";
  if (method == QuantMethod::kGptq) s += zeros_minus_one ? " (zeros stored minus one)" : " (gptq_v2 zeros)";
  return s;
}

Result<std::optional<QuantizationConfig>> quantization_from_hf_json(const json& config, const std::string& source) {
  if (!config.is_object() || !config.contains("quantization_config")) return std::optional<QuantizationConfig>{};
  const json& q = config["quantization_config"];
  if (q.is_null()) return std::optional<QuantizationConfig>{};
  if (!q.is_object()) return make_error(ErrorCode::kCorruptData, "{}: quantization_config is not an object", source);
  if (!q.contains("quant_method") || !q["quant_method"].is_string()) {
    return make_error(ErrorCode::kCorruptData, "{}: quantization_config.quant_method is missing", source);
  }
  const auto method = q["quant_method"].get<std::string>();
  QuantizationConfig c;
  if (method == "gptq") {
    c.method = QuantMethod::kGptq;
  } else if (method == "awq") {
    c.method = QuantMethod::kAwq;
  } else {
    return refuse(source, "quant_method", q["quant_method"], "servir loads gptq and awq checkpoints");
  }
  auto get_int = [&](std::string_view field, std::int64_t fallback) -> Result<std::int64_t> {
    const std::string key(field);
    if (!q.contains(key) || q[key].is_null()) return fallback;
    if (!q[key].is_number_integer()) {
      return make_error(ErrorCode::kCorruptData, "{}: quantization_config.{} = {} is not an integer", source, field,
                        q[key].dump());
    }
    return q[key].get<std::int64_t>();
  };
  auto get_bool = [&](std::string_view field, bool fallback) -> Result<bool> {
    const std::string key(field);
    if (!q.contains(key) || q[key].is_null()) return fallback;
    if (!q[key].is_boolean()) {
      return make_error(ErrorCode::kCorruptData, "{}: quantization_config.{} = {} is not a boolean", source, field,
                        q[key].dump());
    }
    return q[key].get<bool>();
  };
  auto get_string = [&](std::string_view field) -> std::string {
    const std::string key(field);
    return q.contains(key) && q[key].is_string() ? q[key].get<std::string>() : std::string();
  };
  // AutoAWQ writes "w_bit"/"q_group_size" in its own quant_config; the
  // transformers form is "bits"/"group_size". Accept either.
  const char* bits_key = q.contains("bits") ? "bits" : (q.contains("w_bit") ? "w_bit" : "bits");
  const char* group_key =
      q.contains("group_size") ? "group_size" : (q.contains("q_group_size") ? "q_group_size" : "group_size");
  auto bits = get_int(bits_key, 4);
  if (!bits) return std::move(bits).status();
  auto group = get_int(group_key, 128);
  if (!group) return std::move(group).status();
  c.bits = static_cast<int>(*bits);
  c.group_size = *group;
  const int max_bits = c.method == QuantMethod::kGptq ? 8 : 4;
  if (*bits != 4 && !(*bits == 8 && max_bits == 8)) {
    return refuse(source, bits_key, q[bits_key],
                  c.method == QuantMethod::kGptq ? "GPTQ 4 and 8 bits only" : "AWQ 4 bits only");
  }
  if (c.group_size != -1 && (c.group_size <= 0 || c.group_size % 32 != 0)) {
    return refuse(source, group_key, q[group_key], "group sizes must be -1 or a positive multiple of 32");
  }
  if (c.method == QuantMethod::kGptq) {
    auto desc_act = get_bool("desc_act", false);
    if (!desc_act) return std::move(desc_act).status();
    auto sym = get_bool("sym", true);
    if (!sym) return std::move(sym).status();
    c.act_order = *desc_act;
    c.symmetric = *sym;
    if (c.bits == 8 && !c.symmetric) return refuse(source, "sym", q["sym"], "8-bit GPTQ must be symmetric");
    c.checkpoint_format = get_string("checkpoint_format");
    if (c.checkpoint_format.empty() || c.checkpoint_format == "gptq") {
      c.zeros_minus_one = true;
    } else if (c.checkpoint_format == "gptq_v2") {
      c.zeros_minus_one = false;
    } else {
      return refuse(source, "checkpoint_format", q["checkpoint_format"],
                    "servir reads the gptq and gptq_v2 layouts (not marlin, bitblas or exllama re-packs)");
    }
  } else {
    c.symmetric = false;
    c.zeros_minus_one = false;
    auto zero_point = get_bool("zero_point", true);
    if (!zero_point) return std::move(zero_point).status();
    if (!*zero_point) return refuse(source, "zero_point", q["zero_point"], "AWQ without zero points");
    std::string version = get_string("version");
    if (version.empty()) version = "gemm";
    for (auto& ch : version) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (version != "gemm") {
      return refuse(source, "version", q["version"],
                    "only the GEMM packing is read (GEMV, marlin and exllama packings order qweight differently)");
    }
    c.checkpoint_format = version;
  }
  return std::optional<QuantizationConfig>(c);
}

}  // namespace servir
