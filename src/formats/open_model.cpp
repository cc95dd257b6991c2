// open_model: format detection, refusal of pickle checkpoints, and integrity
// verification before any weight is parsed.
#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "formats/integrity.h"
#include "formats/model_description.h"

namespace servir {
namespace {

namespace fs = std::filesystem;

constexpr std::array kPickleExtensions = {".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle"};

bool is_pickle_path(const fs::path& path) {
  auto ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(kPickleExtensions.begin(), kPickleExtensions.end(), ext) != kPickleExtensions.end();
}

Status refuse_pickle(const fs::path& path) {
  return make_error(ErrorCode::kUnsafeFormat,
                    "{}: refusing to load a pickle checkpoint: unpickling can execute arbitrary code. Convert it to "
                    "safetensors (e.g. with transformers' save_pretrained(..., safe_serialization=True)) or to GGUF",
                    path.string());
}

bool has_gguf_magic(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

// The weight files that make up the model at `path`, before parsing them.
Result<std::vector<fs::path>> weight_files(const fs::path& path, bool is_folder) {
  if (!is_folder) return std::vector<fs::path>{path};
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.path().extension() == ".safetensors") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

Status verify_files(const fs::path& model_path, bool is_folder, const LoadOptions& options,
                    std::vector<ModelFile>& hashed, std::optional<std::string>& against) {
  auto files = weight_files(model_path, is_folder);
  if (!files) return std::move(files).status();
  std::optional<Sha256Manifest> manifest;
  std::optional<std::string> expected;
  if (options.expected_sha256) {
    if (files->size() != 1) {
      return make_error(ErrorCode::kInvalidArgument,
                        "--sha256 names one digest but {} has {} weight files; use a sha256sum manifest",
                        model_path.string(), files->size());
    }
    auto hex = normalize_sha256_hex(*options.expected_sha256);
    if (!hex) return std::move(hex).status().with_prefix("--sha256");
    expected = *hex;
    against = "--sha256";
  } else {
    std::optional<fs::path> manifest_path;
    if (options.manifest_path) {
      manifest_path = *options.manifest_path;
    } else {
      manifest_path = find_sha256_manifest(model_path);
    }
    if (manifest_path) {
      auto m = read_sha256_manifest(*manifest_path);
      if (!m) return std::move(m).status();
      manifest = std::move(*m);
      against = manifest_path->string();
    }
  }
  for (const auto& file : *files) {
    auto digest = sha256_file(file.string());
    if (!digest) return std::move(digest).status();
    std::optional<std::string> want = expected;
    if (manifest) {
      want = manifest->expected_for(file);
      if (!want) {
        return make_error(ErrorCode::kIntegrity, "{}: not listed in the manifest {}", file.string(),
                          manifest->path.string());
      }
    }
    if (want && *want != *digest) {
      return make_error(ErrorCode::kIntegrity, "{}: SHA-256 mismatch: expected {}, file has {}; refusing to load",
                        file.string(), *want, *digest);
    }
    hashed.push_back({file.string(), 0, *digest});
  }
  if (!against)
    spdlog::warn("{}: --verify without --sha256 or a manifest: digests computed, not checked", model_path.string());
  return {};
}

}  // namespace

Result<ModelDescription> open_model(const std::string& path_arg, const LoadOptions& options) {
  fs::path path(path_arg);
  std::error_code ec;
  if (!fs::exists(path, ec)) return make_error(ErrorCode::kNotFound, "{}: no such file or folder", path_arg);
  bool is_folder = fs::is_directory(path, ec);

  if (!is_folder && is_pickle_path(path)) return refuse_pickle(path);
  if (!is_folder && path.extension() == ".safetensors") {
    path = path.parent_path().empty() ? fs::path(".") : path.parent_path();  // the folder holds config.json
    is_folder = true;
  }
  if (is_folder) {
    if (!fs::exists(path / "config.json", ec)) {
      return make_error(ErrorCode::kNotFound, "{}: not a model folder (no config.json)", path.string());
    }
    bool has_safetensors = false;
    fs::path pickle;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.path().extension() == ".safetensors") has_safetensors = true;
      if (is_pickle_path(entry.path()) && entry.path().filename().string().find("model") != std::string::npos) {
        pickle = entry.path();
      }
    }
    if (!has_safetensors && !pickle.empty()) return refuse_pickle(pickle);
  } else if (!has_gguf_magic(path)) {
    return make_error(ErrorCode::kUnsupported,
                      "{}: unrecognized model file (expected a GGUF file, or a folder with config.json and "
                      "safetensors)",
                      path_arg);
  }

  std::vector<ModelFile> hashed;
  std::optional<std::string> against;
  if (options.verify || options.expected_sha256 || options.manifest_path) {
    if (Status st = verify_files(path, is_folder, options, hashed, against); !st.ok()) return st;
  }

  auto model = is_folder ? load_hf_model(path.string()) : load_gguf_model(path.string());
  if (!model) return model;
  for (auto& file : model->files_) {
    for (const auto& h : hashed) {
      if (fs::equivalent(h.path, file.path, ec)) file.sha256 = h.sha256;
    }
  }
  model->verified_against_ = against;
  return model;
}

}  // namespace servir
