#include "hub/snapshot_pull.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "formats/integrity.h"
#include "hub/hub_cache.h"

namespace servir::hub {
namespace fs = std::filesystem;
namespace {

// An exclusive flock on the blob's lock file for the duration of its
// download (the lock files huggingface_hub takes, so two tools or two
// servir processes never write the same .incomplete).
class BlobLock {
 public:
  static Result<BlobLock> acquire(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return make_error(ErrorCode::kIoError, "{}: cannot open lock file", path.string());
    if (::flock(fd, LOCK_EX) != 0) {
      ::close(fd);
      return make_error(ErrorCode::kIoError, "{}: cannot lock", path.string());
    }
    return BlobLock(fd);
  }
  BlobLock(BlobLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  BlobLock& operator=(BlobLock&&) = delete;
  ~BlobLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }

 private:
  explicit BlobLock(int fd) : fd_(fd) {}
  int fd_;
};

bool is_git_object_id(const std::string& id) {
  return id.size() == 40 && std::all_of(id.begin(), id.end(),
                                        [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); });
}

bool has_suffix(const std::string& path, std::string_view suffix) { return path.ends_with(suffix); }

// A safe blob name: what the Hub sends as an ETag is untrusted.
bool is_safe_etag(const std::string& etag) {
  if (etag.empty() || etag.size() > 128) return false;
  return std::all_of(etag.begin(), etag.end(), [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_';
  });
}

std::vector<const RepoFile*> select_files(const RepoRevision& revision, const PullRequest& request) {
  std::vector<const RepoFile*> picked;
  for (const RepoFile& file : revision.files) {
    bool wanted = false;
    if (request.ref.file) {
      wanted = file.path == *request.ref.file;
    } else if (!request.include_globs.empty()) {
      wanted = std::any_of(request.include_globs.begin(), request.include_globs.end(),
                           [&](const std::string& glob) { return glob_matches(glob, file.path); });
    } else {
      wanted = default_pull_selects(file.path);
    }
    if (wanted) picked.push_back(&file);
  }
  return picked;
}

bool blob_is_complete(const RepoCache& cache, const RepoFile& file) {
  std::error_code ec;
  const fs::path blob = cache.blob_path(file.etag());
  return fs::is_regular_file(blob, ec) && (!file.size || fs::file_size(blob, ec) == *file.size) && !ec;
}

}  // namespace

bool default_pull_selects(const std::string& path) {
  if (path.find('/') != std::string::npos) return false;  // top level only
  return has_suffix(path, ".safetensors") || has_suffix(path, ".json") || path == "tokenizer.model" ||
         path == "chat_template.jinja";
}

bool glob_matches(const std::string& glob, const std::string& path) {
  return ::fnmatch(glob.c_str(), path.c_str(), 0) == 0;
}

Result<PullResult> pull_snapshot(const HubOptions& options, const fs::path& hub_dir, const PullRequest& request,
                                 DownloadObserver* observer) {
  const HubRef& ref = request.ref;
  HubClient client(options);
  auto listing = client.fetch_revision(ref.repo_id, ref.revision);
  if (!listing) return std::move(listing).status();
  RepoRevision revision = std::move(*listing);

  std::vector<const RepoFile*> picked = select_files(revision, request);
  if (picked.empty()) {
    if (ref.file) {
      return make_error(ErrorCode::kNotFound, "file '{}' not found in {} at revision '{}' (commit {})", *ref.file,
                        ref.repo_id, ref.revision, revision.commit);
    }
    return make_error(ErrorCode::kNotFound, "no file of {} at revision '{}' matches {}", ref.repo_id, ref.revision,
                      request.include_globs.empty() ? std::string("*.safetensors, *.json or tokenizer.model")
                                                    : fmt::format("{}", fmt::join(request.include_globs, ", ")));
  }
  if (request.expected_sha256) {
    if (picked.size() != 1 || !picked[0]->lfs_sha256) {
      return make_error(ErrorCode::kInvalidArgument, "--sha256 pins one LFS file (hf:ORG/REPO:FILE)");
    }
    if (*picked[0]->lfs_sha256 != *request.expected_sha256) {
      return make_error(ErrorCode::kIntegrity, "{}: the Hub lists SHA-256 {}, not the pinned {}", picked[0]->path,
                        *picked[0]->lfs_sha256, *request.expected_sha256);
    }
  }

  RepoCache cache(hub_dir, ref.repo_id);
  if (Status st = cache.prepare(); !st.ok()) return st;
  // Files the listing gave no blob id or size for: ask HEAD, as
  // huggingface_hub does for every file.
  std::vector<RepoFile> files;
  for (const RepoFile* f : picked) {
    RepoFile file = *f;
    if (file.etag().empty() || !file.size) {
      auto meta = client.fetch_file_metadata(ref.repo_id, revision.commit, file.path);
      if (!meta) return std::move(meta).status();
      if (file.etag().empty() && meta->lfs) {
        auto sha = normalize_sha256_hex(meta->etag);  // an LFS etag is the SHA-256: verify it
        if (!sha) return make_error(ErrorCode::kCorruptData, "{}: the Hub's X-Linked-Etag is not a SHA-256", file.path);
        file.lfs_sha256 = *sha;
      } else if (file.etag().empty()) {
        file.blob_id = meta->etag;  // a git blob id (40 hex) is verified too; anything else is only a name
      }
      if (!file.size) file.size = meta->size;
      if (!file.size) return make_error(ErrorCode::kCorruptData, "{}: the Hub gave no size", file.path);
    }
    if (!is_safe_etag(file.etag())) {
      return make_error(ErrorCode::kCorruptData, "{}: refusing the blob name '{}'", file.path,
                        file.etag().substr(0, 80));
    }
    files.push_back(std::move(file));
  }

  PullResult result;
  result.commit = revision.commit;
  result.snapshot_dir = cache.snapshot_dir(revision.commit);
  result.model_path = ref.file ? cache.snapshot_path(revision.commit, *ref.file) : result.snapshot_dir;
  result.files = files.size();

  std::vector<const RepoFile*> to_download;
  for (const RepoFile& file : files) {
    if (cache.snapshot_links_blob(revision.commit, file.path, file.etag()) && blob_is_complete(cache, file)) {
      if (observer != nullptr) observer->on_cached(file.path);
    } else if (blob_is_complete(cache, file)) {
      if (Status st = cache.link_snapshot_file(revision.commit, file.path, file.etag()); !st.ok()) return st;
      if (observer != nullptr) observer->on_cached(file.path);
    } else {
      to_download.push_back(&file);
    }
  }

  // Workers claim files in order; every file is tried even after a failure,
  // so one run gets as far as it can and the next resumes the rest.
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::vector<Status> failures;
  std::atomic<std::uint64_t> transferred{0};
  std::atomic<std::size_t> downloaded{0};
  auto worker = [&]() {
    HubClient worker_client(options);
    for (std::size_t i = next++; i < to_download.size(); i = next++) {
      const RepoFile& file = *to_download[i];
      Status st = [&]() -> Status {
        auto lock = BlobLock::acquire(cache.lock_path(file.etag()));
        if (!lock) return std::move(lock).status();
        if (!blob_is_complete(cache, file)) {  // another process may have finished it meanwhile
          BlobDownload job{.url = worker_client.resolve_url(ref.repo_id, revision.commit, file.path),
                           .file = file.path,
                           .size = *file.size,
                           .sha256 = file.lfs_sha256,
                           .git_blob_id = file.lfs_sha256 || !is_git_object_id(file.blob_id) ? "" : file.blob_id,
                           .incomplete = cache.incomplete_path(file.etag()),
                           .blob = cache.blob_path(file.etag())};
          auto bytes = worker_client.download_blob(job, observer);
          if (!bytes) return std::move(bytes).status();
          transferred += *bytes;
          ++downloaded;
        }
        return cache.link_snapshot_file(revision.commit, file.path, file.etag());
      }();
      if (!st.ok()) {
        std::lock_guard<std::mutex> guard(mutex);
        failures.push_back(std::move(st));
      }
    }
  };
  const std::size_t n_workers = std::min<std::size_t>(std::max(1, request.jobs), to_download.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < n_workers; ++i) threads.emplace_back(worker);
  if (n_workers > 0) worker();
  for (std::thread& thread : threads) thread.join();

  result.files_downloaded = downloaded;
  result.bytes_transferred = transferred;
  if (!failures.empty()) {
    // The integrity failure, if any, is the one to report (exit status 3).
    auto first = std::find_if(failures.begin(), failures.end(),
                              [](const Status& s) { return s.code() == ErrorCode::kIntegrity; });
    Status st = first != failures.end() ? *first : failures.front();
    if (failures.size() > 1) {
      return Status(st.code(), fmt::format("{} (and {} more file(s) failed)", st.message(), failures.size() - 1));
    }
    return st;
  }
  if (ref.revision != revision.commit) {
    if (Status st = cache.write_ref(ref.revision, revision.commit); !st.ok()) return st;
  }
  return result;
}

}  // namespace servir::hub
