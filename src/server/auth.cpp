#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace servir::server {
namespace {

std::array<unsigned char, 32> sha256(std::string_view bytes) {
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  return digest;
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string ApiKeySet::key_id(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto digest = sha256(key);
  std::string id;
  for (int i = 0; i < 4; ++i) {
    id.push_back(kHex[digest[static_cast<std::size_t>(i)] >> 4]);
    id.push_back(kHex[digest[static_cast<std::size_t>(i)] & 15]);
  }
  return id;
}

Status ApiKeySet::add(std::string_view key) {
  if (key.empty()) return Status(ErrorCode::kInvalidArgument, "an API key is empty");
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      // The key itself stays out of the message, as everywhere else.
      return make_error(ErrorCode::kInvalidArgument, "API key {} contains whitespace or a control character",
                        key_id(key));
    }
  }
  const auto digest = sha256(key);
  for (const auto& entry : keys_) {
    if (entry.digest == digest) return {};  // the same key twice
  }
  keys_.push_back({digest, key_id(key)});
  return {};
}

Result<std::vector<std::string>> ApiKeySet::parse_key_file(std::string_view text) {
  std::vector<std::string> keys;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    const auto line = trim(text.substr(start, end - start));
    if (!line.empty() && line.front() != '#') keys.emplace_back(line);
    start = end + 1;
  }
  if (keys.empty()) return Status(ErrorCode::kInvalidArgument, "the API key file holds no keys");
  return keys;
}

Result<ApiKeySet> ApiKeySet::load(const std::vector<std::string>& keys, const std::string& key_file,
                                  std::string_view env_key) {
  ApiKeySet set;
  for (const auto& key : keys) {
    if (Status st = set.add(key); !st.ok()) return st.with_prefix("--api-key");
  }
  if (!key_file.empty()) {
    std::ifstream in(key_file, std::ios::binary);
    if (!in) return make_error(ErrorCode::kIoError, "--api-key-file {}: cannot open", key_file);
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = parse_key_file(text.str());
    if (!parsed.ok()) return parsed.status().with_prefix(key_file);
    for (const auto& key : *parsed) {
      if (Status st = set.add(key); !st.ok()) return st.with_prefix(key_file);
    }
  }
  if (const auto env = trim(env_key); !env.empty()) {
    if (Status st = set.add(env); !st.ok()) return st.with_prefix("SERVIR_API_KEY");
  }
  return set;
}

std::optional<std::string> ApiKeySet::match(std::string_view presented) const {
  const auto digest = sha256(presented);
  const Entry* found = nullptr;
  for (const auto& entry : keys_) {
    // Every digest is compared; only which one matched is remembered.
    const bool equal = CRYPTO_memcmp(entry.digest.data(), digest.data(), digest.size()) == 0;
    if (equal) found = &entry;
  }
  if (found == nullptr) return std::nullopt;
  return found->id;
}

std::optional<std::string> ApiKeySet::authenticate(std::string_view authorization) const {
  authorization = trim(authorization);
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return std::nullopt;
  }
  const char sep = authorization[kScheme.size()];
  if (sep != ' ' && sep != '\t') return std::nullopt;
  return match(trim(authorization.substr(kScheme.size() + 1)));
}

}  // namespace servir::server
