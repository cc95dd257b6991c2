#include "formats/model_description.h"

#include <fmt/format.h>

#include "formats/tensor_names.h"

namespace servir {

std::string_view model_format_name(ModelFormat format) { return format == ModelFormat::kGguf ? "gguf" : "safetensors"; }

const TensorEntry* ModelDescription::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

void ModelDescription::add_tensor(TensorEntry entry) {
  index_.emplace(entry.name, tensors_.size());
  tensors_.push_back(std::move(entry));
}

std::uint64_t ModelDescription::parameter_count() const {
  std::uint64_t n = 0;
  for (const auto& t : tensors_) {
    if (!t.alias) n += t.n_elements;
  }
  return n;
}

std::uint64_t ModelDescription::total_file_bytes() const {
  std::uint64_t n = 0;
  for (const auto& f : files_) n += f.size_bytes;
  return n;
}

namespace {

std::string shape_string(const std::vector<std::int64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

}  // namespace

Status ModelDescription::check_against_config() {
  const std::string& source = path_;
  // Tied embeddings: one matrix serves as both the embedding table and the
  // output projection. Checkpoints store either name (tinystories-656k keeps
  // only lm_head.weight); the missing one becomes an alias of the other.
  const bool has_embd = find(kTokenEmbd) != nullptr;
  const bool has_output = find(kOutput) != nullptr;
  if (config_.tied_embeddings && !has_embd && has_output) {
    TensorEntry alias = *find(kOutput);
    alias.name = std::string(kTokenEmbd);
    alias.alias = true;
    add_tensor(std::move(alias));
  } else if (!has_output && has_embd) {
    config_.tied_embeddings = true;
  }
  if (config_.tied_embeddings && find(kOutput) == nullptr && find(kTokenEmbd) != nullptr) {
    TensorEntry alias = *find(kTokenEmbd);
    alias.name = std::string(kOutput);
    alias.alias = true;
    add_tensor(std::move(alias));
  }

  for (const auto& expected : expected_tensors(config_)) {
    const TensorEntry* t = find(expected.name);
    if (t == nullptr) {
      return make_error(ErrorCode::kCorruptData, "{}: missing tensor '{}' (required by the {} architecture)", source,
                        expected.name, architecture_name(config_.arch));
    }
    if (t->shape != expected.shape) {
      return make_error(ErrorCode::kCorruptData, "{}: tensor '{}' has shape {} but the config implies {}", source,
                        t->source_name, shape_string(t->shape), shape_string(expected.shape));
    }
  }
  if (const TensorEntry* out = find(kOutput)) {
    if (out->shape != std::vector<std::int64_t>{config_.vocab_size, config_.hidden_size}) {
      return make_error(ErrorCode::kCorruptData, "{}: tensor '{}' has shape {} but the config implies [{}, {}]", source,
                        out->source_name, shape_string(out->shape), config_.vocab_size, config_.hidden_size);
    }
  }
  if (config_.rope_scaling.freq_factors_tensor) {
    const TensorEntry* freqs = find(kRopeFreqs);
    if (freqs == nullptr || freqs->shape != std::vector<std::int64_t>{config_.rope_dim / 2} ||
        freqs->type != GgmlType::kF32) {
      return make_error(ErrorCode::kCorruptData, "{}: '{}' must be F32 of shape [{}]", source, kRopeFreqs,
                        config_.rope_dim / 2);
    }
  }
  return {};
}

}  // namespace servir
