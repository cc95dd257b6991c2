// `servir testmodel`: write a deterministic random-weight model (GGUF or HF),
// or with --quant a GPTQ/AWQ checkpoint (random, or converted --from a float
// HF folder) and, with --reference-out, the f32 model its integers stand for.
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "formats/gptq_awq_writer.h"
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
  // --quant gptq|awq
  std::string quant;
  int bits = 4;
  std::int64_t group_size = 128;
  bool act_order = false;
  bool asym = false;
  bool gptq_v2 = false;
  bool unshared_act_order = false;
  std::string reference_out;
  std::string from;
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

QuantizationConfig quantization_from_options(const TestmodelOptions& o) {
  QuantizationConfig q;
  if (o.quant == "gptq") {
    q.method = QuantMethod::kGptq;
  } else if (o.quant == "awq") {
    q.method = QuantMethod::kAwq;
  } else {
    fail(fmt::format("--quant {}: expected gptq or awq", o.quant));
  }
  q.bits = o.bits;
  q.group_size = o.group_size;
  q.act_order = o.act_order;
  q.symmetric = q.method == QuantMethod::kGptq && !o.asym;
  q.zeros_minus_one = q.method == QuantMethod::kGptq && !o.gptq_v2;
  q.checkpoint_format = q.method == QuantMethod::kAwq ? "gemm" : (o.gptq_v2 ? "gptq_v2" : "gptq");
  if (q.method == QuantMethod::kAwq && (o.act_order || o.gptq_v2 || o.bits != 4)) {
    fail("--quant awq is 4-bit without --act-order or --gptq-v2");
  }
  if (o.bits != 4 && o.bits != 8) fail(fmt::format("--bits {}: 4 or 8", o.bits));
  if (o.bits == 8 && o.asym) fail("--bits 8 --asym: 8-bit GPTQ is symmetric");
  if (o.group_size != -1 && (o.group_size <= 0 || o.group_size % 32 != 0)) {
    fail(fmt::format("--group-size {}: -1 or a positive multiple of 32", o.group_size));
  }
  return q;
}

void write_quantized(const TestmodelOptions& o, SyntheticModelSpec& spec) {
  QuantizedCheckpointSpec q;
  q.quant = quantization_from_options(o);
  q.out_path = o.out;
  q.seed = o.seed;
  q.shared_act_order = !o.unshared_act_order;
  if (!o.reference_out.empty()) q.reference_path = o.reference_out;
  std::optional<ModelDescription> source;
  if (!o.from.empty()) {
    auto model = open_model(o.from);
    if (!model) fail(model.status().to_string());
    if (model->format() != ModelFormat::kSafetensors || model->quantization()) {
      fail(fmt::format("--from {}: expected a float HF folder (config.json + safetensors)", o.from));
    }
    source = std::move(*model);
    q.config = source->config();
    std::ifstream in(source->hf_folder() + "/config.json");
    std::stringstream text;
    text << in.rdbuf();
    q.config_json = nlohmann::json::parse(text.str(), nullptr, false);
    if (q.config_json.is_discarded()) fail(fmt::format("{}/config.json: not valid JSON", o.from));
    q.values = float_tensor_values(*source);
    q.tokenizer_from = o.vocab_from.empty() ? source->hf_folder() : o.vocab_from;
  } else {
    if (o.hidden == 0 || o.layers == 0 || o.heads == 0 || o.ffn == 0) {
      fail("--hidden, --layers, --heads and --ffn are required without --from");
    }
    spec.type = GgmlType::kF32;
    if (Status st = complete_synthetic_spec(spec); !st.ok()) fail(st.to_string());
    q.config = spec.config;
    q.config_json = synthetic_hf_config_json(spec);
    const std::uint64_t seed = o.seed;
    q.values = [seed](const ExpectedTensor& t, std::span<float> out) -> Status {
      synthetic_tensor_values(seed, t.name, out);
      return {};
    };
    if (!o.vocab_from.empty()) q.tokenizer_from = o.vocab_from;
  }
  if (Status st = write_quantized_checkpoint(q); !st.ok()) fail(st.to_string());
}

}  // namespace

void register_testmodel_command(CLI::App& app) {
  static TestmodelOptions o;
  auto* cmd = app.add_subcommand("testmodel", "Write a deterministic random-weight model (weights ~ N(0, 0.02))");
  cmd->add_option("--arch", o.arch, "llama, mistral, qwen2 (qkv bias) or qwen3 (q/k norm)")->capture_default_str();
  cmd->add_option("--hidden", o.hidden, "Hidden size (required unless --from)");
  cmd->add_option("--layers", o.layers, "Number of layers (required unless --from)");
  cmd->add_option("--heads", o.heads, "Attention heads (required unless --from)");
  cmd->add_option("--kv-heads", o.kv_heads, "Key/value heads (default: --heads)");
  cmd->add_option("--ffn", o.ffn, "Feed-forward size (required unless --from)");
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
  cmd->add_option("--seed", o.seed, "Random seed")->capture_default_str();
  cmd->add_option("--out", o.out, "Output: NAME.gguf for GGUF, otherwise an HF folder")->required();
  cmd->add_option("--vocab-from", o.vocab_from, "Copy the tokenizer from a GGUF (vocab) file or a tokenizer.json");
  cmd->add_option("--shards", o.shards, "HF only: number of safetensors shards")->capture_default_str();
  cmd->add_option("--quant", o.quant,
                  "Write a GPTQ or AWQ checkpoint (HF folder, round-to-nearest quantization): gptq, awq");
  cmd->add_option("--bits", o.bits, "--quant: bits per weight (4; gptq also 8)")->capture_default_str();
  cmd->add_option("--group-size", o.group_size, "--quant: input columns per scale (a multiple of 32, or -1)")
      ->capture_default_str();
  cmd->add_flag("--act-order", o.act_order, "--quant gptq: desc_act (permuted groups, g_idx)");
  cmd->add_flag("--asym", o.asym, "--quant gptq: sym=false (zero points per group)");
  cmd->add_flag("--gptq-v2", o.gptq_v2, "--quant gptq: checkpoint_format gptq_v2 (zeros stored as they are)");
  cmd->add_flag("--unshared-act-order", o.unshared_act_order,
                "--quant gptq --act-order: a permutation per matrix, not per shared input");
  cmd->add_option("--reference-out", o.reference_out,
                  "--quant: also write the f32 HF folder the quantized integers dequantize to");
  cmd->add_option("--from", o.from, "--quant: convert this float HF folder instead of random weights");
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
    if (o.quant.empty()) apply_type(o.type, spec);
    spec.seed = o.seed;
    spec.out_path = o.out;
    spec.shards = o.shards;
    if (!o.vocab_from.empty()) spec.vocab_from = o.vocab_from;
    if (!o.quant.empty()) return write_quantized(o, spec);
    if (!o.from.empty()) fail("--from needs --quant");
    if (o.hidden == 0 || o.layers == 0 || o.heads == 0 || o.ffn == 0) {
      fail("--hidden, --layers, --heads and --ffn are required");
    }
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
