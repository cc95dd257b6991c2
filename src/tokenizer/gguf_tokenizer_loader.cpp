// TokenizerSpec from GGUF metadata (keys written by llama.cpp's converter):
//   tokenizer.ggml.model        "llama" (SentencePiece) | "gpt2" (byte-level BPE)
//   tokenizer.ggml.pre          pre-tokenizer preset name (gpt2 models)
//   tokenizer.ggml.tokens       [string]  tokenizer.ggml.scores [f32]
//   tokenizer.ggml.token_type   [i32] 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
//   tokenizer.ggml.merges       ["a b"]   (gpt2)
//   tokenizer.ggml.{bos,eos,unknown,padding}_token_id, add_bos_token, add_eos_token, add_space_prefix
#include "tokenizer/tokenizer_loader.h"

namespace servir {
namespace {

Result<const GgufArray*> get_array(const GgufFile& file, const char* key, bool required) {
  const GgufValue* value = file.find(key);
  if (value == nullptr) {
    if (required) return make_error(ErrorCode::kNotFound, "missing {}", key);
    return static_cast<const GgufArray*>(nullptr);
  }
  const GgufArray* array = value->as_array();
  if (array == nullptr) return make_error(ErrorCode::kCorruptData, "{} is not an array", key);
  return array;
}

Status read_id(const GgufFile& file, const char* key, TokenId& id) {
  const GgufValue* value = file.find(key);
  if (value == nullptr) return {};
  const std::optional<std::int64_t> v = value->as_int();
  if (!v) return make_error(ErrorCode::kCorruptData, "{} is not an integer", key);
  id = (*v < 0 || *v > INT32_MAX) ? kNoToken : static_cast<TokenId>(*v);
  return {};
}

void read_flag(const GgufFile& file, const char* key, bool& flag) {
  const GgufValue* value = file.find(key);
  if (value == nullptr) return;
  if (const std::optional<bool> b = value->as_bool()) flag = *b;
}

}  // namespace

Result<TokenizerSpec> tokenizer_spec_from_gguf(const GgufFile& file) {
  TokenizerSpec spec;
  spec.name = file.name();
  auto fail = [&](const Status& s) { return s.with_prefix(file.name()); };

  const GgufValue* model_value = file.find("tokenizer.ggml.model");
  if (model_value == nullptr || model_value->as_string() == nullptr) {
    return fail(make_error(ErrorCode::kNotFound, "no tokenizer.ggml.model (no tokenizer in this file)"));
  }
  const std::string model = *model_value->as_string();

  Result<const GgufArray*> tokens = get_array(file, "tokenizer.ggml.tokens", true);
  if (!tokens.ok()) return fail(tokens.status());
  spec.tokens.reserve((*tokens)->values.size());
  for (const GgufValue& v : (*tokens)->values) {
    if (v.as_string() == nullptr) return fail(make_error(ErrorCode::kCorruptData, "token is not a string"));
    spec.tokens.push_back(*v.as_string());
  }
  const std::size_t n = spec.tokens.size();

  Result<const GgufArray*> scores = get_array(file, "tokenizer.ggml.scores", false);
  if (!scores.ok()) return fail(scores.status());
  if (*scores != nullptr) {
    if ((*scores)->values.size() != n) return fail(make_error(ErrorCode::kCorruptData, "scores/tokens size mismatch"));
    spec.scores.reserve(n);
    for (const GgufValue& v : (*scores)->values) {
      const std::optional<double> f = v.as_float();
      if (!f) return fail(make_error(ErrorCode::kCorruptData, "score is not a float"));
      spec.scores.push_back(static_cast<float>(*f));
    }
  }

  Result<const GgufArray*> types = get_array(file, "tokenizer.ggml.token_type", false);
  if (!types.ok()) return fail(types.status());
  if (*types != nullptr) {
    if ((*types)->values.size() != n)
      return fail(make_error(ErrorCode::kCorruptData, "token_type/tokens size mismatch"));
    spec.attrs.reserve(n);
    for (const GgufValue& v : (*types)->values) {
      const std::optional<std::int64_t> t = v.as_int();
      if (!t) return fail(make_error(ErrorCode::kCorruptData, "token type is not an integer"));
      spec.attrs.push_back(token_attr_from_sentencepiece_type(*t));
    }
  }

  if (Status s = read_id(file, "tokenizer.ggml.bos_token_id", spec.bos_id); !s.ok()) return fail(s);
  if (Status s = read_id(file, "tokenizer.ggml.eos_token_id", spec.eos_id); !s.ok()) return fail(s);
  if (Status s = read_id(file, "tokenizer.ggml.unknown_token_id", spec.unk_id); !s.ok()) return fail(s);
  if (Status s = read_id(file, "tokenizer.ggml.padding_token_id", spec.pad_id); !s.ok()) return fail(s);
  for (TokenId* id : {&spec.bos_id, &spec.eos_id, &spec.unk_id, &spec.pad_id}) {
    if (*id != kNoToken && static_cast<std::size_t>(*id) >= n) *id = kNoToken;
  }

  if (model == "llama") {
    spec.model = SubwordModel::kSpmScores;
    bool add_space_prefix = true;
    read_flag(file, "tokenizer.ggml.add_space_prefix", add_space_prefix);
    spec.add_bos = true;
    use_sentencepiece_text_rules(spec, add_space_prefix);
    spec.byte_fallback = true;
    if (spec.unk_id == kNoToken) spec.unk_id = 0;
  } else if (model == "gpt2") {
    spec.model = SubwordModel::kBpeRanks;
    spec.byte_level = true;
    const GgufValue* pre = file.find("tokenizer.ggml.pre");
    const std::string pre_name = pre != nullptr && pre->as_string() != nullptr ? *pre->as_string() : "default";
    Result<PreTokenizerPreset> preset = pre_tokenizer_preset(pre_name);
    if (!preset.ok()) return fail(preset.status());
    spec.pre_tokenizer = std::move(preset->steps);
    spec.ignore_merges = preset->ignore_merges;

    Result<const GgufArray*> merges = get_array(file, "tokenizer.ggml.merges", true);
    if (!merges.ok()) return fail(merges.status());
    spec.merges.reserve((*merges)->values.size());
    for (const GgufValue& v : (*merges)->values) {
      const std::string* merge = v.as_string();
      if (merge == nullptr) return fail(make_error(ErrorCode::kCorruptData, "merge is not a string"));
      const std::size_t space = merge->find(' ', 1);
      if (space == std::string::npos)
        return fail(make_error(ErrorCode::kCorruptData, "merge '{}' has no space", *merge));
      spec.merges.emplace_back(merge->substr(0, space), merge->substr(space + 1));
    }
  } else {
    return fail(make_error(ErrorCode::kUnsupported, "tokenizer model '{}' (supported: llama, gpt2)", model));
  }
  read_flag(file, "tokenizer.ggml.add_bos_token", spec.add_bos);
  read_flag(file, "tokenizer.ggml.add_eos_token", spec.add_eos);

  // Control, unknown and user-defined tokens are recognized in text (control
  // and unknown only with parse_special).
  if (!spec.attrs.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      const TokenAttr attr = spec.attrs[i];
      if (attr != TokenAttr::kControl && attr != TokenAttr::kUserDefined && attr != TokenAttr::kUnknown) continue;
      AddedTokenSpec added;
      added.id = static_cast<TokenId>(i);
      added.content = spec.tokens[i];
      added.special = attr != TokenAttr::kUserDefined;
      spec.added_tokens.push_back(std::move(added));
    }
  }
  return spec;
}

}  // namespace servir
