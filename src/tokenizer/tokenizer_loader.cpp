// load_tokenizer: picks the format from the path and the file's first bytes.
#include "tokenizer/tokenizer_loader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace servir {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxTokenizerFileBytes = std::uintmax_t{1} << 30;

Result<std::string> read_whole_file(const fs::path& path) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return make_error(ErrorCode::kIoError, "{}: {}", path.string(), ec.message());
  if (size > kMaxTokenizerFileBytes)
    return make_error(ErrorCode::kResourceExhausted, "{}: file too large", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIoError, "{}: cannot open", path.string());
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size)
    return make_error(ErrorCode::kIoError, "{}: short read", path.string());
  return bytes;
}

Result<Tokenizer> from_spec(Result<TokenizerSpec> spec) {
  if (!spec.ok()) return spec.status();
  return Tokenizer::create(std::move(spec).value());
}

Result<Tokenizer> load_hf_json(const fs::path& json_path) {
  Result<std::string> json = read_whole_file(json_path);
  if (!json.ok()) return json.status();
  std::string config;
  const fs::path config_path = json_path.parent_path() / "tokenizer_config.json";
  std::error_code ec;
  if (fs::exists(config_path, ec)) {
    Result<std::string> bytes = read_whole_file(config_path);
    if (!bytes.ok()) return bytes.status();
    config = std::move(bytes).value();
  }
  return from_spec(tokenizer_spec_from_hf(*json, config, json_path.string()));
}

}  // namespace

Result<Tokenizer> load_tokenizer(const std::string& path) {
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) {
    if (fs::exists(p / "tokenizer.json", ec)) return load_hf_json(p / "tokenizer.json");
    if (fs::exists(p / "tokenizer.model", ec)) return load_tokenizer((p / "tokenizer.model").string());
    return make_error(ErrorCode::kNotFound, "{}: no tokenizer.json or tokenizer.model in this folder", path);
  }
  if (!fs::exists(p, ec)) return make_error(ErrorCode::kNotFound, "{}: no such file", path);
  char magic[4] = {};
  {
    std::ifstream in(p, std::ios::binary);
    if (!in) return make_error(ErrorCode::kIoError, "{}: cannot open", path);
    in.read(magic, 4);
  }
  if (std::string_view(magic, 4) == "GGUF") {
    Result<GgufFile> file = GgufFile::open(path);
    if (!file.ok()) return file.status();
    return from_spec(tokenizer_spec_from_gguf(*file));
  }
  if (p.extension() == ".json" || magic[0] == '{') return load_hf_json(p);
  Result<std::string> bytes = read_whole_file(p);
  if (!bytes.ok()) return bytes.status();
  const auto* data = reinterpret_cast<const std::byte*>(bytes->data());
  return from_spec(tokenizer_spec_from_sentencepiece({data, bytes->size()}, path));
}

}  // namespace servir
