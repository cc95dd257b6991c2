#include "formats/tensor_names.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace servir {
namespace {

struct NamePair {
  std::string_view hf;
  std::string_view internal;
};

constexpr std::array kGlobalNames = {
    NamePair{"model.embed_tokens.weight", kTokenEmbd},
    NamePair{"model.norm.weight", kOutputNorm},
    NamePair{"lm_head.weight", kOutput},
};

// Suffixes after "model.layers.N." / "blk.N.".
constexpr std::array kLayerNames = {
    NamePair{"input_layernorm.weight", "attn_norm.weight"},
    NamePair{"self_attn.q_proj.weight", "attn_q.weight"},
    NamePair{"self_attn.k_proj.weight", "attn_k.weight"},
    NamePair{"self_attn.v_proj.weight", "attn_v.weight"},
    NamePair{"self_attn.o_proj.weight", "attn_output.weight"},
    NamePair{"self_attn.q_proj.bias", "attn_q.bias"},
    NamePair{"self_attn.k_proj.bias", "attn_k.bias"},
    NamePair{"self_attn.v_proj.bias", "attn_v.bias"},
    NamePair{"self_attn.q_norm.weight", "attn_q_norm.weight"},
    NamePair{"self_attn.k_norm.weight", "attn_k_norm.weight"},
    NamePair{"post_attention_layernorm.weight", "ffn_norm.weight"},
    NamePair{"mlp.gate_proj.weight", "ffn_gate.weight"},
    NamePair{"mlp.up_proj.weight", "ffn_up.weight"},
    NamePair{"mlp.down_proj.weight", "ffn_down.weight"},
};

// Splits "<prefix>N.<rest>" into N and rest.
std::optional<std::pair<std::int64_t, std::string_view>> split_layer(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  const auto dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::int64_t layer = 0;
  const auto [ptr, ec] = std::from_chars(name.data(), name.data() + dot, layer);
  if (ec != std::errc() || ptr != name.data() + dot || layer < 0) return std::nullopt;
  return std::pair{layer, name.substr(dot + 1)};
}

}  // namespace

std::string layer_tensor_name(std::int64_t layer, std::string_view suffix) {
  return fmt::format("blk.{}.{}", layer, suffix);
}

std::optional<std::string> hf_to_internal_name(std::string_view hf_name) {
  for (const auto& pair : kGlobalNames) {
    if (pair.hf == hf_name) return std::string(pair.internal);
  }
  if (auto split = split_layer(hf_name, "model.layers.")) {
    for (const auto& pair : kLayerNames) {
      if (pair.hf == split->second) return layer_tensor_name(split->first, pair.internal);
    }
  }
  return std::nullopt;
}

std::optional<std::string> internal_to_hf_name(std::string_view internal_name) {
  for (const auto& pair : kGlobalNames) {
    if (pair.internal == internal_name) return std::string(pair.hf);
  }
  if (auto split = split_layer(internal_name, "blk.")) {
    for (const auto& pair : kLayerNames) {
      if (pair.internal == split->second) return fmt::format("model.layers.{}.{}", split->first, pair.hf);
    }
  }
  return std::nullopt;
}

bool is_ignorable_hf_tensor(std::string_view hf_name) { return hf_name.ends_with("rotary_emb.inv_freq"); }

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& c) {
  const std::int64_t q_dim = c.n_heads * c.head_dim;
  const std::int64_t kv_dim = c.n_kv_heads * c.head_dim;
  std::vector<ExpectedTensor> out;
  out.push_back({std::string(kTokenEmbd), {c.vocab_size, c.hidden_size}, false});
  for (std::int64_t i = 0; i < c.n_layers; ++i) {
    out.push_back({layer_tensor_name(i, "attn_norm.weight"), {c.hidden_size}, true});
    out.push_back({layer_tensor_name(i, "attn_q.weight"), {q_dim, c.hidden_size}, false});
    out.push_back({layer_tensor_name(i, "attn_k.weight"), {kv_dim, c.hidden_size}, false});
    out.push_back({layer_tensor_name(i, "attn_v.weight"), {kv_dim, c.hidden_size}, false});
    if (c.attention_bias) {
      out.push_back({layer_tensor_name(i, "attn_q.bias"), {q_dim}, true});
      out.push_back({layer_tensor_name(i, "attn_k.bias"), {kv_dim}, true});
      out.push_back({layer_tensor_name(i, "attn_v.bias"), {kv_dim}, true});
    }
    if (c.qk_norm) {
      out.push_back({layer_tensor_name(i, "attn_q_norm.weight"), {c.head_dim}, true});
      out.push_back({layer_tensor_name(i, "attn_k_norm.weight"), {c.head_dim}, true});
    }
    out.push_back({layer_tensor_name(i, "attn_output.weight"), {c.hidden_size, q_dim}, false});
    out.push_back({layer_tensor_name(i, "ffn_norm.weight"), {c.hidden_size}, true});
    out.push_back({layer_tensor_name(i, "ffn_gate.weight"), {c.ffn_size, c.hidden_size}, false});
    out.push_back({layer_tensor_name(i, "ffn_up.weight"), {c.ffn_size, c.hidden_size}, false});
    out.push_back({layer_tensor_name(i, "ffn_down.weight"), {c.hidden_size, c.ffn_size}, false});
  }
  out.push_back({std::string(kOutputNorm), {c.hidden_size}, true});
  if (!c.tied_embeddings) out.push_back({std::string(kOutput), {c.vocab_size, c.hidden_size}, false});
  return out;
}

}  // namespace servir
