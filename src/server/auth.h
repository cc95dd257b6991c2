// API keys: who may call the /v1 and tokenize routes.
//
// Keys come from --api-key (repeatable), --api-key-file (one per line; blank
// lines and lines starting with '#' are skipped, surrounding whitespace
// trimmed) and the SERVIR_API_KEY environment variable. A request presents
// one as `Authorization: Bearer <key>`.
//
// Only SHA-256 digests of the keys are kept. A presented key is hashed and
// compared with every stored digest by CRYPTO_memcmp, without stopping at a
// match, so the time taken says nothing about how much of a key was right.
// Keys never reach a log: key_id() (the first 8 hex digits of the key's
// SHA-256) names a key in logs and rate-limit buckets.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace servir::server {

class ApiKeySet {
 public:
  ApiKeySet() = default;  // no keys: every request is let in

  // Errors: kIoError (unreadable key file), kInvalidArgument (a key with
  // whitespace or control characters, or a key file with no keys).
  static Result<ApiKeySet> load(const std::vector<std::string>& keys, const std::string& key_file,
                                std::string_view env_key);
  static Result<std::vector<std::string>> parse_key_file(std::string_view text);

  bool enabled() const { return !keys_.empty(); }
  std::size_t size() const { return keys_.size(); }

  // The id of the key `presented` matches, or nullopt. Constant-time in the
  // key's content.
  std::optional<std::string> match(std::string_view presented) const;
  // The same for an Authorization header value ("Bearer <key>", scheme
  // case-insensitive); nullopt when it is absent or not a bearer token.
  std::optional<std::string> authenticate(std::string_view authorization) const;

  // First 8 hex digits of SHA-256(key).
  static std::string key_id(std::string_view key);

 private:
  struct Entry {
    std::array<unsigned char, 32> digest;
    std::string id;
  };
  Status add(std::string_view key);
  std::vector<Entry> keys_;
};

}  // namespace servir::server
