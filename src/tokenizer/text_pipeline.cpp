#include "tokenizer/text_pipeline.h"

namespace servir {

std::string apply_normalizer(const std::vector<NormalizerStep>& steps, std::string_view segment) {
  std::string text(segment);
  for (const NormalizerStep& step : steps) {
    switch (step.kind) {
      case NormalizerStep::Kind::kNfc:
        text = unicode_nfc(text);
        break;
      case NormalizerStep::Kind::kPrepend:
        if (!text.empty()) text.insert(0, step.text);
        break;
      case NormalizerStep::Kind::kPrependIfMissing:
        if (!text.empty() && !std::string_view(text).starts_with(step.text)) text.insert(0, step.text);
        break;
      case NormalizerStep::Kind::kReplace: {
        if (step.from.empty()) break;
        std::string out;
        out.reserve(text.size() + text.size() / 4);
        std::size_t pos = 0;
        while (true) {
          const std::size_t hit = text.find(step.from, pos);
          if (hit == std::string::npos) break;
          out.append(text, pos, hit - pos);
          out.append(step.text);
          pos = hit + step.from.size();
        }
        out.append(text, pos, std::string::npos);
        text = std::move(out);
        break;
      }
      case NormalizerStep::Kind::kLowercaseAscii:
        for (char& c : text) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        }
        break;
    }
  }
  return text;
}

void apply_pre_tokenizer(const std::vector<PreTokenizerStep>& steps, const CodePointText& text,
                         std::vector<std::uint32_t>& ends, std::vector<std::uint32_t>& scratch) {
  ends.clear();
  if (text.size() == 0) return;
  ends.push_back(static_cast<std::uint32_t>(text.size()));
  constexpr auto kNd = static_cast<std::uint8_t>(UnicodeCategory::kNd);
  for (const PreTokenizerStep& step : steps) {
    scratch.clear();
    std::uint32_t begin = 0;
    for (const std::uint32_t end : ends) {
      switch (step.kind) {
        case PreTokenizerStep::Kind::kRegex:
          step.regex->split(text, begin, end, scratch);
          break;
        case PreTokenizerStep::Kind::kDigits:
          for (std::uint32_t i = begin; i < end; ++i) {
            const bool digit = (text.props[i] & 0x1F) == kNd;
            const bool next_digit = i + 1 < end && (text.props[i + 1] & 0x1F) == kNd;
            if (i + 1 == end || (digit && step.individual_digits) || digit != next_digit) scratch.push_back(i + 1);
          }
          break;
        case PreTokenizerStep::Kind::kSplitBefore:
          for (std::uint32_t i = begin; i < end; ++i) {
            if (i + 1 == end || text.cps[i + 1] == step.code_point) scratch.push_back(i + 1);
          }
          break;
      }
      begin = end;
    }
    ends.swap(scratch);
  }
}

}  // namespace servir
