#include "guard/redaction.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

namespace servir::guard {

std::string placeholder_kind(const Finding& finding) {
  static const std::unordered_map<std::string_view, std::string_view> kPii = {
      {"EMAIL_ADDRESS", "EMAIL"}, {"PHONE_NUMBER", "PHONE"}, {"CREDIT_CARD", "CARD"}, {"IBAN_CODE", "IBAN"},
      {"IP_ADDRESS", "IP"},       {"US_SSN", "SSN"},         {"ES_NIF", "NIF"},       {"ES_NIE", "NIE"},
      {"ES_CIF", "CIF"},          {"RU_INN", "INN"},         {"RU_SNILS", "SNILS"},   {"RU_OGRN", "OGRN"},
  };
  switch (finding.scanner) {
    case ScannerKind::kSecrets:
      return "SECRET";
    case ScannerKind::kPii:
      if (auto it = kPii.find(finding.type); it != kPii.end()) return std::string(it->second);
      return finding.type;
    case ScannerKind::kInjection:
      return "REMOVED";
    case ScannerKind::kModeration:
      return "CONTENT";
  }
  return "REDACTED";
}

std::string Redactor::placeholder(const Finding& finding, std::string_view matched) {
  const std::string kind = placeholder_kind(finding);
  std::string key = kind;
  key.push_back('\0');
  key.append(matched);
  if (auto it = by_text_.find(key); it != by_text_.end()) return it->second;
  std::string placeholder = fmt::format("[{}_{}]", kind, ++counts_[kind]);
  longest_ = std::max(longest_, placeholder.size());
  by_text_.emplace(std::move(key), placeholder);
  originals_.emplace_back(placeholder, std::string(matched));
  return placeholder;
}

std::string Redactor::redact(std::string_view text, const std::vector<const Finding*>& spans) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  for (const Finding* f : spans) {
    const std::size_t start = std::min(std::max(f->start, at), text.size());
    const std::size_t end = std::min(f->end, text.size());
    if (end <= start) continue;
    out.append(text.substr(at, start - at));
    out += placeholder(*f, text.substr(start, end - start));
    at = end;
  }
  out.append(text.substr(at));
  return out;
}

std::string Redactor::restore(std::string_view text) const {
  if (originals_.empty() || text.find('[') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t open = text.find('[', at);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find(']', open);
    if (close == std::string_view::npos) break;
    const std::string_view candidate = text.substr(open, close - open + 1);
    auto it = std::find_if(originals_.begin(), originals_.end(), [&](const auto& p) { return p.first == candidate; });
    if (it == originals_.end()) {
      out.append(text.substr(at, open + 1 - at));
      at = open + 1;
      continue;
    }
    out.append(text.substr(at, open - at));
    out += it->second;
    at = close + 1;
  }
  out.append(text.substr(at));
  return out;
}

std::vector<const Finding*> merge_spans(std::vector<const Finding*> spans, std::vector<Finding>& widened_storage) {
  std::sort(spans.begin(), spans.end(), [](const Finding* a, const Finding* b) {
    return a->start != b->start ? a->start < b->start : a->end > b->end;
  });
  std::vector<const Finding*> out;
  widened_storage.clear();
  widened_storage.reserve(spans.size());
  for (const Finding* f : spans) {
    if (!out.empty() && f->start < out.back()->end) {
      if (f->end > out.back()->end) {
        Finding wider = *out.back();
        wider.end = f->end;
        widened_storage.push_back(std::move(wider));
        out.back() = &widened_storage.back();
      }
      continue;
    }
    out.push_back(f);
  }
  return out;
}

}  // namespace servir::guard
