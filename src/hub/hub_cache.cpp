#include "hub/hub_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <span>

#include <fmt/format.h>

#include "hub/hub_ref.h"
#include "util/atomic_write.h"

namespace servir::hub {
namespace fs = std::filesystem;

fs::path default_hub_cache_dir() {
  auto env = [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
  if (auto dir = env("HF_HUB_CACHE")) return *dir;
  if (auto home = env("HF_HOME")) return fs::path(*home) / "hub";
  if (auto xdg = env("XDG_CACHE_HOME")) return fs::path(*xdg) / "huggingface" / "hub";
  return fs::path(env("HOME").value_or("/tmp")) / ".cache" / "huggingface" / "hub";
}

RepoCache::RepoCache(fs::path hub_dir, std::string_view repo_id) : hub_dir_(std::move(hub_dir)) {
  // "ORG/REPO" -> "models--ORG--REPO" (huggingface_hub's repo_folder_name).
  folder_name_ = "models";
  std::size_t start = 0;
  while (start <= repo_id.size()) {
    const std::size_t slash = std::min(repo_id.find('/', start), repo_id.size());
    folder_name_ += "--";
    folder_name_ += repo_id.substr(start, slash - start);
    start = slash + 1;
  }
  repo_dir_ = hub_dir_ / folder_name_;
}

fs::path RepoCache::blob_path(std::string_view etag) const { return repo_dir_ / "blobs" / std::string(etag); }

fs::path RepoCache::incomplete_path(std::string_view etag) const {
  return repo_dir_ / "blobs" / (std::string(etag) + ".incomplete");
}

fs::path RepoCache::lock_path(std::string_view etag) const {
  return hub_dir_ / ".locks" / folder_name_ / (std::string(etag) + ".lock");
}

fs::path RepoCache::snapshot_dir(std::string_view commit) const {
  return repo_dir_ / "snapshots" / std::string(commit);
}

fs::path RepoCache::snapshot_path(std::string_view commit, std::string_view file) const {
  CHECK(is_safe_repo_path(file)) << "unsafe repository path reached the cache: " << file;
  return snapshot_dir(commit) / std::string(file);
}

std::optional<std::string> RepoCache::read_ref(std::string_view revision) const {
  if (!is_safe_repo_path(revision)) return std::nullopt;
  std::ifstream in(repo_dir_ / "refs" / std::string(revision));
  std::string commit;
  if (!in || !std::getline(in, commit)) return std::nullopt;
  while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r' || commit.back() == ' ')) {
    commit.pop_back();
  }
  if (!is_commit_hash(commit)) return std::nullopt;
  return commit;
}

Status RepoCache::write_ref(std::string_view revision, std::string_view commit) const {
  if (!is_safe_repo_path(revision)) {
    return make_error(ErrorCode::kInvalidArgument, "revision '{}' cannot name a ref file", revision);
  }
  const fs::path path = repo_dir_ / "refs" / std::string(revision);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return make_error(ErrorCode::kIoError, "{}: {}", path.parent_path().string(), ec.message());
  // huggingface_hub writes the bare commit, no newline.
  const std::string text(commit);
  return write_file_atomically(path.string(), [&](const ByteSink& sink) {
    sink(std::as_bytes(std::span<const char>(text.data(), text.size())));
  });
}

bool RepoCache::has_snapshot_file(std::string_view commit, std::string_view file) const {
  std::error_code ec;
  return fs::is_regular_file(snapshot_path(commit, file), ec);  // follows the link
}

bool RepoCache::snapshot_links_blob(std::string_view commit, std::string_view file, std::string_view etag) const {
  std::error_code ec;
  const fs::path link = snapshot_path(commit, file);
  if (!fs::is_symlink(link, ec)) return false;
  return fs::equivalent(link, blob_path(etag), ec) && !ec;
}

Status RepoCache::prepare() const {
  std::error_code ec;
  for (const fs::path& dir : {repo_dir_ / "blobs", lock_path("x").parent_path()}) {
    fs::create_directories(dir, ec);
    if (ec) return make_error(ErrorCode::kIoError, "{}: {}", dir.string(), ec.message());
  }
  return {};
}

Status RepoCache::link_snapshot_file(std::string_view commit, std::string_view file, std::string_view etag) const {
  const fs::path link = snapshot_path(commit, file);
  std::error_code ec;
  fs::create_directories(link.parent_path(), ec);
  if (ec) return make_error(ErrorCode::kIoError, "{}: {}", link.parent_path().string(), ec.message());
  // Relative, so the cache can move: from snapshots/<commit>/<dirs...>/ up
  // to the repository folder, then into blobs/.
  fs::path target;
  const std::size_t depth = static_cast<std::size_t>(std::count(file.begin(), file.end(), '/'));
  for (std::size_t i = 0; i < depth + 2; ++i) target /= "..";
  target = target / "blobs" / std::string(etag);
  const fs::path temporary = link.parent_path() / fmt::format(".{}.{}.tmp", link.filename().string(), ::getpid());
  fs::remove(temporary, ec);
  fs::create_symlink(target, temporary, ec);
  if (ec) return make_error(ErrorCode::kIoError, "{}: {}", temporary.string(), ec.message());
  fs::rename(temporary, link, ec);
  if (ec) {
    fs::remove(temporary);
    return make_error(ErrorCode::kIoError, "{}: {}", link.string(), ec.message());
  }
  return {};
}

}  // namespace servir::hub
