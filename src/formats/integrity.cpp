#include "formats/integrity.h"

#include <cctype>
#include <fstream>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/mman.h>

#include "util/mapped_file.h"

namespace servir {
namespace {

std::string to_hex(const unsigned char* digest, unsigned int length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = kDigits[digest[i] >> 4];
    out[2 * i + 1] = kDigits[digest[i] & 0xf];
  }
  return out;
}

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

const EVP_MD* digest_of(StreamingDigest::Algorithm algorithm) {
  return algorithm == StreamingDigest::Algorithm::kSha1 ? EVP_sha1() : EVP_sha256();
}

}  // namespace

StreamingDigest::StreamingDigest(Algorithm algorithm) : algorithm_(algorithm), ctx_(EVP_MD_CTX_new()) {
  CHECK(ctx_ != nullptr && EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), digest_of(algorithm_), nullptr) == 1);
}

StreamingDigest::StreamingDigest(StreamingDigest&& other) noexcept
    : algorithm_(other.algorithm_), ctx_(std::exchange(other.ctx_, nullptr)) {}

StreamingDigest& StreamingDigest::operator=(StreamingDigest&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
    algorithm_ = other.algorithm_;
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

StreamingDigest::~StreamingDigest() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void StreamingDigest::update(std::string_view bytes) {
  CHECK(ctx_ != nullptr && EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size()) == 1);
}

std::string StreamingDigest::final_hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CHECK(ctx_ != nullptr && EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &length) == 1);
  return to_hex(digest, length);
}

void StreamingDigest::reset() {
  CHECK(ctx_ != nullptr && EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), digest_of(algorithm_), nullptr) == 1);
}

std::string sha256_hex(std::string_view bytes) {
  DigestContext ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CHECK(ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1);
  CHECK(EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) == 1);
  CHECK(EVP_DigestFinal_ex(ctx.get(), digest, &length) == 1);
  return to_hex(digest, length);
}

Result<std::string> sha256_file(const std::string& path) {
  auto map = MappedFile::open(path);
  if (!map) return std::move(map).status();
  if (map->size() > 0) {
    ::madvise(const_cast<std::byte*>(map->data()), map->size(), MADV_SEQUENTIAL);
  }
  DigestContext ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return make_error(ErrorCode::kInternal, "OpenSSL SHA-256 unavailable");
  }
  constexpr std::size_t kChunk = 16 << 20;
  for (std::size_t pos = 0; pos < map->size(); pos += kChunk) {
    const std::size_t n = std::min(kChunk, map->size() - pos);
    if (EVP_DigestUpdate(ctx.get(), map->data() + pos, n) != 1) {
      return make_error(ErrorCode::kInternal, "{}: SHA-256 update failed", path);
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    return make_error(ErrorCode::kInternal, "{}: SHA-256 final failed", path);
  }
  return to_hex(digest, length);
}

Result<std::string> normalize_sha256_hex(std::string_view hex) {
  std::string out;
  if (hex.size() != 64) {
    return make_error(ErrorCode::kInvalidArgument, "a SHA-256 is 64 hex digits, got {} characters", hex.size());
  }
  for (char ch : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(ch))) {
      return make_error(ErrorCode::kInvalidArgument, "'{}' is not a hex SHA-256", hex);
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  }
  return out;
}

std::optional<std::string> Sha256Manifest::expected_for(const std::filesystem::path& file) const {
  const auto relative =
      std::filesystem::absolute(file).lexically_relative(std::filesystem::absolute(path).parent_path());
  for (const auto& candidate : {relative.generic_string(), file.filename().generic_string()}) {
    if (auto it = digests.find(candidate); it != digests.end()) return it->second;
    if (auto it = digests.find("./" + candidate); it != digests.end()) return it->second;
  }
  return std::nullopt;
}

Result<Sha256Manifest> read_sha256_manifest(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::kNotFound, "{}: cannot open manifest", path.string());
  Sha256Manifest manifest;
  manifest.path = path;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    // "<hex>  name" (text mode) or "<hex> *name" (binary mode).
    if (line.size() < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*')) {
      return make_error(ErrorCode::kCorruptData, "{}:{}: not a sha256sum line (\"<64 hex>  <file>\")", path.string(),
                        line_number);
    }
    auto hex = normalize_sha256_hex(std::string_view(line).substr(0, 64));
    if (!hex) return std::move(hex).status().with_prefix(fmt::format("{}:{}", path.string(), line_number));
    manifest.digests[line.substr(66)] = *hex;
  }
  return manifest;
}

std::optional<std::filesystem::path> find_sha256_manifest(const std::filesystem::path& model_path) {
  std::error_code ec;
  const bool is_dir = std::filesystem::is_directory(model_path, ec);
  if (!is_dir) {
    auto beside = model_path;
    beside += ".sha256";
    if (std::filesystem::exists(beside, ec)) return beside;
  }
  const auto folder = is_dir ? model_path : model_path.parent_path();
  for (const char* name : {"SHA256SUMS", "sha256sums.txt"}) {
    auto candidate = folder / name;
    if (std::filesystem::exists(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

}  // namespace servir
