// `servir testmodel`: write a deterministic random-weight model (GGUF or HF).
#include <fmt/format.h>

#include "app/commands.h"
#include "formats/synthetic_model.h"
#include "kernels/dtype_traits.h"
#include "tokenizer/gguf_tokenizer_metadata.h"

namespace servir::app {
namespace {

struct TestmodelOptions {
  std::string arch = "llama";
  std::int64_t hidden = 0, layers = 0, heads = 0, kv_heads = 0, ffn = 0, vocab = 0, head_dim = 0, context = 2048;
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-5;
  bool tied = false;
  std::string type = "f32";
  std::uint64_t seed = 0;
  std::string out;
  std::string vocab_from;
  int shards = 1;
};

// The kernels' reference quantizer for `type`, as the writer's RowEncoder.
RowEncoder encoder_for(GgmlType type) {
  const kernels::DTypeTraits* traits = kernels::dtype_traits(type);
  if (traits == nullptr || traits->from_f32 == nullptr) return nullptr;
  const auto quantize = traits->from_f32;
  return [quantize](const float* src, std::byte* dst, std::int64_t n) { quantize(src, dst, n); };
}

// "--type": a ggml type name, or a llama.cpp mix (q4_k_m: Q4_K with Q6_K
// for the tensors that get more bits; q5_k_m: Q5_K with Q6_K).
void apply_type(const std::string& name, SyntheticModelSpec& spec) {
  std::string base = name;
  const bool mix = name == "q4_k_m" || name == "q5_k_m" || name == "Q4_K_M" || name == "Q5_K_M";
  if (mix) base = name.substr(0, 4);
  auto type = ggml_type_from_name(base);
  if (!type)
    fail(
        fmt::format("--type {} is not a type (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, "
                    "q6_k, q4_k_m, q5_k_m)",
                    name));
  spec.type = *type;
  if (ggml_type_info(*type).quantized) {
    spec.encode_row = encoder_for(*type);
    if (!spec.encode_row) fail(fmt::format("--type {}: no quantizer for this type", name));
  }
  if (mix) {
    spec.more_bits_type = GgmlType::kQ6_K;
    spec.encode_row_more_bits = encoder_for(GgmlType::kQ6_K);
  }
}

}  // namespace

void register_testmodel_command(CLI::App& app) {
  static TestmodelOptions o;
  auto* cmd = app.add_subcommand("testmodel", "Write a deterministic random-weight model (weights ~ N(0, 0.02))");
  cmd->add_option("--arch", o.arch, "llama, mistral, qwen2 (qkv bias) or qwen3 (q/k norm)")->capture_default_str();
  cmd->add_option("--hidden", o.hidden, "Hidden size")->required();
  cmd->add_option("--layers", o.layers, "Number of layers")->required();
  cmd->add_option("--heads", o.heads, "Attention heads")->required();
  cmd->add_option("--kv-heads", o.kv_heads, "Key/value heads (default: --heads)");
  cmd->add_option("--ffn", o.ffn, "Feed-forward size")->required();
  cmd->add_option("--vocab", o.vocab, "Vocabulary size (default: from --vocab-from)");
  cmd->add_option("--head-dim", o.head_dim, "Head dimension (default: hidden / heads)");
  cmd->add_option("--context", o.context, "Context length")->capture_default_str();
  cmd->add_option("--rope-theta", o.rope_theta, "RoPE base")->capture_default_str();
  cmd->add_option("--rms-norm-eps", o.rms_norm_eps, "RMSNorm epsilon")->capture_default_str();
  cmd->add_flag("--tie-embeddings", o.tied, "Share the embedding matrix with the output projection");
  cmd->add_option("--type", o.type,
                  "Matrices: f32, f16, bf16 (both formats); q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k, q4_k_m, "
                  "q5_k_m (GGUF)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Random seed")->required();
  cmd->add_option("--out", o.out, "Output: NAME.gguf for GGUF, otherwise an HF folder")->required();
  cmd->add_option("--vocab-from", o.vocab_from, "Copy the tokenizer from a GGUF (vocab) file or a tokenizer.json");
  cmd->add_option("--shards", o.shards, "HF only: number of safetensors shards")->capture_default_str();
  cmd->callback([] {
    auto arch = architecture_from_name(o.arch);
    if (!arch) fail(arch.status().message());
    SyntheticModelSpec spec;
    spec.config.arch = *arch;
    spec.config.hidden_size = o.hidden;
    spec.config.n_layers = o.layers;
    spec.config.n_heads = o.heads;
    spec.config.n_kv_heads = o.kv_heads;
    spec.config.ffn_size = o.ffn;
    spec.config.vocab_size = o.vocab;
    spec.config.head_dim = o.head_dim;
    spec.config.context_length = o.context;
    spec.config.rope_theta = o.rope_theta;
    spec.config.rms_norm_eps = o.rms_norm_eps;
    spec.config.tied_embeddings = o.tied;
    apply_type(o.type, spec);
    spec.seed = o.seed;
    spec.out_path = o.out;
    spec.shards = o.shards;
    if (!o.vocab_from.empty()) spec.vocab_from = o.vocab_from;
    if (o.vocab_from.ends_with(".json") && o.out.ends_with(".gguf")) {
      auto metadata = gguf_tokenizer_metadata_from_hf_file(o.vocab_from, o.vocab);
      if (!metadata) fail(metadata.status().to_string());
      spec.tokenizer_metadata = std::move(metadata).value();
    }
    if (o.vocab == 0 && o.vocab_from.empty()) fail("--vocab is required without --vocab-from");
    if (Status st = complete_synthetic_spec(spec); !st.ok()) fail(st.to_string());
    if (Status st = write_synthetic_model(spec); !st.ok()) fail(st.to_string());
  });
}

}  // namespace servir::app
