// A ModelDescription from a GGUF file: tensors are used in place from the map.
#include <unordered_set>

#include "formats/model_description.h"
#include "formats/tensor_names.h"

namespace servir {

Result<ModelDescription> load_gguf_model(const std::string& path) {
  auto file = GgufFile::open(path);
  if (!file) return std::move(file).status();
  if (file->tensors().empty()) {
    return make_error(ErrorCode::kInvalidArgument, "{}: has no tensors (a vocab-only GGUF?): nothing to run", path);
  }
  auto config = config_from_gguf(*file);
  if (!config) return std::move(config).status();

  ModelDescription model;
  model.format_ = ModelFormat::kGguf;
  model.path_ = path;
  model.config_ = *config;
  model.files_.push_back({path, file->file_size(), std::nullopt});

  std::unordered_set<std::string> known;
  for (const auto& t : expected_tensors(model.config_)) known.insert(t.name);
  known.insert(std::string(kOutput));
  known.insert(std::string(kRopeFreqs));

  for (const auto& info : file->tensors()) {
    if (!known.contains(info.name)) {
      model.unused_tensors_.push_back(info.name);
      continue;
    }
    TensorEntry entry;
    entry.name = info.name;
    entry.source_name = info.name;
    entry.shape.assign(info.ne.rbegin(), info.ne.rend());  // GGUF lists the innermost dimension first
    entry.type = info.type;
    entry.n_elements = info.n_elements;
    entry.n_bytes = info.n_bytes;
    entry.data = info.data;
    model.add_tensor(std::move(entry));
  }
  model.gguf_ = std::make_unique<GgufFile>(std::move(*file));
  if (Status st = model.check_against_config(); !st.ok()) return st;
  return model;
}

}  // namespace servir
