// What the Hub says about one revision of a repository: the answer of
// `GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=True`, the call
// huggingface_hub's model_info(files_metadata=True) makes:
//
//   {"id": "ORG/REPO", "sha": "<40-hex commit>",
//    "siblings": [{"rfilename": "config.json", "size": 649, "blobId": "<40-hex git blob id>"},
//                 {"rfilename": "model.safetensors", "size": 2626168, "blobId": "...",
//                  "lfs": {"sha256": "<64 hex>", "size": 2626168, "pointerSize": 134}}, ...]}
//
// The body is untrusted: every field is checked, file names must stay inside
// a snapshot folder (hub_ref.h is_safe_repo_path), sizes and counts are
// bounded, and a file listed twice is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace servir::hub {

inline constexpr std::size_t kMaxListingBytes = 64u << 20;  // the JSON body
inline constexpr std::size_t kMaxRepoFiles = 100'000;       // siblings
inline constexpr std::uint64_t kMaxFileBytes = 1ull << 40;  // 1 TiB per file

struct RepoFile {
  std::string path;                       // relative, '/'-separated
  std::optional<std::uint64_t> size;      // bytes (absent without ?blobs=True)
  std::string blob_id;                    // git blob id (40 hex), "" when not given
  std::optional<std::string> lfs_sha256;  // LFS files: SHA-256 of the content

  // The name huggingface_hub gives the blob in the cache: the LFS SHA-256
  // for LFS files, the git blob id otherwise (the ETag the Hub sends).
  std::string etag() const { return lfs_sha256 ? *lfs_sha256 : blob_id; }
};

struct RepoRevision {
  std::string commit;  // 40 lower-case hex digits
  std::vector<RepoFile> files;

  const RepoFile* find(std::string_view path) const;
};

Result<RepoRevision> parse_repo_revision(std::string_view json);

}  // namespace servir::hub
