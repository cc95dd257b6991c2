// Integrity of weight files: streaming SHA-256 (OpenSSL, which uses the
// CPU's SHA extensions) and `sha256sum`-format manifests.
//
// A manifest line is "<64 hex digits><space><space or *><file name>", the
// output of `sha256sum` / `sha256sum -b`; names are relative to the
// manifest's folder. Blank lines and lines starting with '#' are skipped.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "util/status.h"

namespace servir {

// A digest computed while bytes stream past (a download, a file read in
// chunks). Move-only: it owns an OpenSSL context.
class StreamingDigest {
 public:
  enum class Algorithm { kSha256, kSha1 };
  explicit StreamingDigest(Algorithm algorithm = Algorithm::kSha256);
  StreamingDigest(StreamingDigest&&) noexcept;
  StreamingDigest& operator=(StreamingDigest&&) noexcept;
  ~StreamingDigest();

  void update(std::string_view bytes);
  // Lower-case hex of everything passed to update(); the digest is spent
  // afterwards (call reset() to start again).
  std::string final_hex();
  void reset();

 private:
  Algorithm algorithm_;
  void* ctx_ = nullptr;  // EVP_MD_CTX, kept out of this header
};

// Lower-case hex SHA-256 of a whole file, read sequentially.
Result<std::string> sha256_file(const std::string& path);
std::string sha256_hex(std::string_view bytes);

struct Sha256Manifest {
  std::filesystem::path path;
  std::map<std::string, std::string> digests;  // file name -> lower-case hex

  // The expected digest of `file` (matched by its path relative to the
  // manifest folder); nullopt when not listed.
  std::optional<std::string> expected_for(const std::filesystem::path& file) const;
};

Result<Sha256Manifest> read_sha256_manifest(const std::filesystem::path& path);

// The manifest that sits beside a model: "<file>.sha256" for a single file,
// then "SHA256SUMS" or "sha256sums.txt" in the model's folder.
std::optional<std::filesystem::path> find_sha256_manifest(const std::filesystem::path& model_path);

// Checks that `hex` is 64 hex digits; returns it lower-cased.
Result<std::string> normalize_sha256_hex(std::string_view hex);

}  // namespace servir
