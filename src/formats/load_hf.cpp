// A ModelDescription from a Hugging Face folder: config.json,
// generation_config.json (optional), and model.safetensors or shards listed
// in model.safetensors.index.json.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

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
  if (Status st = model.check_against_config(); !st.ok()) return st;
  return model;
}

}  // namespace servir
