// ModelDescription: one in-memory description of a model, whatever its
// source (a GGUF file, or a Hugging Face folder of safetensors shards).
//
// It owns the memory maps of the weight files (move-only) and a tensor table
// whose entries point into them: weights are used in place, never copied.
// Tensor names are servir's internal (GGUF-style) names; HF names are mapped
// on load. The table has been checked against the config: every tensor the
// architecture needs is present with the shape the config implies.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/config_parsers.h"
#include "formats/ggml_type.h"
#include "formats/gguf_reader.h"
#include "formats/gptq_awq_repack.h"
#include "formats/model_config.h"
#include "formats/quantization_config.h"
#include "formats/safetensors.h"
#include "util/string_hash.h"

namespace servir {

enum class ModelFormat : std::uint8_t { kGguf, kSafetensors };
std::string_view model_format_name(ModelFormat format);

struct TensorEntry {
  std::string name;                 // internal name
  std::string source_name;          // name in the file
  std::vector<std::int64_t> shape;  // outermost first: [rows, cols]
  GgmlType type = GgmlType::kF32;
  std::uint64_t n_elements = 0;
  std::uint64_t n_bytes = 0;
  const std::byte* data = nullptr;  // into a mapped weight file
  std::size_t file_index = 0;       // into ModelDescription::files()
  bool alias = false;               // shares another entry's bytes (tied embeddings)
  // A GPTQ/AWQ linear layer (ModelDescription::quantization()): `data` is
  // null and these point at its packed tensors; `type` and `n_bytes` are
  // those of the ggml blocks repack_linear() makes from them at load.
  std::optional<PackedLinearParts> packed;
};

struct ModelFile {
  std::string path;
  std::uint64_t size_bytes = 0;
  std::optional<std::string> sha256;  // set when verified or hashed
};

struct LoadOptions {
  // Hash every weight file and check it against `expected_sha256` or the
  // manifest (explicit, or found beside the model). A mismatch refuses to load.
  bool verify = false;
  std::optional<std::string> expected_sha256;
  std::optional<std::string> manifest_path;
};

class ModelDescription {
 public:
  ModelDescription() = default;
  ModelDescription(ModelDescription&&) noexcept = default;
  ModelDescription& operator=(ModelDescription&&) noexcept = default;
  ModelDescription(const ModelDescription&) = delete;
  ModelDescription& operator=(const ModelDescription&) = delete;

  ModelFormat format() const { return format_; }
  const std::string& path() const { return path_; }
  const ModelConfig& config() const { return config_; }
  const GenerationDefaults& generation_defaults() const { return generation_; }
  // config.json's quantization_config (GPTQ/AWQ checkpoints); nullopt otherwise.
  const std::optional<QuantizationConfig>& quantization() const { return quantization_; }
  const std::vector<TensorEntry>& tensors() const { return tensors_; }
  const std::vector<ModelFile>& files() const { return files_; }
  const TensorEntry* find(std::string_view name) const;

  // The GGUF file (its metadata carries the tokenizer and chat template);
  // nullptr for HF folders, whose tokenizer lives in `hf_folder()`.
  const GgufFile* gguf() const { return gguf_.get(); }
  const std::string& hf_folder() const { return hf_folder_; }
  // Source tensors that servir does not use (reported by `inspect`).
  const std::vector<std::string>& unused_tensors() const { return unused_tensors_; }
  // Where the digests were checked against, when verified.
  const std::optional<std::string>& verified_against() const { return verified_against_; }

  // Parameters, each tied/aliased tensor counted once.
  std::uint64_t parameter_count() const;
  std::uint64_t total_file_bytes() const;

 private:
  friend Result<ModelDescription> load_gguf_model(const std::string& path);
  friend Result<ModelDescription> load_hf_model(const std::string& folder);
  friend Result<ModelDescription> open_model(const std::string& path, const LoadOptions& options);

  void add_tensor(TensorEntry entry);
  // Resolves tied embeddings and checks names and shapes against the config.
  Status check_against_config();

  ModelFormat format_ = ModelFormat::kGguf;
  std::string path_;
  ModelConfig config_;
  GenerationDefaults generation_;
  std::optional<QuantizationConfig> quantization_;
  std::vector<TensorEntry> tensors_;
  StringMap<std::size_t> index_;
  std::vector<ModelFile> files_;
  std::unique_ptr<GgufFile> gguf_;
  std::vector<SafetensorsFile> shards_;
  std::string hf_folder_;
  std::vector<std::string> unused_tensors_;
  std::optional<std::string> verified_against_;
};

// Opens a model: a .gguf file, an HF folder (config.json + safetensors), or
// a .safetensors file inside such a folder. Pickle checkpoints are refused.
Result<ModelDescription> open_model(const std::string& path, const LoadOptions& options = {});

// The format-specific halves of open_model (no integrity checks).
Result<ModelDescription> load_gguf_model(const std::string& path);
Result<ModelDescription> load_hf_model(const std::string& folder);

}  // namespace servir
