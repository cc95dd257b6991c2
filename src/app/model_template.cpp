#include "app/model_template.h"

#include "formats/gguf_reader.h"
#include "tokenizer/chat_template/chat_template.h"

namespace servir::app {

namespace fs = std::filesystem;

Result<std::string> template_of_model(const fs::path& path, const std::string& name) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return read_chat_template_file(path / "tokenizer_config.json", name);
  if (path.extension() == ".json") return read_chat_template_file(path, name);
  auto gguf = GgufFile::open(path.string());
  if (!gguf) return std::move(gguf).status();
  const std::string key =
      name.empty() || name == "default" ? "tokenizer.chat_template" : "tokenizer.chat_template." + name;
  const GgufValue* value = gguf->find(key);
  if (value == nullptr || value->as_string() == nullptr) {
    return make_error(ErrorCode::kNotFound, "{}: no '{}' string in the GGUF metadata", path.string(), key);
  }
  return *value->as_string();
}

}  // namespace servir::app
