// A ModelDescription from a Hugging Face folder: config.json,
// generation_config.json (optional), and model.safetensors or shards listed
// in model.safetensors.index.json.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "formats/gptq_awq_repack.h"
#include "formats/model_description.h"
#include "formats/tensor_names.h"

namespace servir {
namespace {

namespace fs = std::filesystem;

// JSON files beside a model are small; a huge one is a mistake or an attack.
constexpr std::uintmax_t kMaxJsonBytes = 64 << 20;

Result<nlohmann::json> read_json_file(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return make_error(ErrorCode::kNotFound, "{}: cannot read: {}", path.string(), ec.message());
  if (size > kMaxJsonBytes) {
    return make_error(ErrorCode::kCorruptData, "{}: {} bytes is too large for a JSON config", path.string(), size);
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto json = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return make_error(ErrorCode::kCorruptData, "{}: not valid JSON", path.string());
  return json;
}

// The shard files in order, from the index or the single-file layout.
Result<std::vector<fs::path>> find_shards(const fs::path& folder) {
  const auto single = folder / "model.safetensors";
  const auto index = folder / "model.safetensors.index.json";
  std::error_code ec;
  if (fs::exists(index, ec)) {
    auto json = read_json_file(index);
    if (!json) return std::move(json).status();
    if (!json->is_object() || !json->contains("weight_map") || !(*json)["weight_map"].is_object()) {
      return make_error(ErrorCode::kCorruptData, "{}: missing object 'weight_map'", index.string());
    }
    std::set<std::string> names;
    for (const auto& [tensor, file] : (*json)["weight_map"].items()) {
      if (!file.is_string()) {
        return make_error(ErrorCode::kCorruptData, "{}: weight_map['{}'] is not a file name", index.string(), tensor);
      }
      const auto name = file.get<std::string>();
      // Shards must be plain names inside the folder, never paths out of it.
      if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos || name == "." ||
          name == "..") {
        return make_error(ErrorCode::kCorruptData, "{}: shard name '{}' is not a file in the model folder",
                          index.string(), name);
      }
      names.insert(name);
    }
    if (names.empty()) return make_error(ErrorCode::kCorruptData, "{}: weight_map is empty", index.string());
    std::vector<fs::path> shards;
    for (const auto& n : names) shards.push_back(folder / n);
    return shards;
  }
  if (fs::exists(single, ec)) return std::vector<fs::path>{single};
  return make_error(ErrorCode::kNotFound, "{}: no model.safetensors or model.safetensors.index.json", folder.string());
}

// One packed tensor of a GPTQ/AWQ linear layer, as found in a shard.
struct PackedPart {
  std::string name;  // in the file
  std::string dtype;
  std::vector<std::int64_t> shape;
  const std::byte* data = nullptr;
  std::size_t file_index = 0;
};

struct PackedLinear {
  std::optional<PackedPart> qweight, qzeros, scales, g_idx;
};

constexpr std::string_view kPackedSuffixes[] = {".qweight", ".qzeros", ".scales", ".g_idx"};

// "model.layers.0.self_attn.q_proj.qweight" -> (internal name of the
// layer's weight, which part); nullopt for other tensors.
std::optional<std::pair<std::string, std::size_t>> packed_part_of(std::string_view hf_name) {
  for (std::size_t i = 0; i < std::size(kPackedSuffixes); ++i) {
    if (!hf_name.ends_with(kPackedSuffixes[i])) continue;
    const std::string weight = std::string(hf_name.substr(0, hf_name.size() - kPackedSuffixes[i].size())) + ".weight";
    auto internal = hf_to_internal_name(weight);
    if (!internal) return std::nullopt;
    return std::make_pair(*internal, i);
  }
  return std::nullopt;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The table entry of one packed linear layer, its parts checked against the
// shapes and dtypes the quantization config and the layer's [out, in] imply.
Result<TensorEntry> packed_entry(const QuantizationConfig& q, const std::string& internal, const PackedLinear& p,
                                 const std::vector<std::int64_t>& shape, const std::string& source) {
  const char* part_names[] = {"qweight", "qzeros", "scales"};
  const std::optional<PackedPart>* required[] = {&p.qweight, &p.qzeros, &p.scales};
  for (int i = 0; i < 3; ++i) {
    if (!*required[i]) {
      return make_error(ErrorCode::kCorruptData, "{}: {} layer '{}' has no {} tensor", source,
                        quant_method_name(q.method), internal, part_names[i]);
    }
  }
  auto expected = packed_shapes(q, shape[0], shape[1]);
  if (!expected) return std::move(expected).status().with_prefix(source + ": " + internal);
  auto check = [&](const PackedPart& part, std::string_view dtype, const std::vector<std::int64_t>& want) -> Status {
    if (part.dtype != dtype) {
      return make_error(ErrorCode::kCorruptData, "{}: '{}' has dtype {}, {} expects {}", source, part.name, part.dtype,
                        quant_method_name(q.method), dtype);
    }
    if (part.shape != want) {
      return make_error(ErrorCode::kCorruptData, "{}: '{}' has shape {} but {} ({}) implies {}", source, part.name,
                        shape_text(part.shape), q.describe(), shape_text(shape), shape_text(want));
    }
    return {};
  };
  for (Status st : {check(*p.qweight, "I32", expected->qweight), check(*p.qzeros, "I32", expected->qzeros),
                    check(*p.scales, "F16", expected->scales)}) {
    if (!st.ok()) return st;
  }
  if (p.g_idx) {
    if (q.method != QuantMethod::kGptq) {
      return make_error(ErrorCode::kCorruptData, "{}: '{}': AWQ checkpoints have no g_idx", source, p.g_idx->name);
    }
    if (Status st = check(*p.g_idx, "I32", expected->g_idx); !st.ok()) return st;
  }
  TensorEntry entry;
  entry.name = internal;
  entry.source_name = p.qweight->name;
  entry.shape = shape;
  entry.type = q.bits == 4 ? GgmlType::kQ4_0 : GgmlType::kQ8_0;
  entry.n_elements = static_cast<std::uint64_t>(shape[0] * shape[1]);
  entry.n_bytes =
      *ggml_row_bytes(entry.type, static_cast<std::uint64_t>(shape[1])) * static_cast<std::uint64_t>(shape[0]);
  entry.file_index = p.qweight->file_index;
  entry.packed = PackedLinearParts{p.qweight->data, p.qzeros->data, p.scales->data, p.g_idx ? p.g_idx->data : nullptr};
  return entry;
}

}  // namespace

Result<ModelDescription> load_hf_model(const std::string& folder_arg) {
  const fs::path folder(folder_arg);
  const auto config_path = folder / "config.json";
  auto config_json = read_json_file(config_path);
  if (!config_json) return std::move(config_json).status();
  auto config = config_from_hf_json(*config_json, config_path.string());
  if (!config) return std::move(config).status();

  ModelDescription model;
  model.format_ = ModelFormat::kSafetensors;
  model.path_ = folder_arg;
  model.hf_folder_ = folder_arg;
  model.config_ = *config;
  auto quantization = quantization_from_hf_json(*config_json, config_path.string());
  if (!quantization) return std::move(quantization).status();
  model.quantization_ = *quantization;
  std::map<std::string, PackedLinear> packed;
  const auto generation_path = folder / "generation_config.json";
  std::error_code ec;
  if (fs::exists(generation_path, ec)) {
    auto generation = read_json_file(generation_path);
    if (!generation) return std::move(generation).status();
    auto defaults = apply_hf_generation_config(*generation, generation_path.string(), model.config_);
    if (!defaults) return std::move(defaults).status();
    model.generation_ = *defaults;
  }

  auto shards = find_shards(folder);
  if (!shards) return std::move(shards).status();
  for (const auto& shard_path : *shards) {
    auto shard = SafetensorsFile::open(shard_path.string());
    if (!shard) return std::move(shard).status();
    const std::size_t file_index = model.files_.size();
    model.files_.push_back({shard_path.string(), shard->file_size(), std::nullopt});
    for (const auto& t : shard->tensors()) {
      if (is_ignorable_hf_tensor(t.name)) continue;
      if (model.quantization_) {
        if (auto part = packed_part_of(t.name)) {
          PackedLinear& linear = packed[part->first];
          std::optional<PackedPart>* slots[] = {&linear.qweight, &linear.qzeros, &linear.scales, &linear.g_idx};
          if (*slots[part->second]) {
            return make_error(ErrorCode::kCorruptData, "{}: tensor '{}' appears twice", shard_path.string(), t.name);
          }
          *slots[part->second] = PackedPart{t.name, t.dtype, std::vector<std::int64_t>(t.shape.begin(), t.shape.end()),
                                            t.data, file_index};
          continue;
        }
      }
      auto internal = hf_to_internal_name(t.name);
      if (!internal) {
        model.unused_tensors_.push_back(t.name);
        continue;
      }
      if (const TensorEntry* existing = model.find(*internal)) {
        return make_error(ErrorCode::kCorruptData, "{}: tensor '{}' appears twice (also in {})", shard_path.string(),
                          t.name, model.files_[existing->file_index].path);
      }
      const auto type = safetensors_dtype_to_ggml(t.dtype);
      if (!type) {
        return make_error(ErrorCode::kUnsupported,
                          "{}: tensor '{}' has unsupported dtype {} (servir loads F32, F16 and BF16 safetensors)",
                          shard_path.string(), t.name, t.dtype);
      }
      TensorEntry entry;
      entry.name = *internal;
      entry.source_name = t.name;
      entry.shape.assign(t.shape.begin(), t.shape.end());
      entry.type = *type;
      entry.n_elements = t.n_elements;
      entry.n_bytes = t.n_bytes;
      entry.data = t.data;
      entry.file_index = file_index;
      model.add_tensor(std::move(entry));
    }
    model.shards_.push_back(std::move(*shard));
  }
  if (model.quantization_) {
    const auto expected = expected_tensors(model.config_);
    for (const auto& [internal, parts] : packed) {
      // A named copy: clang 14 cannot capture structured bindings in lambdas.
      const std::string& name = internal;
      auto it = std::find_if(expected.begin(), expected.end(), [&](const auto& e) { return e.name == name; });
      if (it == expected.end() || it->is_vector || it->shape.size() != 2) {
        model.unused_tensors_.push_back(internal);
        continue;
      }
      if (model.find(internal) != nullptr) {
        return make_error(ErrorCode::kCorruptData, "{}: '{}' is stored both packed and as a float weight", folder_arg,
                          internal);
      }
      auto entry = packed_entry(*model.quantization_, internal, parts, it->shape, folder_arg);
      if (!entry) return std::move(entry).status();
      model.add_tensor(std::move(*entry));
    }
  }
  if (Status st = model.check_against_config(); !st.ok()) return st;
  return model;
}

}  // namespace servir
