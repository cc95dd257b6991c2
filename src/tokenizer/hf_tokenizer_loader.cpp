// TokenizerSpec from Hugging Face tokenizer.json (+ tokenizer_config.json).
//
// Supported: model "BPE" (merges as "a b" strings or ["a", "b"] pairs,
// byte_fallback, fuse_unk, ignore_merges, unk_token); normalizers Sequence,
// NFC, Prepend, Replace (string patterns), Lowercase; pre-tokenizers
// Sequence, Split (regex or string, "Isolated"), ByteLevel, Digits, Metaspace;
// decoders ByteLevel, Metaspace, Sequence of Replace/ByteFallback/Fuse/Strip;
// post-processors TemplateProcessing, Bert/RobertaProcessing, ByteLevel.
// Anything else is refused with kUnsupported rather than tokenized wrongly.
#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer_loader.h"

namespace servir {
namespace {

using nlohmann::json;

// Sequences nest in real files one level deep; a hostile file must not recurse without bound.
constexpr int kMaxSequenceDepth = 8;

std::string get_string(const json& object, const char* key, std::string fallback = {}) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}
bool get_bool(const json& object, const char* key, bool fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}
const json* get(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// "bos_token": "<s>" or {"content": "<s>", ...}.
std::string token_content(const json& config, const char* key) {
  const json* value = get(config, key);
  if (value == nullptr) return {};
  if (value->is_string()) return value->get<std::string>();
  return get_string(*value, "content");
}

std::string regex_escape(std::string_view literal) {
  std::string out;
  for (const char c : literal) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

class HfSpecBuilder {
 public:
  explicit HfSpecBuilder(TokenizerSpec& spec) : spec_(spec) {}

  Status normalizer(const json& node, int depth = 0) {
    const std::string type = get_string(node, "type");
    if (type == "Sequence") {
      if (depth >= kMaxSequenceDepth) return bad("normalizer Sequence nested too deeply");
      const json* list = get(node, "normalizers");
      if (list == nullptr || !list->is_array()) return bad("normalizer Sequence without a list");
      for (const json& child : *list) {
        if (Status s = normalizer(child, depth + 1); !s.ok()) return s;
      }
      return {};
    }
    if (type == "NFC") {
      spec_.normalizer.push_back({NormalizerStep::Kind::kNfc, "", ""});
      return {};
    }
    if (type == "Prepend") {
      spec_.normalizer.push_back({NormalizerStep::Kind::kPrepend, "", get_string(node, "prepend")});
      return {};
    }
    if (type == "Replace") {
      const json* pattern = get(node, "pattern");
      const std::string from = pattern != nullptr ? get_string(*pattern, "String") : "";
      if (from.empty()) return unsupported("normalizer Replace with a regex pattern");
      spec_.normalizer.push_back({NormalizerStep::Kind::kReplace, from, get_string(node, "content")});
      return {};
    }
    if (type == "Lowercase") {
      spec_.normalizer.push_back({NormalizerStep::Kind::kLowercaseAscii, "", ""});
      return {};
    }
    return unsupported(fmt::format("normalizer '{}'", type));
  }

  Status pre_tokenizer(const json& node, int depth = 0) {
    const std::string type = get_string(node, "type");
    if (type == "Sequence") {
      if (depth >= kMaxSequenceDepth) return bad("pre_tokenizer Sequence nested too deeply");
      const json* list = get(node, "pretokenizers");
      if (list == nullptr || !list->is_array()) return bad("pre_tokenizer Sequence without a list");
      for (const json& child : *list) {
        if (Status s = pre_tokenizer(child, depth + 1); !s.ok()) return s;
      }
      return {};
    }
    if (type == "ByteLevel") {
      spec_.byte_level = true;
      if (get_bool(node, "add_prefix_space", false)) {
        spec_.normalizer.push_back({NormalizerStep::Kind::kPrependIfMissing, "", " "});
      }
      if (get_bool(node, "use_regex", true)) return add_regex(kGpt2SplitPattern);
      return {};
    }
    if (type == "Split") {
      const json* pattern = get(node, "pattern");
      if (pattern == nullptr) return bad("Split without a pattern");
      const std::string behavior = get_string(node, "behavior", "Isolated");
      if (behavior != "Isolated") return unsupported(fmt::format("Split behavior '{}'", behavior));
      if (get_bool(node, "invert", false)) return unsupported("Split with invert");
      if (const json* regex = get(*pattern, "Regex"); regex != nullptr && regex->is_string()) {
        return add_regex(regex->get<std::string>());
      }
      if (const json* literal = get(*pattern, "String"); literal != nullptr && literal->is_string()) {
        return add_regex(regex_escape(literal->get<std::string>()));
      }
      return bad("Split pattern is neither Regex nor String");
    }
    if (type == "Digits") {
      PreTokenizerStep step;
      step.kind = PreTokenizerStep::Kind::kDigits;
      step.individual_digits = get_bool(node, "individual_digits", false);
      spec_.pre_tokenizer.push_back(std::move(step));
      return {};
    }
    if (type == "Metaspace") {
      const std::string replacement = get_string(node, "replacement", kMetaspace);
      std::string scheme = get_string(node, "prepend_scheme", "");
      if (scheme.empty()) scheme = get_bool(node, "add_prefix_space", true) ? "always" : "never";
      spec_.normalizer.push_back({NormalizerStep::Kind::kReplace, " ", replacement});
      if (scheme != "never") spec_.normalizer.push_back({NormalizerStep::Kind::kPrependIfMissing, "", replacement});
      if (get_bool(node, "split", true)) {
        std::size_t length = 1;
        PreTokenizerStep step;
        step.kind = PreTokenizerStep::Kind::kSplitBefore;
        step.code_point = replacement.empty() ? 0 : utf8_decode(replacement, 0, length);
        spec_.pre_tokenizer.push_back(std::move(step));
      }
      return {};
    }
    return unsupported(fmt::format("pre_tokenizer '{}'", type));
  }

  Status decoder(const json& node, int depth = 0) {
    const std::string type = get_string(node, "type");
    if (type == "Sequence") {
      if (depth >= kMaxSequenceDepth) return bad("decoder Sequence nested too deeply");
      const json* list = get(node, "decoders");
      if (list == nullptr || !list->is_array()) return bad("decoder Sequence without a list");
      for (const json& child : *list) {
        if (Status s = decoder(child, depth + 1); !s.ok()) return s;
      }
      return {};
    }
    if (type == "ByteLevel") {
      spec_.byte_level = true;
    } else if (type == "Metaspace") {
      spec_.decode_metaspace = true;
      const std::string scheme = get_string(node, "prepend_scheme", "always");
      if (scheme != "never" && get_bool(node, "add_prefix_space", true)) spec_.decode_strip_leading_spaces = 1;
    } else if (type == "Replace") {
      const json* pattern = get(node, "pattern");
      if (pattern != nullptr && get_string(*pattern, "String") == kMetaspace && get_string(node, "content") == " ") {
        spec_.decode_metaspace = true;
      } else {
        return unsupported("decoder Replace other than '\u2581' -> ' '");
      }
    } else if (type == "ByteFallback") {
      spec_.decode_byte_tokens = true;
    } else if (type == "Strip") {
      if (get_string(node, "content", " ") != " ") return unsupported("decoder Strip of a non-space");
      const json* start = get(node, "start");
      if (start != nullptr && start->is_number_unsigned()) {
        spec_.decode_strip_leading_spaces = static_cast<int>(std::min<std::uint64_t>(start->get<std::uint64_t>(), 16));
      }
    } else if (type != "Fuse") {
      return unsupported(fmt::format("decoder '{}'", type));
    }
    return {};
  }

  // Returns the special tokens a post-processor adds around a single sequence.
  void post_processor(const json& node, std::string& bos, std::string& eos, int depth = 0) {
    const std::string type = get_string(node, "type");
    if (type == "Sequence") {
      const json* list = get(node, "processors");
      if (list != nullptr && list->is_array() && depth < kMaxSequenceDepth) {
        for (const json& child : *list) post_processor(child, bos, eos, depth + 1);
      }
      return;
    }
    if (type == "TemplateProcessing") {
      const json* single = get(node, "single");
      if (single == nullptr || !single->is_array() || single->empty()) return;
      auto special_of = [](const json& item) -> std::string {
        const json* special = get(item, "SpecialToken");
        return special != nullptr ? get_string(*special, "id") : std::string();
      };
      bos = special_of(single->front());
      if (single->size() > 1) eos = special_of(single->back());
      return;
    }
    if (type == "BertProcessing" || type == "RobertaProcessing") {
      const json* cls = get(node, "cls");
      const json* sep = get(node, "sep");
      if (cls != nullptr && cls->is_array() && !cls->empty() && cls->front().is_string())
        bos = cls->front().get<std::string>();
      if (sep != nullptr && sep->is_array() && !sep->empty() && sep->front().is_string())
        eos = sep->front().get<std::string>();
    }
  }

 private:
  Status add_regex(const std::string& pattern) {
    Result<SplitRegex> regex = SplitRegex::compile(pattern);
    if (!regex.ok()) return regex.status();
    PreTokenizerStep step;
    step.kind = PreTokenizerStep::Kind::kRegex;
    step.regex = std::make_shared<const SplitRegex>(std::move(regex).value());
    spec_.pre_tokenizer.push_back(std::move(step));
    return {};
  }
  static Status bad(std::string message) { return Status(ErrorCode::kCorruptData, std::move(message)); }
  static Status unsupported(std::string message) { return Status(ErrorCode::kUnsupported, std::move(message)); }

  TokenizerSpec& spec_;
};

Status load_model(const json& model, TokenizerSpec& spec) {
  const std::string type = get_string(model, "type", "BPE");
  if (type != "BPE") return make_error(ErrorCode::kUnsupported, "model type '{}' (only BPE)", type);
  if (!get_string(model, "continuing_subword_prefix").empty() || !get_string(model, "end_of_word_suffix").empty()) {
    return make_error(ErrorCode::kUnsupported, "BPE with continuing_subword_prefix or end_of_word_suffix");
  }
  if (const json* dropout = get(model, "dropout");
      dropout != nullptr && dropout->is_number() && dropout->get<double>() > 0) {
    return make_error(ErrorCode::kUnsupported, "BPE dropout");
  }
  spec.byte_fallback = get_bool(model, "byte_fallback", false);
  spec.fuse_unk = get_bool(model, "fuse_unk", false);
  spec.ignore_merges = get_bool(model, "ignore_merges", false);

  const json* vocab = get(model, "vocab");
  if (vocab == nullptr || !vocab->is_object())
    return make_error(ErrorCode::kCorruptData, "model.vocab is not an object");
  for (auto it = vocab->begin(); it != vocab->end(); ++it) {
    if (!it.value().is_number_integer())
      return make_error(ErrorCode::kCorruptData, "vocab id of '{}' is not an integer", it.key());
    const std::int64_t id = it.value().get<std::int64_t>();
    if (id < 0 || id >= (std::int64_t{1} << 24))
      return make_error(ErrorCode::kCorruptData, "vocab id {} out of range", id);
    if (static_cast<std::size_t>(id) >= spec.tokens.size()) spec.tokens.resize(static_cast<std::size_t>(id) + 1);
    spec.tokens[static_cast<std::size_t>(id)] = it.key();
  }

  const json* merges = get(model, "merges");
  if (merges != nullptr) {
    if (!merges->is_array()) return make_error(ErrorCode::kCorruptData, "model.merges is not an array");
    spec.merges.reserve(merges->size());
    for (const json& merge : *merges) {
      if (merge.is_string()) {
        const std::string& text = merge.get_ref<const std::string&>();
        const std::size_t space = text.find(' ');
        if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
          return make_error(ErrorCode::kCorruptData, "merge '{}' is not two tokens", text);
        }
        spec.merges.emplace_back(text.substr(0, space), text.substr(space + 1));
      } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
        spec.merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
      } else {
        return make_error(ErrorCode::kCorruptData, "merge is neither \"a b\" nor [\"a\", \"b\"]");
      }
    }
  }
  return {};
}

Result<TokenizerSpec> build_spec(const json& root, const json& config, std::string name) {
  TokenizerSpec spec;
  spec.name = std::move(name);
  spec.model = SubwordModel::kBpeRanks;
  const json* model = get(root, "model");
  if (model == nullptr) return make_error(ErrorCode::kCorruptData, "no model");
  if (Status s = load_model(*model, spec); !s.ok()) return s;

  if (const json* added = get(root, "added_tokens"); added != nullptr && added->is_array()) {
    for (const json& item : *added) {
      const json* id = get(item, "id");
      if (id == nullptr || !id->is_number_integer())
        return make_error(ErrorCode::kCorruptData, "added token without id");
      const std::int64_t value = id->get<std::int64_t>();
      if (value < 0 || value >= (std::int64_t{1} << 24))
        return make_error(ErrorCode::kCorruptData, "added token id {}", value);
      AddedTokenSpec token;
      token.id = static_cast<TokenId>(value);
      token.content = get_string(item, "content");
      token.special = get_bool(item, "special", false);
      token.lstrip = get_bool(item, "lstrip", false);
      token.rstrip = get_bool(item, "rstrip", false);
      if (static_cast<std::size_t>(value) >= spec.tokens.size())
        spec.tokens.resize(static_cast<std::size_t>(value) + 1);
      spec.tokens[static_cast<std::size_t>(value)] = token.content;
      spec.added_tokens.push_back(std::move(token));
    }
  }
  spec.attrs.assign(spec.tokens.size(), TokenAttr::kNormal);
  for (std::size_t i = 0; i < spec.tokens.size(); ++i) {
    if (spec.tokens[i].empty()) spec.attrs[i] = TokenAttr::kUnused;  // a hole in the id space
  }

  HfSpecBuilder builder(spec);
  if (const json* node = get(root, "normalizer")) {
    if (Status s = builder.normalizer(*node); !s.ok()) return s;
  }
  if (const json* node = get(root, "pre_tokenizer")) {
    if (Status s = builder.pre_tokenizer(*node); !s.ok()) return s;
  }
  if (const json* node = get(root, "decoder")) {
    if (Status s = builder.decoder(*node); !s.ok()) return s;
  }
  std::string bos, eos;
  if (const json* node = get(root, "post_processor")) builder.post_processor(*node, bos, eos);
  spec.add_bos = !bos.empty();
  spec.add_eos = !eos.empty();
  if (const std::string b = token_content(config, "bos_token"); !b.empty()) bos = b;
  if (const std::string e = token_content(config, "eos_token"); !e.empty()) eos = e;
  spec.add_bos = get_bool(config, "add_bos_token", spec.add_bos);
  spec.add_eos = get_bool(config, "add_eos_token", spec.add_eos);

  auto find_id = [&](const std::string& content) -> TokenId {
    if (content.empty()) return kNoToken;
    for (const AddedTokenSpec& added : spec.added_tokens) {
      if (added.content == content) return added.id;
    }
    for (std::size_t i = 0; i < spec.tokens.size(); ++i) {
      if (spec.tokens[i] == content) return static_cast<TokenId>(i);
    }
    return kNoToken;
  };
  spec.bos_id = find_id(bos);
  spec.eos_id = find_id(eos);
  // Only the model's own unk_token stands in for unknown characters; without
  // one, Hugging Face's BPE drops them.
  spec.unk_id = find_id(get_string(*model, "unk_token"));
  spec.pad_id = find_id(token_content(config, "pad_token"));
  return spec;
}

}  // namespace

Result<TokenizerSpec> tokenizer_spec_from_hf(std::string_view tokenizer_json, std::string_view config_json,
                                             std::string name) {
  const json root = json::parse(tokenizer_json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return make_error(ErrorCode::kCorruptData, "{}: not a JSON object", name);
  }
  json config = json::object();
  if (!config_json.empty()) {
    config = json::parse(config_json, nullptr, false);
    if (config.is_discarded() || !config.is_object()) {
      return make_error(ErrorCode::kCorruptData, "{}: tokenizer_config.json is not a JSON object", name);
    }
  }
  try {
    Result<TokenizerSpec> spec = build_spec(root, config, name);
    if (!spec.ok()) return spec.status().with_prefix(name);
    return spec;
  } catch (const json::exception& e) {  // a field of an unexpected type that slipped past the checks
    return make_error(ErrorCode::kCorruptData, "{}: {}", name, e.what());
  }
}

}  // namespace servir
