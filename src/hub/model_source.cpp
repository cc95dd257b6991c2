#include "hub/model_source.h"

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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

}  // namespace

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
  if (auto cached = find_cached_model(options.hub_dir, ref)) return ResolvedModel{.path = *cached, .pulled = false};
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
