#include "formats/synthetic_model.h"
#include "util/splitmix.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/gguf_model_metadata.h"
#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "formats/safetensors.h"
#include "formats/tensor_names.h"
#include "util/half.h"

namespace servir {
namespace {

namespace fs = std::filesystem;

constexpr float kWeightStddev = 0.02f;

bool is_norm(std::string_view name) { return name.find("norm") != std::string_view::npos; }

// Values of one tensor, converted to the storage type, into `out`. Rows of
// quantized types go through `encode` one row (`row_elements`) at a time.
void fill_tensor(const std::string& name, std::uint64_t seed, GgmlType type, std::int64_t row_elements,
                 const RowEncoder& encode, std::span<std::byte> out) {
  NormalGenerator gen(seed, name);
  const bool norm = is_norm(name);
  const auto& info = ggml_type_info(type);
  if (info.quantized) {
    const std::size_t row_bytes = *ggml_row_bytes(type, static_cast<std::uint64_t>(row_elements));
    std::vector<float> row(static_cast<std::size_t>(row_elements));
    for (std::size_t offset = 0; offset + row_bytes <= out.size(); offset += row_bytes) {
      for (auto& v : row) v = norm ? 1.0f : gen.next(kWeightStddev);
      encode(row.data(), out.data() + offset, row_elements);
    }
    return;
  }
  const std::size_t element_bytes = info.type_size;
  const std::size_t n = out.size() / element_bytes;
  for (std::size_t i = 0; i < n; ++i) {
    const float v = norm ? 1.0f : gen.next(kWeightStddev);
    std::byte* dst = out.data() + i * element_bytes;
    if (type == GgmlType::kF32) {
      std::memcpy(dst, &v, 4);
    } else {
      const std::uint16_t h = type == GgmlType::kF16 ? f32_to_f16(v) : f32_to_bf16(v);
      std::memcpy(dst, &h, 2);
    }
  }
}

// llama.cpp's rule for which layers get more bits in the "_M" mixes: the
// first and last eighth, and every third layer between.
bool use_more_bits(std::int64_t layer, std::int64_t n_layers) {
  return layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
}

// The storage type (and encoder) of one tensor of the spec.
std::pair<GgmlType, RowEncoder> tensor_type(const SyntheticModelSpec& spec, const ExpectedTensor& t) {
  if (t.is_vector) return {GgmlType::kF32, nullptr};
  if (spec.more_bits_type) {
    bool more = t.name == kOutput;
    for (const char* suffix : {".attn_v.weight", ".ffn_down.weight"}) {
      if (t.name.ends_with(suffix)) {
        const auto layer = std::stoll(t.name.substr(4, t.name.find('.', 4) - 4));
        more = use_more_bits(layer, spec.config.n_layers);
      }
    }
    if (more) return {*spec.more_bits_type, spec.encode_row_more_bits};
  }
  return {spec.type, spec.encode_row};
}

std::string_view hf_class_name(Architecture arch) {
  switch (arch) {
    case Architecture::kLlama:
      return "LlamaForCausalLM";
    case Architecture::kMistral:
      return "MistralForCausalLM";
    case Architecture::kQwen2:
      return "Qwen2ForCausalLM";
    case Architecture::kQwen3:
      return "Qwen3ForCausalLM";
  }
  return "";
}

Result<nlohmann::json> read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "{}: cannot open", path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  auto json = nlohmann::json::parse(ss.str(), nullptr, false);
  if (json.is_discarded()) return make_error(ErrorCode::kCorruptData, "{}: not valid JSON", path.string());
  return json;
}

bool is_gguf_path(const std::string& path) { return fs::path(path).extension() == ".gguf"; }

// Number of token ids a tokenizer.json defines (vocab plus added tokens).
Result<std::int64_t> tokenizer_json_vocab_size(const fs::path& path) {
  auto json = read_json(path);
  if (!json) return std::move(json).status();
  std::int64_t max_id = -1;
  if (json->contains("model") && (*json)["model"].contains("vocab") && (*json)["model"]["vocab"].is_object()) {
    for (const auto& [piece, id] : (*json)["model"]["vocab"].items()) {
      if (id.is_number_integer()) max_id = std::max(max_id, id.get<std::int64_t>());
    }
  }
  if (json->contains("added_tokens") && (*json)["added_tokens"].is_array()) {
    for (const auto& t : (*json)["added_tokens"]) {
      if (t.contains("id") && t["id"].is_number_integer()) max_id = std::max(max_id, t["id"].get<std::int64_t>());
    }
  }
  if (max_id < 0) return make_error(ErrorCode::kCorruptData, "{}: no vocabulary found", path.string());
  return max_id + 1;
}

// config.json's rope_scaling object (null without scaling).
nlohmann::json hf_rope_scaling_json(const RopeScaling& r) {
  if (r.type == RopeScalingType::kNone) return nullptr;
  nlohmann::json j = {{"rope_type", rope_scaling_name(r.type)}, {"factor", r.factor}};
  if (r.original_context_length > 0) j["original_max_position_embeddings"] = r.original_context_length;
  if (r.type == RopeScalingType::kLlama3) {
    j["low_freq_factor"] = r.low_freq_factor;
    j["high_freq_factor"] = r.high_freq_factor;
  }
  if (r.type == RopeScalingType::kYarn) {
    j["beta_fast"] = r.yarn_beta_fast;
    j["beta_slow"] = r.yarn_beta_slow;
    if (r.yarn_attention_factor) j["attention_factor"] = *r.yarn_attention_factor;
    if (r.yarn_mscale != 0) j["mscale"] = r.yarn_mscale;
    if (r.yarn_mscale_all_dim != 0) j["mscale_all_dim"] = r.yarn_mscale_all_dim;
    if (!r.yarn_truncate) j["truncate"] = false;
  }
  return j;
}

Status write_gguf(const SyntheticModelSpec& spec) {
  const ModelConfig& c = spec.config;
  const std::string arch(architecture_name(c.arch));
  GgufWriter writer;
  // llama.cpp's LLAMA_FTYPE numbering for the types testmodel writes.
  std::uint32_t file_type = 0;
  switch (spec.type) {
    case GgmlType::kF16:
      file_type = 1;
      break;
    case GgmlType::kQ4_0:
      file_type = 2;
      break;
    case GgmlType::kQ4_1:
      file_type = 3;
      break;
    case GgmlType::kQ8_0:
      file_type = 7;
      break;
    case GgmlType::kQ5_0:
      file_type = 8;
      break;
    case GgmlType::kQ5_1:
      file_type = 9;
      break;
    case GgmlType::kQ4_K:
      file_type = spec.more_bits_type ? 15 : 14;
      break;
    case GgmlType::kQ5_K:
      file_type = spec.more_bits_type ? 17 : 16;
      break;
    case GgmlType::kQ6_K:
      file_type = 18;
      break;
    case GgmlType::kBF16:
      file_type = 32;
      break;
    default:
      break;
  }
  const GgufGeneralInfo general{fmt::format("servir-testmodel-{}-seed{}", arch, spec.seed), file_type,
                                ggml_type_info(spec.type).quantized};
  if (Status st = set_gguf_model_metadata(c, general, writer); !st.ok()) return st;

  if (!spec.tokenizer_metadata.empty()) {
    for (const auto& [key, value] : spec.tokenizer_metadata) writer.set(key, value);
  } else if (spec.vocab_from) {
    auto file = GgufFile::open(*spec.vocab_from);
    if (!file) return std::move(file).status();
    for (const auto& [key, value] : file->metadata()) {
      if (key.starts_with("tokenizer.")) writer.set(key, value);
    }
  }
  for (const auto& t : expected_tensors(c)) {
    // GGUF writers keep 1-D tensors (norms, biases) in F32; ne is innermost first.
    // Named copies: clang 14 cannot capture structured bindings in lambdas.
    const auto typed = tensor_type(spec, t);
    const GgmlType type = typed.first;
    const RowEncoder encode = typed.second;
    std::vector<std::uint64_t> ne(t.shape.rbegin(), t.shape.rend());
    const std::uint64_t seed = spec.seed;
    const std::string name = t.name;
    const std::int64_t row = t.shape.back();
    Status st = writer.add_tensor(
        t.name, type, std::move(ne),
        [name, seed, type, row, encode](std::span<std::byte> out) { fill_tensor(name, seed, type, row, encode, out); });
    if (!st.ok()) return st;
  }
  if (!spec.rope_freqs.empty()) {
    if (spec.rope_freqs.size() != static_cast<std::size_t>(c.rope_dim / 2)) {
      return make_error(ErrorCode::kInvalidArgument, "rope_freqs has {} values, rope_dim {} needs {}",
                        spec.rope_freqs.size(), c.rope_dim, c.rope_dim / 2);
    }
    const std::vector<float> freqs = spec.rope_freqs;
    Status st =
        writer.add_tensor(std::string(kRopeFreqs), GgmlType::kF32, {freqs.size()},
                          [freqs](std::span<std::byte> out) { std::memcpy(out.data(), freqs.data(), out.size()); });
    if (!st.ok()) return st;
  }
  return writer.write(spec.out_path);
}

nlohmann::json hf_config_json(const SyntheticModelSpec& spec) {
  const ModelConfig& c = spec.config;
  nlohmann::json j = {
      {"architectures", {hf_class_name(c.arch)}},
      {"model_type", architecture_name(c.arch)},
      {"hidden_size", c.hidden_size},
      {"intermediate_size", c.ffn_size},
      {"num_hidden_layers", c.n_layers},
      {"num_attention_heads", c.n_heads},
      {"num_key_value_heads", c.n_kv_heads},
      {"head_dim", c.head_dim},
      {"max_position_embeddings", c.context_length},
      {"rms_norm_eps", c.rms_norm_eps},
      {"rope_theta", c.rope_theta},
      {"vocab_size", c.vocab_size},
      {"tie_word_embeddings", c.tied_embeddings},
      {"hidden_act", "silu"},
      {"torch_dtype", spec.type == GgmlType::kF32   ? "float32"
                      : spec.type == GgmlType::kF16 ? "float16"
                                                    : "bfloat16"},
      {"rope_scaling", hf_rope_scaling_json(c.rope_scaling)},
  };
  if (c.arch != Architecture::kQwen2) j["attention_bias"] = c.attention_bias;
  if (c.sliding_window) {
    j["sliding_window"] = *c.sliding_window;
    j["use_sliding_window"] = true;
  }
  if (c.bos_token_id) j["bos_token_id"] = *c.bos_token_id;
  if (!c.eos_token_ids.empty()) j["eos_token_id"] = c.eos_token_ids.front();
  return j;
}

Status write_hf(const SyntheticModelSpec& spec) {
  const fs::path folder(spec.out_path);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return make_error(ErrorCode::kIoError, "{}: cannot create folder: {}", folder.string(), ec.message());
  const std::string dtype(ggml_to_safetensors_dtype(spec.type));
  const auto tensors = expected_tensors(spec.config);
  const int n_shards = std::max(1, std::min<int>(spec.shards, static_cast<int>(tensors.size())));
  std::vector<SafetensorsWriter> writers(n_shards);
  nlohmann::json weight_map = nlohmann::json::object();
  auto shard_name = [&](int k) {
    return n_shards == 1 ? std::string("model.safetensors")
                         : fmt::format("model-{:05d}-of-{:05d}.safetensors", k + 1, n_shards);
  };
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    const int k = static_cast<int>(i * n_shards / tensors.size());
    const std::string hf_name = *internal_to_hf_name(t.name);
    const std::uint64_t seed = spec.seed;
    const GgmlType type = spec.type;
    const std::string name = t.name;  // values keyed by the internal name, as in the GGUF writer
    std::vector<std::uint64_t> shape(t.shape.begin(), t.shape.end());
    Status st = writers[k].add_tensor(hf_name, dtype, std::move(shape), [name, seed, type](std::span<std::byte> out) {
      fill_tensor(name, seed, type, 0, nullptr, out);
    });
    if (!st.ok()) return st;
    weight_map[hf_name] = shard_name(k);
  }
  for (int k = 0; k < n_shards; ++k) {
    writers[k].set_metadata("format", "pt");
    if (Status st = writers[k].write((folder / shard_name(k)).string()); !st.ok()) return st;
  }
  auto write_text = [&](const fs::path& path, const std::string& text) -> Status {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return make_error(ErrorCode::kIoError, "{}: write failed", path.string());
    return {};
  };
  if (n_shards > 1) {
    nlohmann::json index = {{"metadata", nlohmann::json::object()}, {"weight_map", weight_map}};
    if (Status st = write_text(folder / "model.safetensors.index.json", index.dump(2)); !st.ok()) return st;
  }
  if (Status st = write_text(folder / "config.json", hf_config_json(spec).dump(2) + "\n"); !st.ok()) return st;
  if (spec.vocab_from) {
    const fs::path source(*spec.vocab_from);
    fs::copy_file(source, folder / "tokenizer.json", fs::copy_options::overwrite_existing, ec);
    if (ec) return make_error(ErrorCode::kIoError, "{}: cannot copy: {}", source.string(), ec.message());
    for (const char* extra : {"tokenizer_config.json", "special_tokens_map.json"}) {
      if (fs::exists(source.parent_path() / extra, ec)) {
        fs::copy_file(source.parent_path() / extra, folder / extra, fs::copy_options::overwrite_existing, ec);
      }
    }
  }
  return {};
}

}  // namespace

NormalGenerator::NormalGenerator(std::uint64_t seed, std::string_view stream_name)
    : state_(seed ^ fnv1a64(stream_name)) {}

// splitmix64: tiny, fast, and identical on every platform (unlike
// std::normal_distribution, whose output is implementation-defined).
std::uint64_t NormalGenerator::next_u64() { return splitmix64_next(state_); }

float NormalGenerator::next(float stddev) {
  if (has_spare_) {
    has_spare_ = false;
    return static_cast<float>(spare_ * stddev);
  }
  // Box-Muller on two uniforms in (0, 1].
  const double u1 = (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53;
  const double u2 = static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
  has_spare_ = true;
  return static_cast<float>(r * std::cos(2.0 * std::numbers::pi * u2) * stddev);
}

Status complete_synthetic_spec(SyntheticModelSpec& spec) {
  ModelConfig& c = spec.config;
  const bool float_type = spec.type == GgmlType::kF32 || spec.type == GgmlType::kF16 || spec.type == GgmlType::kBF16;
  if (!float_type) {
    if (!spec.encode_row || (spec.more_bits_type && !spec.encode_row_more_bits)) {
      return make_error(ErrorCode::kInvalidArgument, "--type {} needs a quantizer, which this caller did not give",
                        ggml_type_name(spec.type));
    }
    if (!is_gguf_path(spec.out_path)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "--type {} is a GGUF type: write a .gguf (HF folders hold f32, f16 or bf16)",
                        ggml_type_name(spec.type));
    }
  }
  if (spec.shards < 1) return make_error(ErrorCode::kInvalidArgument, "--shards must be >= 1");
  if (spec.shards > 1 && is_gguf_path(spec.out_path)) {
    return make_error(ErrorCode::kInvalidArgument, "--shards applies to HF folders, not to a .gguf output");
  }
  if (c.n_kv_heads == 0) c.n_kv_heads = c.n_heads;
  if (c.head_dim == 0 && c.n_heads > 0) {
    if (c.hidden_size % c.n_heads != 0) {
      return make_error(ErrorCode::kInvalidArgument, "--hidden {} is not a multiple of --heads {}; give --head-dim",
                        c.hidden_size, c.n_heads);
    }
    c.head_dim = c.hidden_size / c.n_heads;
  }
  if (c.rope_dim == 0) c.rope_dim = c.head_dim;
  if (c.context_length == 0) c.context_length = 2048;
  c.attention_bias = c.arch == Architecture::kQwen2;
  c.qk_norm = c.arch == Architecture::kQwen3;
  c.rope_layout = (is_gguf_path(spec.out_path) && (c.arch == Architecture::kLlama || c.arch == Architecture::kMistral))
                      ? RopeLayout::kInterleaved
                      : RopeLayout::kNeox;
  if (spec.vocab_from) {
    const fs::path source(*spec.vocab_from);
    std::int64_t vocab = 0;
    if (source.extension() == ".json") {
      if (is_gguf_path(spec.out_path)) {
        if (spec.tokenizer_metadata.empty()) {
          return make_error(ErrorCode::kUnsupported,
                            "--vocab-from tokenizer.json into a .gguf needs its GGUF tokenizer metadata, which this "
                            "caller did not convert");
        }
        for (const auto& [key, value] : spec.tokenizer_metadata) {
          if (key == "tokenizer.ggml.tokens" && value.as_array() != nullptr) {
            vocab = static_cast<std::int64_t>(value.as_array()->values.size());
          } else if (key == "tokenizer.ggml.bos_token_id" && value.as_int()) {
            c.bos_token_id = *value.as_int();
          } else if (key == "tokenizer.ggml.eos_token_id" && value.as_int()) {
            c.eos_token_ids = {*value.as_int()};
          }
        }
      } else {
        auto n = tokenizer_json_vocab_size(source);
        if (!n) return std::move(n).status();
        vocab = *n;
      }
    } else {
      if (!is_gguf_path(spec.out_path)) {
        return make_error(ErrorCode::kUnsupported,
                          "--vocab-from a GGUF file writes .gguf outputs only; for an HF folder pass a tokenizer.json");
      }
      auto file = GgufFile::open(source.string());
      if (!file) return std::move(file).status();
      const GgufValue* tokens = file->find("tokenizer.ggml.tokens");
      if (tokens == nullptr || tokens->as_array() == nullptr) {
        return make_error(ErrorCode::kCorruptData, "{}: no tokenizer.ggml.tokens array", source.string());
      }
      vocab = static_cast<std::int64_t>(tokens->as_array()->values.size());
      if (const GgufValue* bos = file->find("tokenizer.ggml.bos_token_id")) {
        if (auto id = bos->as_int()) c.bos_token_id = *id;
      }
      if (const GgufValue* eos = file->find("tokenizer.ggml.eos_token_id")) {
        if (auto id = eos->as_int()) c.eos_token_ids = {*id};
      }
    }
    if (c.vocab_size != 0 && c.vocab_size != vocab) {
      return make_error(ErrorCode::kInvalidArgument, "--vocab {} disagrees with the {} tokens of {}", c.vocab_size,
                        vocab, source.string());
    }
    c.vocab_size = vocab;
  }
  return c.validate().with_prefix("testmodel");
}

nlohmann::json synthetic_hf_config_json(const SyntheticModelSpec& spec) { return hf_config_json(spec); }

void synthetic_tensor_values(std::uint64_t seed, const std::string& name, std::span<float> out) {
  NormalGenerator gen(seed, name);
  const bool norm = is_norm(name);
  for (float& v : out) v = norm ? 1.0f : gen.next(kWeightStddev);
}

Status write_synthetic_model(const SyntheticModelSpec& spec) {
  return is_gguf_path(spec.out_path) ? write_gguf(spec) : write_hf(spec);
}

}  // namespace servir
