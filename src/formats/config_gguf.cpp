// ModelConfig from GGUF metadata keys "<arch>.<name>" (llama.cpp's naming).
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "formats/config_parsers.h"
#include "formats/tensor_names.h"

namespace servir {
namespace {

class GgufKeys {
 public:
  GgufKeys(const GgufFile& file, std::string prefix) : file_(file), prefix_(std::move(prefix)) {}

  // A required non-negative integer "<arch>.<name>".
  Status require_uint(std::string_view name, std::int64_t& out) const {
    const std::string key = fmt::format("{}.{}", prefix_, name);
    const GgufValue* v = file_.find(key);
    if (v == nullptr) return make_error(ErrorCode::kCorruptData, "{}: missing metadata key '{}'", file_.name(), key);
    return read_uint(key, *v, out);
  }
  Status optional_uint(std::string_view name, std::int64_t& out) const {
    const std::string key = fmt::format("{}.{}", prefix_, name);
    const GgufValue* v = file_.find(key);
    return v == nullptr ? Status() : read_uint(key, *v, out);
  }
  Status optional_float(std::string_view name, double& out) const {
    const std::string key = fmt::format("{}.{}", prefix_, name);
    const GgufValue* v = file_.find(key);
    if (v == nullptr) return {};
    const auto f = v->as_float();
    if (!f) return make_error(ErrorCode::kCorruptData, "{}: '{}' must be a float", file_.name(), key);
    // An f32 such as 1e-5 widens to 9.99999974e-06; keep the decimal the
    // writer meant by going through the shortest f32 representation.
    if (v->type() == GgufValueType::kFloat32) {
      out = std::strtod(fmt::format("{}", static_cast<float>(*f)).c_str(), nullptr);
    } else {
      out = *f;
    }
    return {};
  }
  const std::string* optional_string(std::string_view name) const {
    const GgufValue* v = file_.find(fmt::format("{}.{}", prefix_, name));
    return v == nullptr ? nullptr : v->as_string();
  }

 private:
  Status read_uint(const std::string& key, const GgufValue& v, std::int64_t& out) const {
    if (v.as_array() != nullptr) {
      return make_error(ErrorCode::kUnsupported, "{}: '{}' varies per layer, which servir does not support",
                        file_.name(), key);
    }
    const auto u = v.as_uint();
    if (!u || *u > static_cast<std::uint64_t>(INT64_MAX)) {
      return make_error(ErrorCode::kCorruptData, "{}: '{}' must be a non-negative integer", file_.name(), key);
    }
    out = static_cast<std::int64_t>(*u);
    return {};
  }

  const GgufFile& file_;
  std::string prefix_;
};

// YaRN keys as llama.cpp's converter writes them from a Hugging Face
// rope_scaling: yarn_attn_factor is HF's attention_factor. Keys whose
// meaning HF lacks or that llama.cpp and HF read differently are refused
// unless they hold their neutral value, rather than being guessed at.
Status parse_gguf_yarn(const GgufKeys& keys, const std::string& file_name, ModelConfig& c) {
  RopeScaling& r = c.rope_scaling;
  if (r.original_context_length <= 0) r.original_context_length = c.context_length;  // llama.cpp's n_ctx_train
  double attention_factor = NAN, attn_factor = 1.0, log_multiplier = 0.0, ext_factor = 1.0;
  for (Status st : {keys.optional_float("rope.scaling.yarn_beta_fast", r.yarn_beta_fast),
                    keys.optional_float("rope.scaling.yarn_beta_slow", r.yarn_beta_slow),
                    keys.optional_float("rope.scaling.yarn_attn_factor", attention_factor),
                    keys.optional_float("rope.scaling.attn_factor", attn_factor),
                    keys.optional_float("rope.scaling.yarn_log_multiplier", log_multiplier),
                    keys.optional_float("rope.scaling.yarn_ext_factor", ext_factor)}) {
    if (!st.ok()) return st;
  }
  if (!std::isnan(attention_factor)) r.yarn_attention_factor = attention_factor;
  // llama.cpp multiplies attn_factor onto the derived magnitude, while the
  // converters that write it (olmo2, phi3) store HF's replacement for it.
  if (attn_factor != 1.0) {
    return make_error(ErrorCode::kUnsupported,
                      "{}: yarn with rope.scaling.attn_factor = {} is not supported: llama.cpp multiplies it onto "
                      "YaRN's magnitude, converters store Hugging Face's attention_factor in it (servir reads "
                      "rope.scaling.yarn_attn_factor)",
                      file_name, attn_factor);
  }
  // 0.1 * mscale_all_dim of DeepSeek configs; the matching mscale is not stored.
  if (log_multiplier != 0.0) {
    return make_error(ErrorCode::kUnsupported,
                      "{}: yarn with rope.scaling.yarn_log_multiplier = {} (mscale_all_dim) is not supported",
                      file_name, log_multiplier);
  }
  if (ext_factor != 1.0) {
    return make_error(ErrorCode::kUnsupported, "{}: yarn with rope.scaling.yarn_ext_factor = {} is not supported",
                      file_name, ext_factor);
  }
  return {};
}

}  // namespace

Result<ModelConfig> config_from_gguf(const GgufFile& file) {
  const GgufValue* arch_value = file.find("general.architecture");
  if (arch_value == nullptr) {
    return make_error(ErrorCode::kCorruptData, "{}: missing metadata key 'general.architecture' (a vocab-only file?)",
                      file.name());
  }
  const std::string* arch_name = arch_value->as_string();
  if (arch_name == nullptr) {
    return make_error(ErrorCode::kCorruptData, "{}: 'general.architecture' must be a string", file.name());
  }
  auto arch = architecture_from_name(*arch_name);
  if (!arch) return std::move(arch).status().with_prefix(file.name());

  ModelConfig c;
  c.arch = *arch;
  const GgufKeys keys(file, *arch_name);
  for (Status st :
       {keys.require_uint("context_length", c.context_length), keys.require_uint("embedding_length", c.hidden_size),
        keys.require_uint("block_count", c.n_layers), keys.require_uint("feed_forward_length", c.ffn_size),
        keys.require_uint("attention.head_count", c.n_heads)}) {
    if (!st.ok()) return st;
  }
  c.n_kv_heads = c.n_heads;
  c.head_dim = c.n_heads > 0 ? c.hidden_size / c.n_heads : 0;
  c.rms_norm_eps = 1e-5;
  for (Status st :
       {keys.optional_uint("attention.head_count_kv", c.n_kv_heads),
        keys.optional_uint("attention.key_length", c.head_dim), keys.optional_float("rope.freq_base", c.rope_theta),
        keys.optional_float("attention.layer_norm_rms_epsilon", c.rms_norm_eps)}) {
    if (!st.ok()) return st;
  }
  c.rope_dim = c.head_dim;
  if (Status st = keys.optional_uint("rope.dimension_count", c.rope_dim); !st.ok()) return st;

  // Vocabulary: explicit key, else the tokenizer's size, else the embedding rows.
  if (Status st = keys.optional_uint("vocab_size", c.vocab_size); !st.ok()) return st;
  if (c.vocab_size == 0) {
    if (const GgufValue* tokens = file.find("tokenizer.ggml.tokens"); tokens && tokens->as_array()) {
      c.vocab_size = static_cast<std::int64_t>(tokens->as_array()->values.size());
    } else if (const auto* embd = file.find_tensor(kTokenEmbd); embd && embd->ne.size() == 2) {
      c.vocab_size = static_cast<std::int64_t>(embd->ne[1]);
    }
  }

  if (const std::string* type = keys.optional_string("rope.scaling.type")) {
    if (*type == "linear") {
      c.rope_scaling.type = RopeScalingType::kLinear;
    } else if (*type == "yarn") {
      c.rope_scaling.type = RopeScalingType::kYarn;
    } else if (*type != "none") {
      return make_error(ErrorCode::kUnsupported, "{}: rope scaling '{}' is not supported", file.name(), *type);
    }
    if (c.rope_scaling.type != RopeScalingType::kNone) {
      if (Status st = keys.optional_float("rope.scaling.factor", c.rope_scaling.factor); !st.ok()) return st;
      if (Status st =
              keys.optional_uint("rope.scaling.original_context_length", c.rope_scaling.original_context_length);
          !st.ok()) {
        return st;
      }
    }
    if (c.rope_scaling.type == RopeScalingType::kYarn) {
      if (Status st = parse_gguf_yarn(keys, file.name(), c); !st.ok()) return st;
    }
  }
  if (file.find_tensor(kRopeFreqs) != nullptr) {
    // The converter writes per-pair factors for the Llama 3 rule only; with
    // another scaling named, which one applies would be a guess.
    if (c.rope_scaling.type != RopeScalingType::kNone && c.rope_scaling.type != RopeScalingType::kLlama3) {
      return make_error(ErrorCode::kUnsupported, "{}: a '{}' tensor together with rope scaling '{}' is not supported",
                        file.name(), kRopeFreqs, rope_scaling_name(c.rope_scaling.type));
    }
    c.rope_scaling.type = RopeScalingType::kLlama3;
    c.rope_scaling.freq_factors_tensor = true;
  }

  c.rope_layout = (c.arch == Architecture::kLlama || c.arch == Architecture::kMistral) ? RopeLayout::kInterleaved
                                                                                       : RopeLayout::kNeox;
  c.attention_bias = file.find_tensor(layer_tensor_name(0, "attn_q.bias")) != nullptr;
  c.qk_norm = file.find_tensor(layer_tensor_name(0, "attn_q_norm.weight")) != nullptr;
  c.tied_embeddings = file.find_tensor(kOutput) == nullptr;
  if (c.arch == Architecture::kMistral) {
    std::int64_t window = 0;
    if (Status st = keys.optional_uint("attention.sliding_window", window); !st.ok()) return st;
    if (window > 0) c.sliding_window = window;
  }
  if (const GgufValue* bos = file.find("tokenizer.ggml.bos_token_id")) {
    if (auto id = bos->as_int()) c.bos_token_id = *id;
  }
  if (const GgufValue* eos = file.find("tokenizer.ggml.eos_token_id")) {
    if (auto id = eos->as_int()) c.eos_token_ids.push_back(*id);
  }
  if (Status st = c.validate(); !st.ok()) return st.with_prefix(file.name());
  return c;
}

}  // namespace servir
