// `servir inspect PATH [--json] [--verify] [--sha256 HEX] [--manifest FILE]`
//
// The --json output is a stable interface, documented in README.md.
#include <cstdio>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "formats/model_description.h"

namespace servir::app {
namespace {

struct InspectOptions {
  std::string path;
  bool json = false;
  bool verify = false;
  std::string sha256;
  std::string manifest;
  bool list_tensors = false;
};

struct TypeStats {
  std::uint64_t tensors = 0;
  std::uint64_t parameters = 0;
  std::uint64_t bytes = 0;
};

std::map<std::string, TypeStats> type_histogram(const ModelDescription& model) {
  std::map<std::string, TypeStats> out;
  for (const auto& t : model.tensors()) {
    if (t.alias) continue;
    // GPTQ/AWQ layers by their source form; bytes are those after the re-pack at load.
    const std::string name = t.packed && model.quantization()
                                 ? fmt::format("{}{}->{}", quant_method_name(model.quantization()->method),
                                               model.quantization()->bits, ggml_type_name(t.type))
                                 : std::string(ggml_type_name(t.type));
    auto& s = out[name];
    ++s.tensors;
    s.parameters += t.n_elements;
    s.bytes += t.n_bytes;
  }
  return out;
}

nlohmann::json rope_scaling_json(const RopeScaling& r) {
  nlohmann::json j = {{"type", rope_scaling_name(r.type)}};
  if (r.type == RopeScalingType::kNone) return j;
  j["factor"] = r.factor;
  j["original_context_length"] = r.original_context_length;
  if (r.type == RopeScalingType::kLlama3) {
    j["low_freq_factor"] = r.low_freq_factor;
    j["high_freq_factor"] = r.high_freq_factor;
    j["freq_factors_tensor"] = r.freq_factors_tensor;
  }
  if (r.type == RopeScalingType::kYarn) {
    j["beta_fast"] = r.yarn_beta_fast;
    j["beta_slow"] = r.yarn_beta_slow;
    j["truncate"] = r.yarn_truncate;
    if (r.yarn_mscale != 0) j["mscale"] = r.yarn_mscale;
    if (r.yarn_mscale_all_dim != 0) j["mscale_all_dim"] = r.yarn_mscale_all_dim;
    // The cos/sin multiplier in effect, stated or derived.
    j["attention_factor"] = yarn_attention_factor(r);
  }
  return j;
}

nlohmann::json tokenizer_json(const ModelDescription& model) {
  if (const GgufFile* gguf = model.gguf()) {
    const GgufValue* kind = gguf->find("tokenizer.ggml.model");
    const GgufValue* tokens = gguf->find("tokenizer.ggml.tokens");
    if (kind == nullptr || kind->as_string() == nullptr) return nullptr;
    nlohmann::json j = {{"source", "gguf"}, {"model", *kind->as_string()}};
    if (tokens != nullptr && tokens->as_array() != nullptr) j["tokens"] = tokens->as_array()->values.size();
    if (const GgufValue* pre = gguf->find("tokenizer.ggml.pre"); pre && pre->as_string()) j["pre"] = *pre->as_string();
    j["chat_template"] = gguf->find("tokenizer.chat_template") != nullptr;
    return j;
  }
  std::error_code ec;
  const auto file = std::filesystem::path(model.hf_folder()) / "tokenizer.json";
  if (!std::filesystem::exists(file, ec)) return nullptr;
  return {{"source", "tokenizer.json"}, {"path", file.string()}};
}

nlohmann::json to_json(const ModelDescription& model, bool list_tensors) {
  const ModelConfig& c = model.config();
  nlohmann::json j;
  j["path"] = model.path();
  j["format"] = model_format_name(model.format());
  if (const GgufFile* gguf = model.gguf()) j["gguf_version"] = gguf->version();
  j["architecture"] = architecture_name(c.arch);
  j["hyperparameters"] = {
      {"hidden_size", c.hidden_size},
      {"n_layers", c.n_layers},
      {"n_heads", c.n_heads},
      {"n_kv_heads", c.n_kv_heads},
      {"head_dim", c.head_dim},
      {"ffn_size", c.ffn_size},
      {"vocab_size", c.vocab_size},
      {"context_length", c.context_length},
      {"rope_theta", c.rope_theta},
      {"rope_dim", c.rope_dim},
      {"rope_layout", c.rope_layout == RopeLayout::kNeox ? "neox" : "interleaved"},
      {"rope_scaling", rope_scaling_json(c.rope_scaling)},
      {"rms_norm_eps", c.rms_norm_eps},
      {"attention_bias", c.attention_bias},
      {"qk_norm", c.qk_norm},
      {"tied_embeddings", c.tied_embeddings},
      {"sliding_window", c.sliding_window ? nlohmann::json(*c.sliding_window) : nlohmann::json(nullptr)},
      {"bos_token_id", c.bos_token_id ? nlohmann::json(*c.bos_token_id) : nlohmann::json(nullptr)},
      {"eos_token_ids", c.eos_token_ids},
  };
  if (const auto& q = model.quantization()) {
    j["quantization"] = {{"method", quant_method_name(q->method)},
                         {"bits", q->bits},
                         {"group_size", q->group_size},
                         {"act_order", q->act_order},
                         {"symmetric", q->symmetric},
                         {"checkpoint_format", q->checkpoint_format}};
  } else {
    j["quantization"] = nullptr;
  }
  j["parameter_count"] = model.parameter_count();
  j["tensor_count"] = model.tensors().size();
  nlohmann::json types = nlohmann::json::object();
  for (const auto& [name, s] : type_histogram(model)) {
    types[name] = {{"tensors", s.tensors}, {"parameters", s.parameters}, {"bytes", s.bytes}};
  }
  j["tensor_types"] = types;
  j["file_size_bytes"] = model.total_file_bytes();
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : model.files()) {
    nlohmann::json fj = {{"path", f.path}, {"size_bytes", f.size_bytes}};
    fj["sha256"] = f.sha256 ? nlohmann::json(*f.sha256) : nlohmann::json(nullptr);
    files.push_back(fj);
  }
  j["files"] = files;
  j["verified_against"] =
      model.verified_against() ? nlohmann::json(*model.verified_against()) : nlohmann::json(nullptr);
  j["tokenizer"] = tokenizer_json(model);
  j["unused_tensors"] = model.unused_tensors();
  if (list_tensors) {
    nlohmann::json tensors = nlohmann::json::array();
    for (const auto& t : model.tensors()) {
      tensors.push_back({{"name", t.name},
                         {"source_name", t.source_name},
                         {"shape", t.shape},
                         {"type", ggml_type_name(t.type)},
                         {"bytes", t.n_bytes},
                         {"alias", t.alias}});
    }
    j["tensors"] = tensors;
  }
  return j;
}

std::string human_count(std::uint64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.2f} B", static_cast<double>(n) / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.2f} M", static_cast<double>(n) / 1e6);
  if (n >= 1'000) return fmt::format("{:.1f} K", static_cast<double>(n) / 1e3);
  return fmt::format("{}", n);
}

void print_text(const ModelDescription& model, bool list_tensors) {
  const ModelConfig& c = model.config();
  fmt::print("path            {}\n", model.path());
  fmt::print("format          {}", model_format_name(model.format()));
  if (model.gguf()) fmt::print(" v{}", model.gguf()->version());
  fmt::print("\narchitecture    {}\n", architecture_name(c.arch));
  fmt::print("parameters      {} ({})\n", human_count(model.parameter_count()), model.parameter_count());
  fmt::print("file size       {} bytes in {} file(s)\n", model.total_file_bytes(), model.files().size());
  fmt::print("hidden {}  layers {}  heads {}  kv heads {}  head_dim {}  ffn {}  vocab {}  context {}\n", c.hidden_size,
             c.n_layers, c.n_heads, c.n_kv_heads, c.head_dim, c.ffn_size, c.vocab_size, c.context_length);
  fmt::print("rope theta {} dim {} layout {} scaling {}", c.rope_theta, c.rope_dim,
             c.rope_layout == RopeLayout::kNeox ? "neox" : "interleaved", rope_scaling_name(c.rope_scaling.type));
  if (c.rope_scaling.type != RopeScalingType::kNone) fmt::print(" x{}", c.rope_scaling.factor);
  if (c.rope_scaling.type == RopeScalingType::kYarn) {
    const RopeScaling& r = c.rope_scaling;
    fmt::print(" (original context {}, beta fast {} slow {}, attention factor {:.6g})", r.original_context_length,
               r.yarn_beta_fast, r.yarn_beta_slow, yarn_attention_factor(r));
  }
  fmt::print("\nrms_norm_eps {}  qkv bias {}  qk norm {}  tied embeddings {}\n", c.rms_norm_eps, c.attention_bias,
             c.qk_norm, c.tied_embeddings);
  if (const auto& q = model.quantization()) {
    fmt::print("quantization    {} (method {}, bits {}, group size {}, act-order {}; re-packed to {} at load)\n",
               q->describe(), quant_method_name(q->method), q->bits, q->group_size, q->act_order ? "yes" : "no",
               q->bits == 4 ? "Q4_0 + f32 group offsets where asymmetric" : "Q8_0");
  }
  fmt::print("tensor types:\n");
  for (const auto& [name, s] : type_histogram(model)) {
    fmt::print("  {:<14} {:>5} tensors {:>14} params {:>14} bytes\n", name, s.tensors, s.parameters, s.bytes);
  }
  for (const auto& f : model.files()) {
    fmt::print("file {}  {} bytes", f.path, f.size_bytes);
    if (f.sha256) fmt::print("  sha256 {}", *f.sha256);
    fmt::print("\n");
  }
  if (model.verified_against()) fmt::print("verified against {}\n", *model.verified_against());
  if (!model.unused_tensors().empty()) fmt::print("unused tensors: {}\n", fmt::join(model.unused_tensors(), ", "));
  if (list_tensors) {
    for (const auto& t : model.tensors()) {
      fmt::print("  {:<32} {:<6} [{}]{}\n", t.name, ggml_type_name(t.type), fmt::join(t.shape, ", "),
                 t.alias ? " (alias)" : "");
    }
  }
}

}  // namespace

void register_inspect_command(CLI::App& app) {
  static InspectOptions opts;
  auto* cmd = app.add_subcommand("inspect", "Describe a model: format, architecture, sizes, tensor types");
  cmd->add_option("path", opts.path, "GGUF file or Hugging Face model folder")->required();
  cmd->add_flag("--json", opts.json, "Machine-readable output (schema in README.md)");
  cmd->add_flag("--verify", opts.verify,
                "Hash every weight file (SHA-256) and check it against --sha256 or a manifest");
  cmd->add_option("--sha256", opts.sha256, "Expected SHA-256 of a single-file model (implies --verify)");
  cmd->add_option("--manifest", opts.manifest, "sha256sum-format manifest (default: beside the model)");
  cmd->add_flag("--tensors", opts.list_tensors, "List every tensor");
  cmd->callback([] {
    LoadOptions load;
    load.verify = opts.verify;
    if (!opts.sha256.empty()) load.expected_sha256 = opts.sha256;
    if (!opts.manifest.empty()) load.manifest_path = opts.manifest;
    auto model = open_model(opts.path, load);
    if (!model) fail(model.status().to_string(), model.status().code() == ErrorCode::kIntegrity ? 3 : 1);
    if (opts.json) {
      std::fputs((to_json(*model, opts.list_tensors).dump(2) + "\n").c_str(), stdout);
    } else {
      print_text(*model, opts.list_tensors);
    }
  });
}

}  // namespace servir::app
