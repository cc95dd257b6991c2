// The huggingface_hub cache, laid out exactly as huggingface_hub lays it out
// so either tool reuses what the other downloaded:
//
//   $HF_HOME/hub/models--ORG--REPO/
//     blobs/<etag>                       file contents (LFS: the SHA-256; else the git blob id)
//     blobs/<etag>.incomplete            a download in progress (resumed with an HTTP Range)
//     snapshots/<commit>/<path>          -> ../../blobs/<etag> (relative symlink)
//     refs/<revision>                    the commit the branch or tag pointed to
//   $HF_HOME/hub/.locks/models--ORG--REPO/<etag>.lock   one downloader per blob
//
// Everything visible is published by rename: a reader never sees half a blob,
// a dangling snapshot entry or half a ref. HF_HOME defaults to
// ~/.cache/huggingface (XDG_CACHE_HOME/huggingface when that is set), and
// HF_HUB_CACHE overrides the hub folder itself, as in huggingface_hub.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace servir::hub {

// The hub cache folder from the environment (HF_HUB_CACHE, HF_HOME,
// XDG_CACHE_HOME, HOME).
std::filesystem::path default_hub_cache_dir();

class RepoCache {
 public:
  RepoCache(std::filesystem::path hub_dir, std::string_view repo_id);

  const std::filesystem::path& repo_dir() const { return repo_dir_; }
  std::filesystem::path blob_path(std::string_view etag) const;
  std::filesystem::path incomplete_path(std::string_view etag) const;
  std::filesystem::path lock_path(std::string_view etag) const;
  std::filesystem::path snapshot_dir(std::string_view commit) const;
  std::filesystem::path snapshot_path(std::string_view commit, std::string_view file) const;

  // The commit refs/<revision> holds; nullopt when absent or not a commit.
  std::optional<std::string> read_ref(std::string_view revision) const;
  Status write_ref(std::string_view revision, std::string_view commit) const;

  // True when snapshots/<commit>/<file> resolves to a regular file.
  bool has_snapshot_file(std::string_view commit, std::string_view file) const;
  // True when snapshots/<commit>/<file> already points at blobs/<etag>.
  bool snapshot_links_blob(std::string_view commit, std::string_view file, std::string_view etag) const;
  // Points snapshots/<commit>/<file> at blobs/<etag> (relative link, made
  // beside it and renamed over whatever was there).
  Status link_snapshot_file(std::string_view commit, std::string_view file, std::string_view etag) const;
  // Creates blobs/ and the lock folder.
  Status prepare() const;

 private:
  std::filesystem::path hub_dir_;
  std::string folder_name_;  // "models--ORG--REPO"
  std::filesystem::path repo_dir_;
};

}  // namespace servir::hub
