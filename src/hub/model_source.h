// `--model hf:ORG/REPO[@REV][:FILE]`: the local path a Hub reference stands
// for. A snapshot that is complete in the cache is used without any network
// call; otherwise it is pulled (snapshot_pull.h) first, unless
// HF_HUB_OFFLINE is set.
//
// "Complete" without asking the Hub: the revision resolves to a commit (it
// is one, or refs/<revision> names one) whose snapshot has the ":FILE", or,
// for a folder, config.json and its weights: every shard that
// model.safetensors.index.json lists, or else at least one *.safetensors.
#pragma once

#include <filesystem>
#include <optional>

#include "hub/download_observer.h"
#include "hub/hub_client.h"
#include "hub/hub_ref.h"

namespace servir::hub {

// The cached model path for `ref`, or nullopt when the cache lacks it.
std::optional<std::filesystem::path> find_cached_model(const std::filesystem::path& hub_dir, const HubRef& ref);

struct ModelSourceOptions {
  HubOptions hub;
  std::filesystem::path hub_dir;
  int jobs = 4;
  DownloadObserver* observer = nullptr;
  // Re-hash the weight files of a snapshot found in the cache against the
  // SHA-256 their blob names carry (a freshly pulled one was hashed while
  // it downloaded). On by default: about 1.5 GB/s with the SHA extensions.
  bool verify_cached = true;
};

struct ResolvedModel {
  std::filesystem::path path;
  bool pulled = false;  // false: found complete in the cache
};

// Checks every weight file (*.safetensors, *.gguf) of a cached model that
// links to blobs/<SHA-256> against that digest; kIntegrity on a mismatch.
// Files that are not cache links are left alone.
Status verify_cached_model(const std::filesystem::path& model_path);
bool is_sha256_hex(std::string_view text);

Result<ResolvedModel> resolve_hub_model(const HubRef& ref, const ModelSourceOptions& options);

}  // namespace servir::hub
