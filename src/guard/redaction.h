// Typed placeholders for redacted spans, and the map back for `restore`.
//
// One Redactor serves one request: the same matched text gets the same
// placeholder in every message ("[EMAIL_1]" twice for one address), numbers
// count per placeholder kind. The placeholder map lives only as long as the
// request; restore() puts the originals back into the answer for that request
// alone.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "guard/finding.h"

namespace servir::guard {

// The placeholder kind of a finding type: EMAIL_ADDRESS -> EMAIL,
// CREDIT_CARD -> CARD, PHONE_NUMBER -> PHONE, ..., any secret -> SECRET.
std::string placeholder_kind(const Finding& finding);

class Redactor {
 public:
  // `text` with each span replaced by its placeholder. Spans must be sorted
  // by start and not overlap (see merge_spans).
  std::string redact(std::string_view text, const std::vector<const Finding*>& spans);

  // The placeholder of one matched text (the same text, the same placeholder).
  std::string placeholder(const Finding& finding, std::string_view matched);

  // The original texts back in place of this request's placeholders.
  std::string restore(std::string_view text) const;
  bool empty() const { return originals_.empty(); }
  // Longest placeholder handed out, in bytes (what streaming restore holds back).
  std::size_t longest_placeholder() const { return longest_; }
  const std::vector<std::pair<std::string, std::string>>& placeholders() const { return originals_; }

 private:
  std::map<std::string, int> counts_;                           // kind -> last number
  std::map<std::string, std::string> by_text_;                  // kind + '\0' + original -> placeholder
  std::vector<std::pair<std::string, std::string>> originals_;  // placeholder -> original
  std::size_t longest_ = 0;
};

// Keeps the spans to act on: sorted by start, overlaps merged into the
// earliest-starting finding, widened to cover both (a card inside a
// password assignment is redacted once, as the wider span).
std::vector<const Finding*> merge_spans(std::vector<const Finding*> spans, std::vector<Finding>& widened_storage);

}  // namespace servir::guard
