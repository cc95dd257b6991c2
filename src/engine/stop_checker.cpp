#include "engine/stop_checker.h"

#include <algorithm>

#include "util/check.h"

namespace servir {
namespace {

bool contains(const std::vector<std::int32_t>& ids, std::int32_t token) {
  return std::find(ids.begin(), ids.end(), token) != ids.end();
}

}  // namespace

StopChecker::StopChecker(const SamplingParams& params, std::span<const std::int32_t> eos_ids)
    : stop_strings_(params.stop),
      stop_token_ids_(params.stop_token_ids),
      min_tokens_(params.min_tokens),
      include_stop_(params.include_stop_str_in_output) {
  if (!params.ignore_eos) eos_ids_.assign(eos_ids.begin(), eos_ids.end());
  std::erase_if(stop_strings_, [](const std::string& s) { return s.empty(); });  // an empty one would match at once
}

StopChecker::Result StopChecker::push(std::int32_t token, std::string_view text_piece) {
  CHECK(!stopped_) << "StopChecker::push after the sequence stopped";
  ++generated_;
  Result result;
  const bool may_stop = generated_ >= min_tokens_;

  const bool eos = contains(eos_ids_, token);
  if (may_stop && (eos || contains(stop_token_ids_, token))) {
    // Generation is over: what was held back can no longer start a stop string.
    result.emit = std::move(pending_);
    pending_.clear();
    if (!eos && include_stop_) result.emit += text_piece;
    result.stopped = stopped_ = true;
    result.stop_token = token;
    return result;
  }

  pending_ += text_piece;
  if (may_stop) {
    // pending_ is the held-back tail plus the new piece, so every match here
    // involves new text. Earliest start wins, then the first listed.
    std::size_t best = std::string::npos;
    const std::string* matched = nullptr;
    for (const std::string& s : stop_strings_) {
      const std::size_t at = pending_.find(s);
      if (at < best) {
        best = at;
        matched = &s;
      }
    }
    if (matched != nullptr) {
      result.emit = pending_.substr(0, best + (include_stop_ ? matched->size() : 0));
      pending_.clear();
      result.stopped = stopped_ = true;
      result.stop_string = *matched;
      return result;
    }
  }
  const std::size_t hold = partial_match_length();
  result.emit = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return result;
}

std::string StopChecker::flush() {
  std::string rest = std::move(pending_);
  pending_.clear();
  return rest;
}

std::size_t StopChecker::partial_match_length() const {
  std::size_t longest = 0;
  const std::string_view text = pending_;
  for (const std::string& s : stop_strings_) {
    // Longest first, so the first hit for this string is its best; lengths at
    // or below `longest` cannot improve on another string's hit.
    for (std::size_t n = std::min(s.size() - 1, text.size()); n > longest; --n) {
      if (text.substr(text.size() - n) == std::string_view(s).substr(0, n)) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

}  // namespace servir
