#include "tokenizer/tokenizer.h"

#include <algorithm>

#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace servir {
namespace {

// "<0x0A>" -> 0x0A.
std::optional<std::uint8_t> parse_byte_token(std::string_view text) {
  if (text.size() != 6 || !text.starts_with("<0x") || text[5] != '>') return std::nullopt;
  int value = 0;
  for (std::size_t i = 3; i < 5; ++i) {
    const char c = text[i];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (d < 0) return std::nullopt;
    value = value * 16 + d;
  }
  return static_cast<std::uint8_t>(value);
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Result<Tokenizer> Tokenizer::create(TokenizerSpec spec) {
  const std::size_t n = spec.tokens.size();
  if (n == 0) return make_error(ErrorCode::kCorruptData, "{}: empty vocabulary", spec.name);
  if (n > static_cast<std::size_t>(INT32_MAX))
    return make_error(ErrorCode::kCorruptData, "{}: vocabulary too large", spec.name);
  if (!spec.scores.empty() && spec.scores.size() != n) {
    return make_error(ErrorCode::kCorruptData, "{}: {} scores for {} tokens", spec.name, spec.scores.size(), n);
  }
  if (!spec.attrs.empty() && spec.attrs.size() != n) {
    return make_error(ErrorCode::kCorruptData, "{}: {} token types for {} tokens", spec.name, spec.attrs.size(), n);
  }
  auto check_id = [&](TokenId& id, const char* what) -> Status {
    if (id != kNoToken && (id < 0 || static_cast<std::size_t>(id) >= n)) {
      return make_error(ErrorCode::kCorruptData, "{}: {} id {} out of range (vocabulary of {})", spec.name, what, id,
                        n);
    }
    return {};
  };
  for (auto [id, what] : {std::pair<TokenId*, const char*>{&spec.bos_id, "BOS"},
                          {&spec.eos_id, "EOS"},
                          {&spec.unk_id, "UNK"},
                          {&spec.pad_id, "PAD"}}) {
    if (Status s = check_id(*id, what); !s.ok()) return s;
  }
  for (const AddedTokenSpec& added : spec.added_tokens) {
    if (added.id < 0 || static_cast<std::size_t>(added.id) >= n) {
      return make_error(ErrorCode::kCorruptData, "{}: added token '{}' has id {} outside the vocabulary", spec.name,
                        added.content, added.id);
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->texts = std::move(spec.tokens);
  impl->scores = spec.scores.empty() ? std::vector<float>(n, 0.0f) : std::move(spec.scores);
  impl->attrs = spec.attrs.empty() ? std::vector<TokenAttr>(n, TokenAttr::kNormal) : std::move(spec.attrs);
  for (const AddedTokenSpec& added : spec.added_tokens) {
    TokenAttr& attr = impl->attrs[static_cast<std::size_t>(added.id)];
    if (attr == TokenAttr::kNormal || attr == TokenAttr::kUserDefined) {
      attr = added.special ? TokenAttr::kControl : TokenAttr::kUserDefined;
    }
  }
  impl->byte_tokens.fill(kNoToken);
  impl->byte_symbols.fill(kNoToken);
  impl->bytes.resize(n);
  impl->by_text.reserve(n);
  impl->pieces.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<TokenId>(i);
    const std::string& text = impl->texts[i];
    TokenAttr& attr = impl->attrs[i];
    impl->by_text.emplace(text, id);
    if (const auto byte = parse_byte_token(text); byte && (attr == TokenAttr::kByte || spec.byte_fallback)) {
      attr = TokenAttr::kByte;
      if (impl->byte_tokens[*byte] == kNoToken) impl->byte_tokens[*byte] = id;
      impl->bytes[i] = std::string(1, static_cast<char>(*byte));
      continue;
    }
    if (attr == TokenAttr::kNormal || attr == TokenAttr::kUserDefined) {
      std::string key = spec.byte_level && attr == TokenAttr::kNormal ? byte_level_decode(text) : text;
      if (spec.byte_level && key.size() == 1 && impl->byte_symbols[static_cast<unsigned char>(key[0])] == kNoToken) {
        impl->byte_symbols[static_cast<unsigned char>(key[0])] = id;
      }
      impl->bytes[i] = spec.decode_metaspace ? replace_all(key, kMetaspace, " ") : key;
      impl->pieces.emplace(std::move(key), id);
    } else {
      impl->bytes[i] = text;
    }
  }

  // Merges: "a b" -> ids of a, b and of their concatenation, in rank order.
  impl->merges.reserve(spec.merges.size());
  std::uint32_t rank = 0;
  for (const auto& [a, b] : spec.merges) {
    const auto left = impl->by_text.find(a);
    const auto right = impl->by_text.find(b);
    const auto merged = impl->by_text.find(a + b);
    if (left != impl->by_text.end() && right != impl->by_text.end() && merged != impl->by_text.end()) {
      impl->merges.insert(left->second, right->second, rank, merged->second);
    }
    ++rank;
  }
  spec.merges.clear();
  spec.merges.shrink_to_fit();

  if (!spec.byte_level && spec.pre_tokenizer.empty()) {
    impl->split_before_metaspace = true;
    for (const auto& [key, id] : impl->pieces) {
      for (std::size_t pos = key.find(kMetaspace, 1); pos != std::string::npos; pos = key.find(kMetaspace, pos + 1)) {
        if (pos < 3 || std::string_view(key).substr(pos - 3, 3) != kMetaspace) impl->split_before_metaspace = false;
      }
      if (!impl->split_before_metaspace) break;
    }
  }
  impl->added.build(spec.added_tokens);
  impl->spec = std::move(spec);
  return Tokenizer(std::move(impl));
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  const Impl& impl = *impl_;
  const TokenizerSpec& spec = impl.spec;
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 4);
  const bool add_bos = options.add_special && options.add_bos.value_or(spec.add_bos) && spec.bos_id != kNoToken;
  const bool add_eos = options.add_special && options.add_eos.value_or(spec.add_eos) && spec.eos_id != kNoToken;
  if (add_bos) out.push_back(spec.bos_id);

  std::vector<TextSegment> segments;
  if (impl.added.empty()) {
    if (!text.empty()) segments.push_back({text, kNoToken});
  } else {
    impl.added.split(text, options.parse_special, segments, options.literal_ranges);
  }

  std::unique_lock<std::mutex> cache_lock(impl.cache_mutex, std::try_to_lock);
  const bool use_cache = cache_lock.owns_lock();
  std::string normalized;
  for (const TextSegment& segment : segments) {
    if (segment.token != kNoToken) {
      out.push_back(segment.token);
      continue;
    }
    std::string_view view = segment.text;
    if (!spec.normalizer.empty()) {
      normalized = apply_normalizer(spec.normalizer, view);
      view = normalized;
    }
    impl.encode_segment(view, use_cache, out);
  }
  if (add_eos) out.push_back(spec.eos_id);
  return out;
}

std::string Tokenizer::decode_bytes(std::span<const TokenId> ids, const DecodeOptions& options) const {
  std::string out;
  for (const TokenId id : ids) {
    if (!valid_id(id)) continue;
    if (options.skip_special_tokens && is_special(id)) continue;
    out.append(impl_->bytes[static_cast<std::size_t>(id)]);
  }
  int strip = impl_->spec.decode_strip_leading_spaces;
  std::size_t cut = 0;
  while (strip-- > 0 && cut < out.size() && out[cut] == ' ') ++cut;
  out.erase(0, cut);
  return out;
}

std::string Tokenizer::decode(std::span<const TokenId> ids, const DecodeOptions& options) const {
  return utf8_lossy(decode_bytes(ids, options));
}

std::size_t Tokenizer::n_tokens() const { return impl_->texts.size(); }
std::string_view Tokenizer::token_bytes(TokenId id) const {
  return valid_id(id) ? std::string_view(impl_->bytes[static_cast<std::size_t>(id)]) : std::string_view();
}
std::string_view Tokenizer::token_text(TokenId id) const {
  return valid_id(id) ? std::string_view(impl_->texts[static_cast<std::size_t>(id)]) : std::string_view();
}
TokenAttr Tokenizer::token_attr(TokenId id) const {
  return valid_id(id) ? impl_->attrs[static_cast<std::size_t>(id)] : TokenAttr::kUnused;
}
bool Tokenizer::is_special(TokenId id) const {
  const TokenAttr attr = token_attr(id);
  return attr == TokenAttr::kControl || attr == TokenAttr::kUnknown;
}
bool Tokenizer::contains_special_token(std::string_view text) const {
  return !impl_->added.empty() && impl_->added.contains_special(text);
}

std::optional<TokenId> Tokenizer::find_token(std::string_view text) const {
  const auto it = impl_->by_text.find(text);
  if (it == impl_->by_text.end()) return std::nullopt;
  return it->second;
}
TokenId Tokenizer::bos_id() const { return impl_->spec.bos_id; }
TokenId Tokenizer::eos_id() const { return impl_->spec.eos_id; }
TokenId Tokenizer::unk_id() const { return impl_->spec.unk_id; }
TokenId Tokenizer::pad_id() const { return impl_->spec.pad_id; }
bool Tokenizer::add_bos() const { return impl_->spec.add_bos; }
bool Tokenizer::add_eos() const { return impl_->spec.add_eos; }
int Tokenizer::decode_strip_leading_spaces() const { return impl_->spec.decode_strip_leading_spaces; }
const std::string& Tokenizer::name() const { return impl_->spec.name; }

}  // namespace servir
