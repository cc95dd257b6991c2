#include "model/transformer.h"

#include <cmath>
#include <cstring>

#include "formats/tensor_names.h"
#include "kernels/ops/ops.h"
#include "model/attention_layer.h"
#include "model/layer_step.h"
#include "model/mlp_layer.h"

namespace servir {
namespace {

Result<kernels::RopeConfig> rope_config(const ModelDescription& model) {
  const ModelConfig& c = model.config();
  kernels::RopeConfig r;
  r.head_dim = static_cast<int>(c.head_dim);
  r.n_rot = static_cast<int>(c.rope_dim);
  r.freq_base = static_cast<float>(c.rope_theta);
  r.layout = c.rope_layout == RopeLayout::kInterleaved ? kernels::RopeLayout::kNormal : kernels::RopeLayout::kNeox;
  switch (c.rope_scaling.type) {
    case RopeScalingType::kNone:
      break;
    case RopeScalingType::kLinear:
      r.linear_scale = static_cast<float>(c.rope_scaling.factor);
      break;
    case RopeScalingType::kLlama3:
      if (c.rope_scaling.freq_factors_tensor) {
        // The factors of the Llama 3 rule, precomputed by the converter
        // (shape and type checked when the model was described).
        const TensorEntry* t = model.find(kRopeFreqs);
        if (t == nullptr) return make_error(ErrorCode::kCorruptData, "'{}' is missing", kRopeFreqs);
        r.freq_factors.resize(static_cast<std::size_t>(t->n_elements));
        std::memcpy(r.freq_factors.data(), t->data, r.freq_factors.size() * sizeof(float));
        for (float f : r.freq_factors) {
          if (!(f > 0) || !std::isfinite(f)) {
            return make_error(ErrorCode::kCorruptData, "'{}' holds {}, not a positive factor", kRopeFreqs, f);
          }
        }
        break;
      }
      r.llama3.factor = static_cast<float>(c.rope_scaling.factor);
      r.llama3.low_freq_factor = static_cast<float>(c.rope_scaling.low_freq_factor);
      r.llama3.high_freq_factor = static_cast<float>(c.rope_scaling.high_freq_factor);
      r.llama3.original_context = static_cast<float>(c.rope_scaling.original_context_length);
      break;
    case RopeScalingType::kYarn: {
      const RopeScaling& y = c.rope_scaling;
      r.yarn = {.factor = static_cast<float>(y.factor),
                .original_context = static_cast<float>(y.original_context_length),
                .beta_fast = static_cast<float>(y.yarn_beta_fast),
                .beta_slow = static_cast<float>(y.yarn_beta_slow),
                .truncate = y.yarn_truncate};
      r.attention_factor = static_cast<float>(yarn_attention_factor(y));
      break;
    }
  }
  return r;
}

}  // namespace

TransformerModel::TransformerModel(ModelConfig config, LayerSpec spec, ModelWeights weights, kernels::RopeTable rope,
                                   TransformerOptions options)
    : config_(std::move(config)), spec_(spec), weights_(std::move(weights)), rope_(std::move(rope)), options_(options) {
  const auto t = static_cast<std::size_t>(options_.max_batch_tokens);
  const auto hidden = static_cast<std::size_t>(config_.hidden_size);
  const auto q_dim = static_cast<std::size_t>(config_.n_heads * config_.head_dim);
  const auto kv_dim = static_cast<std::size_t>(config_.n_kv_heads * config_.head_dim);
  const auto ffn = static_cast<std::size_t>(config_.ffn_size);
  x_.resize(t * hidden);
  xn_.resize(t * hidden);
  q_.resize(t * q_dim);
  attn_.resize(t * q_dim);
  gate_.resize(t * ffn);
  // Buffers of the fused projections for the layers that have them, and of
  // the separate outputs for those that do not (layers can differ: a type
  // mix may interleave one layer's parts and not another's).
  auto count = [&](auto fused) {
    std::int64_t n = 0;
    for (std::int64_t i = 0; i < weights_.n_layers(); ++i) n += fused(weights_.layer(i)) ? 1 : 0;
    return n;
  };
  const std::int64_t layers = weights_.n_layers();
  const std::int64_t fused_qkv = count([](const LayerWeights& l) { return l.wqkv.data != nullptr; });
  const std::int64_t fused_gate_up = count([](const LayerWeights& l) { return l.w_gate_up.data != nullptr; });
  if (fused_qkv > 0) qkv_.resize(t * (q_dim + 2 * kv_dim));
  if (fused_qkv < layers) {
    k_.resize(t * kv_dim);
    v_.resize(t * kv_dim);
  }
  if (fused_gate_up > 0) gate_up_.resize(t * 2 * ffn);
  if (fused_gate_up < layers) up_.resize(t * ffn);
  proj_.resize(t * hidden);
  const LinearTermsScratch& terms = weights_.linear_terms_scratch();
  gathered_.resize(t * static_cast<std::size_t>(terms.gathered_cols));
  group_sums_.resize(t * static_cast<std::size_t>(terms.groups));
  last_.resize(static_cast<std::size_t>(options_.max_logit_rows) * hidden);
}

Result<TransformerModel> TransformerModel::create(const ModelDescription& model, const kernels::KernelTable& table,
                                                  const TransformerOptions& options) {
  if (options.max_batch_tokens <= 0 || options.max_logit_rows <= 0 ||
      options.max_logit_rows > options.max_batch_tokens) {
    return make_error(ErrorCode::kInvalidArgument,
                      "max_batch_tokens ({}) and max_logit_rows ({}) must be positive, rows <= tokens",
                      options.max_batch_tokens, options.max_logit_rows);
  }
  auto rope = rope_config(model);
  if (!rope) return std::move(rope).status().with_prefix(model.path());
  auto spec = layer_spec(model.config());
  if (!spec) return std::move(spec).status().with_prefix(model.path());
  auto weights = ModelWeights::bind(model, *spec, table, options.weights);
  if (!weights) return std::move(weights).status();
  return TransformerModel(model.config(), *spec, std::move(*weights), kernels::RopeTable(*rope), options);
}

std::uint64_t TransformerModel::scratch_bytes() const {
  const std::size_t floats = x_.size() + xn_.size() + q_.size() + k_.size() + v_.size() + attn_.size() + gate_.size() +
                             up_.size() + proj_.size() + last_.size() + qkv_.size() + gate_up_.size() +
                             gathered_.size() + group_sums_.size();
  return floats * sizeof(float);
}

Status TransformerModel::validate(const ForwardBatch& b, const KvCache& cache) const {
  const auto n = static_cast<std::int64_t>(b.tokens.size());
  if (n == 0) return make_error(ErrorCode::kInvalidArgument, "empty batch");
  if (n > options_.max_batch_tokens) {
    return make_error(ErrorCode::kInvalidArgument, "batch of {} tokens exceeds max_batch_tokens {}", n,
                      options_.max_batch_tokens);
  }
  if (b.token_seq.size() != b.tokens.size() || b.positions.size() != b.tokens.size()) {
    return make_error(ErrorCode::kInvalidArgument, "tokens, token_seq and positions differ in length");
  }
  if (static_cast<std::int64_t>(b.logit_rows.size()) > options_.max_logit_rows) {
    return make_error(ErrorCode::kInvalidArgument, "{} logit rows exceed max_logit_rows {}", b.logit_rows.size(),
                      options_.max_logit_rows);
  }
  if (b.max_blocks_per_seq <= 0 || b.block_tables.size() % static_cast<std::size_t>(b.max_blocks_per_seq) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "block tables are not [n_seqs, max_blocks_per_seq]");
  }
  const auto n_seqs = static_cast<std::int64_t>(b.block_tables.size()) / b.max_blocks_per_seq;
  for (std::int64_t t = 0; t < n; ++t) {
    const auto i = static_cast<std::size_t>(t);
    if (b.tokens[i] < 0 || b.tokens[i] >= config_.vocab_size) {
      return make_error(ErrorCode::kInvalidArgument, "token id {} at batch row {} is outside the vocabulary of {}",
                        b.tokens[i], t, config_.vocab_size);
    }
    if (b.token_seq[i] < 0 || b.token_seq[i] >= n_seqs) {
      return make_error(ErrorCode::kInvalidArgument, "batch row {} names sequence {} of {}", t, b.token_seq[i], n_seqs);
    }
    const std::int64_t pos = b.positions[i];
    if (pos < 0 || pos >= config_.context_length) {
      return make_error(ErrorCode::kContextLengthExceeded, "position {} is outside the model's context of {}", pos,
                        config_.context_length);
    }
    const std::int64_t last_block = pos / cache.block_size();
    if (last_block >= b.max_blocks_per_seq) {
      return make_error(ErrorCode::kInvalidArgument, "position {} needs block {} but tables hold {}", pos, last_block,
                        b.max_blocks_per_seq);
    }
    // Attention reads every block up to this position: all must be real.
    const std::int32_t* table = b.block_tables.data() + static_cast<std::size_t>(b.token_seq[i]) * b.max_blocks_per_seq;
    for (std::int64_t j = 0; j <= last_block; ++j) {
      if (table[j] < 0 || table[j] >= cache.n_blocks()) {
        return make_error(ErrorCode::kInvalidArgument, "sequence {} block {} is id {}, outside the pool of {}",
                          b.token_seq[i], j, table[j], cache.n_blocks());
      }
    }
  }
  for (const std::int32_t row : b.logit_rows) {
    if (row < 0 || row >= n) return make_error(ErrorCode::kInvalidArgument, "logit row {} is not a batch row", row);
  }
  return {};
}

Status TransformerModel::forward(kernels::KernelContext& ctx, const ForwardBatch& batch, KvCache& cache,
                                 float* logits) {
  if (Status st = validate(batch, cache); !st.ok()) return st;
  const auto n = static_cast<std::int64_t>(batch.tokens.size());
  const std::int64_t hidden = config_.hidden_size;
  kernels::embedding_rows(ctx, weights_.token_embd(), batch.tokens.data(), n, x_.data());
  const Activations act{.x = x_.data(),
                        .xn = xn_.data(),
                        .q = q_.data(),
                        .k = k_.data(),
                        .v = v_.data(),
                        .attn = attn_.data(),
                        .gate = gate_.data(),
                        .up = up_.data(),
                        .proj = proj_.data(),
                        .qkv = qkv_.empty() ? nullptr : qkv_.data(),
                        .gate_up = gate_up_.empty() ? nullptr : gate_up_.data(),
                        .gathered = gathered_.empty() ? nullptr : gathered_.data(),
                        .group_sums = group_sums_.empty() ? nullptr : group_sums_.data()};
  const LayerStep step{
      .ctx = ctx, .config = config_, .rope = rope_, .batch = batch, .cache = cache, .act = act, .n = n};
  for (std::int64_t layer = 0; layer < config_.n_layers; ++layer) {
    const LayerWeights& w = weights_.layer(layer);
    attention_layer(step, w, layer, spec_.attention);
    swiglu_mlp_layer(step, w);
  }
  const auto n_out = static_cast<std::int64_t>(batch.logit_rows.size());
  if (n_out == 0) return {};
  for (std::int64_t r = 0; r < n_out; ++r) {
    std::memcpy(last_.data() + r * hidden, x_.data() + batch.logit_rows[static_cast<std::size_t>(r)] * hidden,
                static_cast<std::size_t>(hidden) * sizeof(float));
  }
  kernels::rms_norm_rows(ctx, last_.data(), weights_.output_norm(), last_.data(), n_out, hidden,
                         static_cast<float>(config_.rms_norm_eps));
  linear(ctx, last_.data(), n_out, weights_.output(), logits);
  return {};
}

}  // namespace servir
