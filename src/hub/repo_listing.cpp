#include "hub/repo_listing.h"

#include <set>

#include <nlohmann/json.hpp>

#include "hub/hub_ref.h"

namespace servir::hub {
namespace {

using nlohmann::json;

bool is_hex(std::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (char ch : text) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  }
  return true;
}

std::string lower(std::string text) {
  for (char& ch : text) {
    if (ch >= 'A' && ch <= 'F') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return text;
}

Result<std::uint64_t> size_field(const json& value, std::string_view what, std::string_view file) {
  if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
    return make_error(ErrorCode::kCorruptData, "Hub listing: {} of '{}' is not a byte count", what, file);
  }
  const auto bytes = value.get<std::uint64_t>();
  if (bytes > kMaxFileBytes) {
    return make_error(ErrorCode::kResourceExhausted, "Hub listing: '{}' claims {} bytes (limit {})", file, bytes,
                      kMaxFileBytes);
  }
  return bytes;
}

Result<RepoFile> parse_sibling(const json& sibling) {
  if (!sibling.is_object()) return make_error(ErrorCode::kCorruptData, "Hub listing: a sibling is not an object");
  const auto name = sibling.find("rfilename");
  if (name == sibling.end() || !name->is_string()) {
    return make_error(ErrorCode::kCorruptData, "Hub listing: a sibling has no rfilename");
  }
  RepoFile file;
  file.path = name->get<std::string>();
  if (!is_safe_repo_path(file.path)) {
    return make_error(ErrorCode::kCorruptData, "Hub listing: refusing the file name '{}' (it would leave the snapshot)",
                      file.path.substr(0, 200));
  }
  if (auto size = sibling.find("size"); size != sibling.end() && !size->is_null()) {
    auto bytes = size_field(*size, "size", file.path);
    if (!bytes) return std::move(bytes).status();
    file.size = *bytes;
  }
  if (auto blob = sibling.find("blobId"); blob != sibling.end() && !blob->is_null()) {
    if (!blob->is_string() || !is_hex(lower(blob->get<std::string>()), 40)) {
      return make_error(ErrorCode::kCorruptData, "Hub listing: blobId of '{}' is not a git object id", file.path);
    }
    file.blob_id = lower(blob->get<std::string>());
  }
  if (auto lfs = sibling.find("lfs"); lfs != sibling.end() && !lfs->is_null()) {
    if (!lfs->is_object())
      return make_error(ErrorCode::kCorruptData, "Hub listing: lfs of '{}' is not an object", file.path);
    const auto sha = lfs->find("sha256");
    if (sha == lfs->end() || !sha->is_string() || !is_hex(lower(sha->get<std::string>()), 64)) {
      return make_error(ErrorCode::kCorruptData, "Hub listing: lfs.sha256 of '{}' is not a SHA-256", file.path);
    }
    file.lfs_sha256 = lower(sha->get<std::string>());
    if (auto size = lfs->find("size"); size != lfs->end()) {
      auto bytes = size_field(*size, "lfs.size", file.path);
      if (!bytes) return std::move(bytes).status();
      if (file.size && *file.size != *bytes) {
        return make_error(ErrorCode::kCorruptData, "Hub listing: '{}' has size {} but lfs.size {}", file.path,
                          *file.size, *bytes);
      }
      file.size = *bytes;
    }
  }
  return file;
}

}  // namespace

const RepoFile* RepoRevision::find(std::string_view path) const {
  for (const RepoFile& f : files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

Result<RepoRevision> parse_repo_revision(std::string_view body) {
  if (body.size() > kMaxListingBytes) {
    return make_error(ErrorCode::kResourceExhausted, "Hub listing: {} bytes (limit {})", body.size(), kMaxListingBytes);
  }
  json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return make_error(ErrorCode::kCorruptData, "Hub listing: the answer is not a JSON object");
  }
  RepoRevision revision;
  const auto sha = root.find("sha");
  if (sha == root.end() || !sha->is_string() || !is_commit_hash(lower(sha->get<std::string>()))) {
    return make_error(ErrorCode::kCorruptData, "Hub listing: 'sha' is not a 40-hex commit id");
  }
  revision.commit = lower(sha->get<std::string>());
  const auto siblings = root.find("siblings");
  if (siblings == root.end() || !siblings->is_array()) {
    return make_error(ErrorCode::kCorruptData, "Hub listing: no 'siblings' array");
  }
  if (siblings->size() > kMaxRepoFiles) {
    return make_error(ErrorCode::kResourceExhausted, "Hub listing: {} files (limit {})", siblings->size(),
                      kMaxRepoFiles);
  }
  std::set<std::string> seen;
  revision.files.reserve(siblings->size());
  for (const json& sibling : *siblings) {
    auto file = parse_sibling(sibling);
    if (!file) return std::move(file).status();
    if (!seen.insert(file->path).second) {
      return make_error(ErrorCode::kCorruptData, "Hub listing: '{}' is listed twice", file->path);
    }
    revision.files.push_back(std::move(*file));
  }
  return revision;
}

}  // namespace servir::hub
