#include "hub/model_source.h"

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/integrity.h"
#include "hub/hub_cache.h"
#include "hub/snapshot_pull.h"

namespace servir::hub {
namespace fs = std::filesystem;
namespace {

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// Every shard the index names is present (the index is a cached file, but
// one we did not necessarily write: bounded and checked like any input).
bool index_shards_present(const fs::path& snapshot, const fs::path& index_path) {
  std::error_code ec;
  if (fs::file_size(index_path, ec) > (64u << 20) || ec) return false;
  std::ifstream in(index_path);
  nlohmann::json index = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (index.is_discarded() || !index.is_object()) return false;
  auto map = index.find("weight_map");
  if (map == index.end() || !map->is_object()) return false;
  for (const auto& [tensor, shard] : map->items()) {
    if (!shard.is_string() || !is_safe_repo_path(shard.get<std::string>())) return false;
    if (!is_file(snapshot / shard.get<std::string>())) return false;
  }
  return true;
}

bool folder_is_complete(const fs::path& snapshot) {
  if (!is_file(snapshot / "config.json")) return false;
  const fs::path index = snapshot / "model.safetensors.index.json";
  if (is_file(index)) return index_shards_present(snapshot, index);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(snapshot, ec)) {
    if (entry.path().extension() == ".safetensors" && is_file(entry.path())) return true;
  }
  return false;
}

bool is_weight_file(const fs::path& path) {
  const auto ext = path.extension();
  return ext == ".safetensors" || ext == ".gguf";
}

// A cached weight file is a link to blobs/<SHA-256> (LFS files are named by
// their digest), so the cache carries its own manifest: hash what the link
// reaches and compare with the name. Catches a blob truncated or altered
// after it was verified and published (disk errors, another tool, tampering).
Status verify_weight_link(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_symlink(file, ec)) return {};  // not a cache link: nothing names its digest
  const std::string blob = fs::read_symlink(file, ec).filename().string();
  if (ec || !is_sha256_hex(blob)) return {};  // a git blob id (small non-LFS file): checked at download
  auto digest = sha256_file(file.string());
  if (!digest) return std::move(digest).status();
  if (*digest != blob) {
    return make_error(ErrorCode::kIntegrity,
                      "{}: the cached blob has SHA-256 {} but is named {} (corrupt or altered since it was "
                      "pulled); refusing to load: delete it and pull again",
                      file.string(), *digest, blob);
  }
  return {};
}

}  // namespace

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status verify_cached_model(const fs::path& model_path) {
  std::error_code ec;
  if (!fs::is_directory(model_path, ec)) return verify_weight_link(model_path);
  for (const auto& entry : fs::directory_iterator(model_path, ec)) {
    if (!is_weight_file(entry.path())) continue;
    if (Status st = verify_weight_link(entry.path()); !st.ok()) return st;
  }
  if (ec) return make_error(ErrorCode::kIoError, "{}: cannot list: {}", model_path.string(), ec.message());
  return {};
}

std::optional<fs::path> find_cached_model(const fs::path& hub_dir, const HubRef& ref) {
  const RepoCache cache(hub_dir, ref.repo_id);
  std::optional<std::string> commit = is_commit_hash(ref.revision) ? ref.revision : cache.read_ref(ref.revision);
  if (!commit) return std::nullopt;
  const fs::path snapshot = cache.snapshot_dir(*commit);
  if (ref.file) {
    if (!cache.has_snapshot_file(*commit, *ref.file)) return std::nullopt;
    return cache.snapshot_path(*commit, *ref.file);
  }
  if (!folder_is_complete(snapshot)) return std::nullopt;
  return snapshot;
}

Result<ResolvedModel> resolve_hub_model(const HubRef& ref, const ModelSourceOptions& options) {
  if (auto cached = find_cached_model(options.hub_dir, ref)) {
    if (options.verify_cached) {
      if (Status st = verify_cached_model(*cached); !st.ok()) return st;
    }
    return ResolvedModel{.path = *cached, .pulled = false};
  }
  if (options.hub.offline) {
    return make_error(ErrorCode::kNotFound,
                      "{} is not complete in the cache {} and HF_HUB_OFFLINE is set: pull it first (servir pull {})",
                      ref.to_string(), options.hub_dir.string(), ref.to_string());
  }
  PullRequest request{.ref = ref, .include_globs = {}, .jobs = options.jobs, .expected_sha256 = std::nullopt};
  auto pulled = pull_snapshot(options.hub, options.hub_dir, request, options.observer);
  if (!pulled) return std::move(pulled).status();
  return ResolvedModel{.path = pulled->model_path, .pulled = true};
}

}  // namespace servir::hub
