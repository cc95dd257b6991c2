// Split patterns per `tokenizer.ggml.pre` name (the names and patterns that
// llama.cpp's converter writes and its tokenizer applies). Patterns of one row
// run in order, each splitting the pieces of the previous one.
#include <mutex>
#include <string_view>

#include "tokenizer/text_pipeline.h"

namespace servir {

const char kGpt2SplitPattern[] = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

constexpr const char* kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGpt2NoTail = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
constexpr const char* kBloom = R"( ?[^(\s|.,!?…。，、।۔،)]+)";

struct PresetRow {
  std::string_view names;  // space-separated aliases
  std::vector<const char*> patterns;
  bool ignore_merges;
};

const std::vector<PresetRow>& preset_rows() {
  static const std::vector<PresetRow> kRows = {
      {"default", {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2NoTail, R"(\p{N}+)", "[0-9][0-9][0-9]"}, false},
      {"llama3 llama-bpe llama-v3 smaug-bpe dbrx falcon3 pixtral chatglm-bpe", {kLlama3}, true},
      {"gpt-2 gpt2 mpt olmo jais phi-2 trillion", {kGpt2SplitPattern}, false},
      {"qwen2 stablelm2 megrez hunyuan", {kQwen2}, false},
      {"deepseek-coder",
       {R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)", "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+", R"(\p{N})"},
       false},
      {"falcon", {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2NoTail, "[0-9][0-9][0-9]"}, false},
      {"starcoder refact command-r smollm codeshell exaone minerva-7b", {R"(\p{N})", kGpt2NoTail}, false},
      {"poro-chat bloom gpt3-finnish", {kBloom}, false},
      {"viking", {kBloom, R"(\p{N})"}, false},
  };
  return kRows;
}

}  // namespace

Result<PreTokenizerPreset> pre_tokenizer_preset(std::string_view name) {
  if (name.empty()) name = "default";
  for (const PresetRow& row : preset_rows()) {
    bool hit = false;
    for (std::size_t pos = 0; pos < row.names.size();) {
      std::size_t space = row.names.find(' ', pos);
      if (space == std::string_view::npos) space = row.names.size();
      if (row.names.substr(pos, space - pos) == name) hit = true;
      pos = space + 1;
    }
    if (!hit) continue;
    PreTokenizerPreset preset;
    preset.ignore_merges = row.ignore_merges;
    for (const char* pattern : row.patterns) {
      Result<SplitRegex> regex = SplitRegex::compile(pattern);
      if (!regex.ok()) return regex.status();
      PreTokenizerStep step;
      step.kind = PreTokenizerStep::Kind::kRegex;
      step.regex = std::make_shared<const SplitRegex>(std::move(regex).value());
      preset.steps.push_back(std::move(step));
    }
    return preset;
  }
  return make_error(ErrorCode::kUnsupported, "unknown pre-tokenizer '{}' (tokenizer.ggml.pre)", name);
}

}  // namespace servir
