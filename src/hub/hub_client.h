// The Hugging Face Hub's HTTP API over libcurl: the revision API (commit and
// file list), HEAD metadata of one file, and resumable, verified blob
// downloads. The same endpoints and headers huggingface_hub uses:
//
//   GET  {endpoint}/api/models/{repo}/revision/{revision}?blobs=True
//   HEAD {endpoint}/{repo}/resolve/{commit}/{file}   X-Repo-Commit, ETag,
//        X-Linked-Etag / X-Linked-Size for LFS files (answered with a
//        redirect to the storage host, which is not followed for HEAD)
//   GET  {endpoint}/{repo}/resolve/{commit}/{file}   redirects followed;
//        "Range: bytes=N-" resumes a partial blob
//
// Errors are mapped once (http_error): 401/403 -> kUnauthenticated naming
// HF_TOKEN (and whether one was sent), 404 -> kNotFound naming the missing
// repository, revision or file (the Hub's X-Error-Code says which), network
// failures -> kUnavailable. One HubClient per thread: it owns a curl handle.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "hub/download_observer.h"
#include "hub/repo_listing.h"
#include "util/status.h"

namespace servir::hub {
namespace detail {
struct CurlHandle;
}

struct HubOptions {
  std::string endpoint = "https://huggingface.co";  // HF_ENDPOINT
  std::string token;                                // HF_TOKEN (Authorization: Bearer)
  bool offline = false;                             // HF_HUB_OFFLINE=1: no network at all
  long connect_timeout_s = 10;
  long stall_timeout_s = 60;  // a transfer slower than 1 byte/s this long fails
};

// Defaults overridden by HF_ENDPOINT, HF_TOKEN (or the older
// HUGGING_FACE_HUB_TOKEN) and HF_HUB_OFFLINE.
HubOptions hub_options_from_env();

// One file's metadata from HEAD /resolve/.
struct FileMetadata {
  std::string commit;  // X-Repo-Commit
  std::string etag;    // X-Linked-Etag (LFS) or ETag, quotes and W/ removed
  bool lfs = false;    // the etag came from X-Linked-Etag: it is the content's SHA-256
  std::optional<std::uint64_t> size;
};

// What one blob download must produce.
struct BlobDownload {
  std::string url;
  std::string file;  // repository path, for messages
  std::uint64_t size = 0;
  std::optional<std::string> sha256;  // LFS files: checked before publishing
  std::string git_blob_id;            // other files: git's SHA-1 of "blob <size>\0" + content
  std::filesystem::path incomplete;   // blobs/<etag>.incomplete
  std::filesystem::path blob;         // blobs/<etag>
};

class HubClient {
 public:
  explicit HubClient(HubOptions options);
  HubClient(HubClient&&) noexcept;
  HubClient& operator=(HubClient&&) noexcept;
  ~HubClient();

  const HubOptions& options() const { return options_; }

  Result<RepoRevision> fetch_revision(const std::string& repo_id, const std::string& revision);
  Result<FileMetadata> fetch_file_metadata(const std::string& repo_id, const std::string& revision,
                                           const std::string& file);
  std::string resolve_url(const std::string& repo_id, const std::string& revision, const std::string& file) const;

  // Downloads into `incomplete` (resuming what is there), checks size and
  // digest, then renames it to `blob`. Returns the bytes transferred. A
  // digest mismatch deletes the data (kIntegrity); a cut transfer keeps it
  // for the next run (kUnavailable).
  Result<std::uint64_t> download_blob(const BlobDownload& job, DownloadObserver* observer);

 private:
  HubOptions options_;
  std::unique_ptr<detail::CurlHandle> curl_;
};

}  // namespace servir::hub
