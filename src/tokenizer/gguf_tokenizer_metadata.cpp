#include "tokenizer/gguf_tokenizer_metadata.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer_loader.h"

namespace servir {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The split regexes of the Hugging Face tokenizers llama.cpp knows by name
// (the first Split of a Sequence followed by a regex-less ByteLevel).
constexpr std::string_view kHfLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kHfQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// GGUF token_type numbers.
constexpr std::int32_t kTypeNormal = 1, kTypeUnknown = 2, kTypeControl = 3, kTypeUserDefined = 4, kTypeUnused = 5,
                       kTypeByte = 6;

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

void flatten_pre_tokenizers(const json& node, std::vector<const json*>& out, int depth = 0) {
  if (depth > 8) return;
  if (const json* type = member(node, "type"); type != nullptr && *type == "Sequence") {
    if (const json* list = member(node, "pretokenizers"); list != nullptr && list->is_array()) {
      for (const json& child : *list) flatten_pre_tokenizers(child, out, depth + 1);
    }
    return;
  }
  out.push_back(&node);
}

// llama.cpp's tokenizer.ggml.pre name for a byte-level tokenizer's
// pre_tokenizer node. llama.cpp's converter recognizes a model by hashing the
// encoding of a probe text; servir recognizes the split rules themselves.
Result<std::string> byte_level_pre_name(const json* pre_tokenizer) {
  std::vector<const json*> steps;
  if (pre_tokenizer != nullptr) flatten_pre_tokenizers(*pre_tokenizer, steps);
  auto type_of = [](const json* node) {
    const json* type = member(*node, "type");
    return type != nullptr && type->is_string() ? type->get<std::string>() : std::string();
  };
  auto uses_regex = [](const json* node) {
    const json* use_regex = member(*node, "use_regex");
    return use_regex == nullptr || !use_regex->is_boolean() || use_regex->get<bool>();
  };
  if (steps.size() == 1 && type_of(steps[0]) == "ByteLevel" && uses_regex(steps[0])) return std::string("gpt-2");
  if (steps.size() == 2 && type_of(steps[0]) == "Split" && type_of(steps[1]) == "ByteLevel" && !uses_regex(steps[1])) {
    const json* pattern = member(*steps[0], "pattern");
    const json* regex = pattern != nullptr ? member(*pattern, "Regex") : nullptr;
    if (regex != nullptr && regex->is_string()) {
      const std::string& r = regex->get_ref<const std::string&>();
      if (r == kHfLlama3Regex) return std::string("llama-bpe");
      if (r == kHfQwen2Regex) return std::string("qwen2");
      return make_error(ErrorCode::kUnsupported,
                        "pre-tokenizer split regex '{}' has no llama.cpp name servir knows (gpt-2, llama-bpe, qwen2)",
                        r.substr(0, 80));
    }
  }
  return make_error(ErrorCode::kUnsupported,
                    "this byte-level pre-tokenizer has no llama.cpp name servir knows (gpt-2, llama-bpe, qwen2)");
}

bool is_byte_token(const std::string& token) {
  return token.size() == 6 && token.starts_with("<0x") && token.back() == '>' && std::isxdigit(token[3]) != 0 &&
         std::isxdigit(token[4]) != 0;
}

// A SentencePiece-style normalizer (Prepend / PrependIfMissing of U+2581)
// asks for the dummy-prefix space.
bool adds_space_prefix(const TokenizerSpec& spec) {
  for (const NormalizerStep& step : spec.normalizer) {
    if ((step.kind == NormalizerStep::Kind::kPrepend || step.kind == NormalizerStep::Kind::kPrependIfMissing) &&
        step.text == kMetaspace) {
      return true;
    }
  }
  return false;
}

// Minus the rank of the first merge that makes each token; tokens no merge
// makes score lower than every merged one.
std::vector<float> scores_from_merge_ranks(const TokenizerSpec& spec) {
  std::unordered_map<std::string, std::size_t> ids;
  ids.reserve(spec.tokens.size());
  for (std::size_t i = 0; i < spec.tokens.size(); ++i) ids.emplace(spec.tokens[i], i);
  const float unmerged = -static_cast<float>(spec.merges.size() + 1);
  std::vector<float> scores(spec.tokens.size(), unmerged);
  std::vector<bool> set(spec.tokens.size(), false);
  for (std::size_t rank = 0; rank < spec.merges.size(); ++rank) {
    const auto it = ids.find(spec.merges[rank].first + spec.merges[rank].second);
    if (it == ids.end() || set[it->second]) continue;
    set[it->second] = true;
    scores[it->second] = -static_cast<float>(rank);
  }
  return scores;
}

void add_chat_templates(const json& config, GgufKeyValues& out) {
  const json* templates = member(config, "chat_template");
  if (templates == nullptr) return;
  if (templates->is_string()) {
    out.emplace_back("tokenizer.chat_template", templates->get<std::string>());
    return;
  }
  if (!templates->is_array()) return;
  std::vector<std::string> names;
  for (const json& item : *templates) {
    const json* name = member(item, "name");
    const json* text = member(item, "template");
    if (name == nullptr || text == nullptr || !name->is_string() || !text->is_string()) continue;
    const std::string n = name->get<std::string>();
    if (n == "default") {
      out.emplace_back("tokenizer.chat_template", text->get<std::string>());
    } else {
      out.emplace_back("tokenizer.chat_template." + n, text->get<std::string>());
      names.push_back(n);
    }
  }
  if (!names.empty()) out.emplace_back("tokenizer.chat_templates", GgufValue::string_array(names));
}

Result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIoError, "{}: cannot open", path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<GgufKeyValues> gguf_tokenizer_metadata_from_hf(std::string_view tokenizer_json, std::string_view config_json,
                                                      const std::string& name, std::int64_t vocab_size) {
  Result<TokenizerSpec> parsed = tokenizer_spec_from_hf(tokenizer_json, config_json, name);
  if (!parsed.ok()) return parsed.status();
  TokenizerSpec spec = std::move(parsed).value();
  const json root = json::parse(tokenizer_json, nullptr, false);
  json config = config_json.empty() ? json::object() : json::parse(config_json, nullptr, false);
  if (config.is_discarded()) config = json::object();

  GgufKeyValues out;
  std::string pre;
  bool spm = false;
  if (spec.byte_level) {
    Result<std::string> pre_name = byte_level_pre_name(member(root, "pre_tokenizer"));
    if (!pre_name.ok()) return pre_name.status().with_prefix(name);
    pre = std::move(pre_name).value();
  } else if (spec.byte_fallback && spec.decode_metaspace && spec.pre_tokenizer.empty()) {
    spm = true;
  } else {
    return make_error(ErrorCode::kUnsupported,
                      "{}: neither byte-level BPE nor SentencePiece-style BPE with byte fallback (no GGUF "
                      "tokenizer model for it)",
                      name);
  }

  const std::size_t n_tokens = std::max<std::size_t>(spec.tokens.size(), static_cast<std::size_t>(vocab_size));
  if (vocab_size > 0 && static_cast<std::size_t>(vocab_size) < spec.tokens.size()) {
    return make_error(ErrorCode::kInvalidArgument, "{}: {} tokens, more than the model's vocab_size {}", name,
                      spec.tokens.size(), vocab_size);
  }
  std::vector<std::int32_t> types(n_tokens, kTypeNormal);
  std::vector<std::string> tokens(n_tokens);
  for (std::size_t i = 0; i < n_tokens; ++i) {
    if (i < spec.tokens.size() && !spec.tokens[i].empty()) {
      tokens[i] = spec.tokens[i];
      if (spm && is_byte_token(tokens[i])) types[i] = kTypeByte;
    } else {
      tokens[i] = fmt::format("[PAD{}]", i);
      types[i] = kTypeUnused;
    }
  }
  for (const AddedTokenSpec& added : spec.added_tokens) {
    types[static_cast<std::size_t>(added.id)] = added.special ? kTypeControl : kTypeUserDefined;
  }
  if (spm && spec.unk_id != kNoToken) types[static_cast<std::size_t>(spec.unk_id)] = kTypeUnknown;

  out.emplace_back("tokenizer.ggml.model", spm ? "llama" : "gpt2");
  if (!spm) out.emplace_back("tokenizer.ggml.pre", pre);
  out.emplace_back("tokenizer.ggml.tokens", GgufValue::string_array(tokens));
  if (spm) {
    std::vector<float> scores = scores_from_merge_ranks(spec);
    std::vector<GgufValue> values;
    values.reserve(n_tokens);
    for (std::size_t i = 0; i < n_tokens; ++i) values.emplace_back(i < scores.size() ? scores[i] : -1e9f);
    out.emplace_back("tokenizer.ggml.scores", GgufValue::array(GgufValueType::kFloat32, std::move(values)));
  }
  {
    std::vector<GgufValue> values;
    values.reserve(n_tokens);
    for (const std::int32_t t : types) values.emplace_back(t);
    out.emplace_back("tokenizer.ggml.token_type", GgufValue::array(GgufValueType::kInt32, std::move(values)));
  }
  if (!spm) {
    std::vector<std::string> merges;
    merges.reserve(spec.merges.size());
    for (const auto& [a, b] : spec.merges) merges.push_back(a + " " + b);
    out.emplace_back("tokenizer.ggml.merges", GgufValue::string_array(merges));
  }
  auto put_id = [&](const char* key, TokenId id) {
    if (id != kNoToken) out.emplace_back(key, static_cast<std::uint32_t>(id));
  };
  put_id("tokenizer.ggml.bos_token_id", spec.bos_id);
  put_id("tokenizer.ggml.eos_token_id", spec.eos_id);
  put_id("tokenizer.ggml.unknown_token_id", spec.unk_id);
  put_id("tokenizer.ggml.padding_token_id", spec.pad_id);
  out.emplace_back("tokenizer.ggml.add_bos_token", spec.add_bos);
  out.emplace_back("tokenizer.ggml.add_eos_token", spec.add_eos);
  if (spm) out.emplace_back("tokenizer.ggml.add_space_prefix", adds_space_prefix(spec));
  add_chat_templates(config, out);
  return out;
}

Result<GgufKeyValues> gguf_tokenizer_metadata_from_hf_file(const std::string& path, std::int64_t vocab_size) {
  fs::path json_path(path);
  std::error_code ec;
  if (fs::is_directory(json_path, ec)) json_path /= "tokenizer.json";
  Result<std::string> text = read_text(json_path);
  if (!text.ok()) return text.status();
  std::string config;
  const fs::path config_path = json_path.parent_path() / "tokenizer_config.json";
  if (fs::exists(config_path, ec)) {
    Result<std::string> bytes = read_text(config_path);
    if (!bytes.ok()) return bytes.status();
    config = std::move(bytes).value();
  }
  return gguf_tokenizer_metadata_from_hf(*text, config, json_path.string(), vocab_size);
}

}  // namespace servir
