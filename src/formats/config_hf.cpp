// ModelConfig from a Hugging Face config.json, with the defaults of
// transformers' LlamaConfig / MistralConfig / Qwen2Config / Qwen3Config for
// keys a file leaves out.
#include <cmath>

#include <nlohmann/json.hpp>

#include "formats/config_parsers.h"

namespace servir {
namespace {

using nlohmann::json;

class JsonFields {
 public:
  JsonFields(const json& object, const std::string& source) : object_(object), source_(source) {}

  Status require_int(const char* key, std::int64_t& out) const {
    if (!object_.contains(key)) {
      return make_error(ErrorCode::kCorruptData, "{}: missing required key '{}'", source_, key);
    }
    return read_int(key, out);
  }
  Status optional_int(const char* key, std::int64_t& out) const {
    if (!object_.contains(key) || object_[key].is_null()) return {};
    return read_int(key, out);
  }
  Status optional_float(const char* key, double& out) const {
    if (!object_.contains(key) || object_[key].is_null()) return {};
    const auto& v = object_[key];
    if (!v.is_number()) return type_error(key, "a number");
    out = v.get<double>();
    return {};
  }
  Status optional_bool(const char* key, bool& out) const {
    if (!object_.contains(key) || object_[key].is_null()) return {};
    const auto& v = object_[key];
    if (!v.is_boolean()) return type_error(key, "true or false");
    out = v.get<bool>();
    return {};
  }
  // An int or a list of ints (eos_token_id may be either).
  Status optional_int_list(const char* key, std::vector<std::int64_t>& out) const {
    if (!object_.contains(key) || object_[key].is_null()) return {};
    const auto& v = object_[key];
    if (v.is_number_integer()) {
      out = {v.get<std::int64_t>()};
      return {};
    }
    if (!v.is_array()) return type_error(key, "an integer or a list of integers");
    out.clear();
    for (const auto& item : v) {
      if (!item.is_number_integer()) return type_error(key, "an integer or a list of integers");
      out.push_back(item.get<std::int64_t>());
    }
    return {};
  }

 private:
  Status read_int(const char* key, std::int64_t& out) const {
    const auto& v = object_[key];
    if (!v.is_number_integer()) return type_error(key, "an integer");
    out = v.get<std::int64_t>();
    return {};
  }
  Status type_error(const char* key, const char* expected) const {
    return make_error(ErrorCode::kCorruptData, "{}: '{}' must be {}, got {}", source_, key, expected,
                      object_[key].type_name());
  }

  const json& object_;
  const std::string& source_;
};

// The YaRN keys of transformers' _compute_yarn_parameters besides factor and
// original_max_position_embeddings.
Status parse_yarn_keys(const JsonFields& f, RopeScaling& r) {
  r.type = RopeScalingType::kYarn;
  double attention_factor = NAN;
  for (Status st :
       {f.optional_float("beta_fast", r.yarn_beta_fast), f.optional_float("beta_slow", r.yarn_beta_slow),
        f.optional_float("attention_factor", attention_factor), f.optional_float("mscale", r.yarn_mscale),
        f.optional_float("mscale_all_dim", r.yarn_mscale_all_dim), f.optional_bool("truncate", r.yarn_truncate)}) {
    if (!st.ok()) return st;
  }
  if (!std::isnan(attention_factor)) r.yarn_attention_factor = attention_factor;
  // transformers reads `beta_fast or 32`: a 0 means the default.
  if (r.yarn_beta_fast == 0) r.yarn_beta_fast = 32.0;
  if (r.yarn_beta_slow == 0) r.yarn_beta_slow = 1.0;
  return {};
}

Status parse_rope_scaling(const json& scaling, const std::string& source, ModelConfig& c) {
  if (scaling.is_null()) return {};
  if (!scaling.is_object()) {
    return make_error(ErrorCode::kCorruptData, "{}: 'rope_scaling' must be an object or null", source);
  }
  std::string type;
  for (const char* key : {"rope_type", "type"}) {
    if (scaling.contains(key) && scaling[key].is_string()) {
      type = scaling[key].get<std::string>();
      break;
    }
  }
  const JsonFields f(scaling, source);
  std::int64_t original = 0;
  Status st;
  if (type == "default" || type.empty()) return {};
  if (type == "linear") {
    c.rope_scaling.type = RopeScalingType::kLinear;
  } else if (type == "llama3") {
    c.rope_scaling.type = RopeScalingType::kLlama3;
    if (st = f.optional_float("low_freq_factor", c.rope_scaling.low_freq_factor); !st.ok()) return st;
    if (st = f.optional_float("high_freq_factor", c.rope_scaling.high_freq_factor); !st.ok()) return st;
  } else if (type == "yarn") {
    if (st = parse_yarn_keys(f, c.rope_scaling); !st.ok()) return st;
  } else {
    return make_error(ErrorCode::kUnsupported, "{}: rope scaling type '{}' is not supported (linear, llama3, yarn)",
                      source, type);
  }
  if (st = f.optional_float("factor", c.rope_scaling.factor); !st.ok()) return st;
  if (st = f.optional_int("original_max_position_embeddings", original); !st.ok()) return st;
  c.rope_scaling.original_context_length = original;
  if (c.rope_scaling.type == RopeScalingType::kYarn) {
    // transformers' defaults: the original context is max_position_embeddings,
    // and a missing factor is the ratio of the two.
    if (original <= 0) c.rope_scaling.original_context_length = c.context_length;
    if ((!scaling.contains("factor") || scaling["factor"].is_null()) && c.rope_scaling.original_context_length > 0) {
      c.rope_scaling.factor =
          static_cast<double>(c.context_length) / static_cast<double>(c.rope_scaling.original_context_length);
    }
  }
  return {};
}

}  // namespace

Result<ModelConfig> config_from_hf_json(const json& config, const std::string& source) {
  if (!config.is_object()) return make_error(ErrorCode::kCorruptData, "{}: not a JSON object", source);
  std::string arch_name;
  if (config.contains("architectures") && config["architectures"].is_array() && !config["architectures"].empty() &&
      config["architectures"][0].is_string()) {
    arch_name = config["architectures"][0].get<std::string>();
  } else if (config.contains("model_type") && config["model_type"].is_string()) {
    arch_name = config["model_type"].get<std::string>();
  } else {
    return make_error(ErrorCode::kCorruptData, "{}: missing required key 'architectures' (or 'model_type')", source);
  }
  auto arch = architecture_from_name(arch_name);
  if (!arch) return std::move(arch).status().with_prefix(source);

  ModelConfig c;
  c.arch = *arch;
  c.context_length = 2048;
  const JsonFields f(config, source);
  for (Status st : {f.require_int("hidden_size", c.hidden_size), f.require_int("num_hidden_layers", c.n_layers),
                    f.require_int("num_attention_heads", c.n_heads), f.require_int("intermediate_size", c.ffn_size),
                    f.require_int("vocab_size", c.vocab_size)}) {
    if (!st.ok()) return st;
  }
  c.n_kv_heads = c.n_heads;
  c.head_dim = c.n_heads > 0 ? c.hidden_size / c.n_heads : 0;
  double partial_rotary = 1.0;
  bool mlp_bias = false;
  bool use_sliding_window = c.arch == Architecture::kMistral;
  std::int64_t sliding_window = 0;
  std::int64_t bos = -1;
  c.attention_bias = c.arch == Architecture::kQwen2;  // Qwen2 always has q/k/v biases
  for (Status st :
       {f.optional_int("num_key_value_heads", c.n_kv_heads), f.optional_int("head_dim", c.head_dim),
        f.optional_int("max_position_embeddings", c.context_length), f.optional_float("rope_theta", c.rope_theta),
        f.optional_float("rms_norm_eps", c.rms_norm_eps), f.optional_float("partial_rotary_factor", partial_rotary),
        f.optional_bool("tie_word_embeddings", c.tied_embeddings), f.optional_bool("attention_bias", c.attention_bias),
        f.optional_bool("mlp_bias", mlp_bias), f.optional_bool("use_sliding_window", use_sliding_window),
        f.optional_int("sliding_window", sliding_window), f.optional_int("bos_token_id", bos),
        f.optional_int_list("eos_token_id", c.eos_token_ids)}) {
    if (!st.ok()) return st;
  }
  if (!config.contains("head_dim") && c.n_heads > 0 && c.hidden_size % c.n_heads != 0) {
    return make_error(ErrorCode::kCorruptData, "{}: hidden_size {} is not a multiple of num_attention_heads {}", source,
                      c.hidden_size, c.n_heads);
  }
  if (mlp_bias) return make_error(ErrorCode::kUnsupported, "{}: 'mlp_bias' is not supported", source);
  if (c.arch == Architecture::kQwen2) c.attention_bias = true;
  c.qk_norm = c.arch == Architecture::kQwen3;
  if (use_sliding_window && sliding_window > 0) c.sliding_window = sliding_window;
  if (bos >= 0) c.bos_token_id = bos;
  c.rope_dim = static_cast<std::int64_t>(std::llround(static_cast<double>(c.head_dim) * partial_rotary));
  c.rope_layout = RopeLayout::kNeox;
  if (config.contains("rope_scaling")) {
    if (Status st = parse_rope_scaling(config["rope_scaling"], source, c); !st.ok()) return st;
  }
  if (Status st = c.validate(); !st.ok()) return st.with_prefix(source);
  return c;
}

Result<GenerationDefaults> apply_hf_generation_config(const json& generation, const std::string& source,
                                                      ModelConfig& config) {
  if (!generation.is_object()) return make_error(ErrorCode::kCorruptData, "{}: not a JSON object", source);
  const JsonFields f(generation, source);
  GenerationDefaults d;
  std::int64_t bos = -1;
  double temperature = NAN, top_p = NAN, repetition_penalty = NAN;
  std::int64_t top_k = -1;
  for (Status st : {f.optional_int("bos_token_id", bos), f.optional_int_list("eos_token_id", config.eos_token_ids),
                    f.optional_float("temperature", temperature), f.optional_float("top_p", top_p),
                    f.optional_int("top_k", top_k), f.optional_float("repetition_penalty", repetition_penalty)}) {
    if (!st.ok()) return st;
  }
  if (bos >= 0) config.bos_token_id = bos;
  if (!std::isnan(temperature)) d.temperature = temperature;
  if (!std::isnan(top_p)) d.top_p = top_p;
  if (top_k >= 0) d.top_k = top_k;
  if (!std::isnan(repetition_penalty)) d.repetition_penalty = repetition_penalty;
  return d;
}

}  // namespace servir
